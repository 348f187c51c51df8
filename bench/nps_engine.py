"""NPS engine benchmark (issue 3): rebuild vs. the raw aggregate floor, the NPS API,
freshness with a real Celery worker on Redis, and the worker's peak memory in a rebuild.

    .venv/bin/python bench/load_responses.py          # once: 1,000,000 responses
    .venv/bin/python bench/nps_engine.py [--runs 5] [--requests 50] [--answers 30] [--only abcd]

Runs against NPS_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/nps_bench) and
NPS_BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, flushed by this script), never the
ambient DATABASE_URL / REDIS_URL. Prints each figure as the median of several runs, then one
table: figure, measured, target, pass/fail.

(a) analytics.buckets.rebuild() (all days; what `manage.py rebuild_nps` does for buckets) and
    analytics.breakdowns.rebuild() separately, against the floor: one GROUP BY over
    surveys_response producing the same agent-scope counts per day, written nowhere. The
    rebuild finds the days to compare by per-day fingerprints (analytics.fingerprints);
    buckets.rebuild(exact=True), which compares every row, is timed beside it.
(b) GET /api/v1/nps/?group_by=agent over the last 365 days through Django's test client with
    a real API token, in-process (server time: middleware, auth, selector, JSON).
(c) Freshness: interactions recorded with surveys.services.record_interaction, answered by a
    POST to the public page /s/<token>/; a poller watches the agent bucket until it counts the
    answer. A real `celery worker` subprocess on Redis does the work: the answer's after-commit
    hook marks the bucket dirty and enqueues analytics.tasks.flush_nps_buckets with a 0.5 s
    countdown (analytics/receivers.py). Beat's 15 s flush is only the safety net for a lost
    message, so beat is not needed for this path; --with-beat runs it alongside anyway.
(d) Peak RSS (VmHWM) of the worker's processes while it runs analytics.tasks.reconcile_nps
    (the nightly full reconcile: buckets + breakdowns), a fresh worker per run.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import benchlib
from benchlib import median, ms, p95

FRESH_SOURCE = "bench-fresh"
FRESH_DEPARTMENT = "bench-fresh"
WORKER_FLAGS = ["--without-gossip", "--without-mingle", "--without-heartbeat"]
LOG_DIR = Path(os.environ.get("NPS_BENCH_LOG_DIR", Path(tempfile.gettempdir()) / "nps-bench"))


@dataclass
class Figure:
    name: str
    measured: str
    target: str
    passed: bool | None  # None: informational


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)

    def add(self, name: str, measured: str, target: str = "", passed: bool | None = None) -> None:
        self.figures.append(Figure(name, measured, target, passed))
        print(f"  {name}: {measured}" + (f"  (target {target})" if target else ""), flush=True)


# --- (a) rebuild vs. floor ------------------------------------------------------------------


def floor_sql() -> tuple[str, tuple]:
    """The raw aggregate the rebuild cannot beat: the agent-scope counts per local day,
    department snapshot, agent and channel, in one GROUP BY, read by an outer aggregate
    (so no column is optimised away) and sent nowhere."""
    from analytics.buckets import _day_sql

    day_sql, day_params = _day_sql()
    inner = f"""
        SELECT {day_sql} AS day, department_id, agent_id, channel,
            SUM(CASE WHEN company_score >= 9 THEN 1 ELSE 0 END) AS cp,
            SUM(CASE WHEN company_score BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS cs,
            SUM(CASE WHEN company_score <= 6 THEN 1 ELSE 0 END) AS cd,
            SUM(CASE WHEN agent_score >= 9 THEN 1 ELSE 0 END) AS ap,
            SUM(CASE WHEN agent_score BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS a_s,
            SUM(CASE WHEN agent_score <= 6 THEN 1 ELSE 0 END) AS ad,
            COUNT(*) AS n
        FROM surveys_response GROUP BY 1, 2, 3, 4
    """
    outer = f"SELECT COUNT(*), MAX(day), SUM(cp + cs + cd + ap + a_s + ad + n) FROM ({inner}) AS floor"
    return outer, day_params


def grouping_sets_sql() -> tuple[str, tuple]:
    """All three scopes in one pass (GROUPING SETS): what a single-statement rebuild would read."""
    from analytics.buckets import _day_sql

    day_sql, day_params = _day_sql()
    inner = f"""
        SELECT day, department_id, agent_id, channel,
            SUM(CASE WHEN company_score >= 9 THEN 1 ELSE 0 END) AS cp,
            SUM(CASE WHEN agent_score <= 6 THEN 1 ELSE 0 END) AS ad, COUNT(*) AS n
        FROM (SELECT {day_sql} AS day, department_id, agent_id, channel, company_score, agent_score
              FROM surveys_response) AS r
        GROUP BY GROUPING SETS ((day, department_id, agent_id, channel), (day, department_id, channel), (day, channel))
    """
    return f"SELECT COUNT(*), SUM(cp + ad + n) FROM ({inner}) AS floor", day_params


def timed_query(sql: str, params: tuple) -> tuple[float, tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return time.perf_counter() - started, row


class Timed:
    """Wall-clock seconds and CPU seconds (this process + its PostgreSQL backend) of a block."""

    def __enter__(self) -> "Timed":
        self._clock = benchlib.CpuClock().__enter__()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._started
        self._clock.__exit__(*exc)
        self.cpu = self._clock.total


def timed(fn) -> tuple[Timed, object]:
    with Timed() as t:
        result = fn()
    return t, result


def bench_rebuild(report: Report, runs: int, *, light: bool = False) -> None:
    from analytics import breakdowns, buckets
    from analytics.models import NpsBucket

    print(f"\n(a) Full rebuild vs. the raw aggregate floor, {runs} runs (wall-clock; CPU of app + PostgreSQL)")
    floor, floor_params = floor_sql()
    sets, sets_params = grouping_sets_sql()
    timed_query(floor, floor_params)  # warm the cache: every timed run reads a warm table
    floors, sets_times, rebuilds, exacts, details = [], [], [], [], []
    for run in range(1, runs + 1):
        floor_t, (row,) = timed(lambda: [timed_query(floor, floor_params)[1]])
        floors.append(floor_t)
        sets_seconds, _ = timed_query(sets, sets_params)
        sets_times.append(sets_seconds)
        rebuild_t, result = timed(buckets.rebuild)
        rebuilds.append(rebuild_t)
        if light:
            print(
                f"  run {run}: floor {floor_t.wall:.2f} s (CPU {floor_t.cpu:.2f}), grouping sets {sets_seconds:.2f} s, "
                f"buckets.rebuild {rebuild_t.wall:.2f} s (CPU {rebuild_t.cpu:.2f}; {result.buckets:,} buckets, "
                f"{result.written} rewritten)"
            )
            continue
        exact_t, exact = timed(lambda: buckets.rebuild(exact=True))
        exacts.append(exact_t)
        detail_t, _ = timed(breakdowns.rebuild)
        details.append(detail_t)
        print(
            f"  run {run}: floor {floor_t.wall:.2f} s (CPU {floor_t.cpu:.2f}; {row[0]:,} agent buckets), "
            f"grouping sets {sets_seconds:.2f} s, buckets.rebuild {rebuild_t.wall:.2f} s (CPU {rebuild_t.cpu:.2f}; "
            f"{result.buckets:,} buckets, {result.written} rewritten), exact {exact_t.wall:.2f} s "
            f"({exact.written} rewritten), breakdowns.rebuild {detail_t.wall:.2f} s (CPU {detail_t.cpu:.2f})",
            flush=True,
        )
    floor_wall, floor_cpu = median([t.wall for t in floors]), median([t.cpu for t in floors])

    def ratio(label: str, times: list[Timed], target: float | None, info: str = "median") -> None:
        wall, cpu = median([t.wall for t in times]), median([t.cpu for t in times])
        by_wall, by_cpu = wall / floor_wall, cpu / floor_cpu
        report.add(
            f"(a) {label} ({info}) ÷ floor",
            f"{wall:.2f} s = {by_wall:.2f}× wall; CPU {cpu:.2f} s = {by_cpu:.2f}×",
            f"≤ {target:g}×" if target else "",
            (max(by_wall, by_cpu) <= target) if target else None,
        )

    report.add("(a) floor: raw GROUP BY, no writes (median)", f"{floor_wall:.2f} s; CPU {floor_cpu:.2f} s")
    report.add("(a) floor, all 3 scopes via GROUPING SETS (median, info)", f"{median(sets_times):.2f} s")
    ratio("buckets.rebuild(), every bucket right", rebuilds, 1.5)
    if light:  # floor and verifying rebuild only (a large database on a busy machine)
        return
    ratio("buckets.rebuild(exact=True), every row compared", exacts, None)
    ratio("breakdowns.rebuild(), every row right", details, 3)
    # The runs above find everything right and write nothing (analytics.sync): the nightly
    # reconcile's usual case. The other cases, once each:
    from django.db import transaction
    from django.db.models import F

    with transaction.atomic():
        drifted = list(NpsBucket.objects.filter(scope="agent").values_list("pk", flat=True)[::100])
        NpsBucket.objects.filter(pk__in=drifted).update(responses=F("responses") + 1)
    repair_t, repaired = timed(buckets.rebuild)
    NpsBucket.objects.all().delete()
    empty_t, cold = timed(buckets.rebuild)
    truncate_breakdowns()
    empty_details_t, filled = timed(breakdowns.rebuild)
    print(
        f"  1 % of agent buckets wrong: {repair_t.wall:.2f} s, {repaired.written:,} rows rewritten; "
        f"buckets into an empty table: {empty_t.wall:.2f} s (CPU {empty_t.cpu:.2f}), {cold.written:,} rows; "
        f"breakdowns into empty tables: {empty_details_t.wall:.2f} s (CPU {empty_details_t.cpu:.2f}), "
        f"{filled.written:,} rows",
        flush=True,
    )
    benchlib.settle_derived_tables()
    agent_buckets = NpsBucket.objects.filter(scope="agent").count()
    if agent_buckets != row[0]:
        print(f"  WARNING: the floor found {row[0]:,} agent buckets, the rebuild wrote {agent_buckets:,}")
    ratio("buckets.rebuild() with 1 % of agent buckets wrong", [repair_t], None, "once")
    ratio("buckets.rebuild() into an empty table", [empty_t], 3, "once")
    ratio("breakdowns.rebuild() into empty tables", [empty_details_t], None, "once")
    both = Timed()
    both.wall, both.cpu = empty_t.wall + empty_details_t.wall, empty_t.cpu + empty_details_t.cpu
    ratio("rebuild_nps from empty = both into empty", [both], 6, "once")
    everything_right = Timed()
    everything_right.wall = median([a.wall + b.wall for a, b in zip(rebuilds, details, strict=True)])
    everything_right.cpu = median([a.cpu + b.cpu for a, b in zip(rebuilds, details, strict=True)])
    ratio("rebuild_nps, everything right = buckets + breakdowns", [everything_right], None)


def truncate_breakdowns() -> None:
    from django.db import connection

    from analytics.breakdowns import TABLES

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(table.name for table in TABLES)}")


# --- (b) the NPS API ------------------------------------------------------------------------


def bench_api(report: Report, requests: int) -> None:
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from surveys.models import ApiToken
    from surveys.services_tokens import create_api_token

    print(f"\n(b) GET /api/v1/nps/ for one year grouped by agent, {requests} requests")
    ApiToken.objects.filter(name__startswith="bench-engine-").delete()
    key = create_api_token(name=f"bench-engine-{uuid.uuid4().hex[:8]}")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    today = timezone.localdate()
    # The API sums whole calendar months from the monthly rollups and the edge days from the
    # daily rows: time the year ending today, and a year with the most edge days possible
    # (from the 2nd of a month to the day before the last of a month, 59 edge days).
    last_edge = today.replace(day=1) - timedelta(days=2)
    ranges = {
        "365 days to today": (today - timedelta(days=364), today),
        "a year, 59 edge days": (
            date(last_edge.year - 1, last_edge.month + 1 if last_edge.month < 12 else 1, 2),
            last_edge,
        ),
    }
    worst = 0.0
    for label, (since, until) in ranges.items():
        url = f"/api/v1/nps/?group_by=agent&question=agent&since={since}&until={until}"
        # Cold: the first request on a new database connection (a new PostgreSQL backend).
        connections.close_all()
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        cold = time.perf_counter() - started
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, response.content[:500]
        with CaptureQueriesContext(connection) as captured:
            rows = client.get(url).json()
        queries = len(captured)  # now: the next request resets the connection's query log
        times, cpus = [], []
        for _ in range(requests):
            with benchlib.CpuClock() as cpu:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            cpus.append(cpu.total)
            assert response.status_code == 200
        print(f"  {url}: {len(rows)} rows, {sum(r['responses'] for r in rows):,} responses, {queries} SQL queries")
        report.add(f"(b) /api/v1/nps/ by agent, {label}: cold, first request on a new connection", ms(cold))
        report.add(f"(b) /api/v1/nps/ by agent, {label}: median", ms(median(times)))
        report.add(f"(b) /api/v1/nps/ by agent, {label}: p95", ms(p95(times)), "< 100 ms", p95(times) < 0.100)
        report.add(
            f"(b) /api/v1/nps/ by agent, {label}: CPU app + PostgreSQL, median; p95",
            f"{ms(median(cpus))}; {ms(p95(cpus))}",
            "< 100 ms",
            p95(cpus) < 0.100,
        )
        worst = max(worst, p95(times))


# --- the Celery worker --------------------------------------------------------------------


class Worker:
    """A `celery worker` (and optionally `celery beat`) subprocess on the bench database and Redis."""

    def __init__(self, database: str, redis: str, *, name: str, beat: bool = False):
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{name}.log"
        self.env = os.environ | benchlib.bench_environment(database, redis) | {"LOG_LEVEL": "INFO"}
        self.name = name
        self.beat = beat
        self.processes: list[subprocess.Popen] = []

    def start(self) -> "Worker":
        log = self.log_path.open("w")
        celery = str(benchlib.VENV_BIN / "celery")
        worker = subprocess.Popen(
            [celery, "-A", "nps_project", "worker", "-l", "INFO", "-n", f"{self.name}@%h", *WORKER_FLAGS],
            cwd=benchlib.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(worker)
        if self.beat:
            schedule = LOG_DIR / f"{self.name}-beat-schedule"
            beat_log = (LOG_DIR / f"{self.name}-beat.log").open("w")
            self.processes.append(
                subprocess.Popen(
                    [celery, "-A", "nps_project", "beat", "-l", "INFO", "-s", str(schedule), "--pidfile="],
                    cwd=benchlib.BASE_DIR,
                    env=self.env,
                    stdout=beat_log,
                    stderr=subprocess.STDOUT,
                )
            )
        self.wait_for("ready.", timeout=60)
        return self

    @property
    def pid(self) -> int:
        return self.processes[0].pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, text: str, *, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log()
            if text in log:
                return log
            if self.processes[0].poll() is not None:
                sys.exit(f"The worker exited; see {self.log_path}:\n{log[-3000:]}")
            time.sleep(0.05)
        sys.exit(f"Timed out waiting for {text!r} in {self.log_path}")

    def tree(self) -> list[int]:
        """The worker's main process and its pool children."""
        pids = [self.pid]
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            children = []
        return pids + [int(c) for c in children]

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> "Worker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def proc_status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def flush_redis(redis: str) -> None:
    import redis as redis_client

    redis_client.Redis.from_url(redis).flushdb()


# --- (c) freshness --------------------------------------------------------------------------


def remove_fresh_data() -> None:
    """Delete what the freshness bench stored and recompute the buckets it touched.

    Plain SQL on exactly those rows (the ORM's cascade would also visit every model that
    points at a response or an agent, including ones whose migration is not written yet)."""
    from django.db import connection, transaction

    from analytics import buckets

    fresh = "SELECT id FROM surveys_interaction WHERE source = %s"
    fresh_responses = f"SELECT id FROM surveys_response WHERE interaction_id IN ({fresh})"
    fresh_cases = f"SELECT id FROM analytics_followupcase WHERE response_id IN ({fresh_responses})"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT department_id, agent_id, channel, occurred_at FROM surveys_response "
            f"WHERE interaction_id IN ({fresh})",
            [FRESH_SOURCE],
        )
        keys = {buckets.BucketKey(d, a, c, buckets.local_day(at)) for d, a, c, at in cursor.fetchall()}
        for table in ("analytics_caseevent", "analytics_casealert", "analytics_recoverysurvey"):
            cursor.execute(f"DELETE FROM {table} WHERE case_id IN ({fresh_cases})", [FRESH_SOURCE])
        cursor.execute(f"DELETE FROM analytics_followupcase WHERE id IN ({fresh_cases})", [FRESH_SOURCE])
        # Every other row that points at a fresh answer (themes found by the worker's flush, …).
        cursor.execute(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c JOIN pg_attribute a "
            "ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.confrelid = 'surveys_response'::regclass AND c.contype = 'f'"
        )
        for table, column in cursor.fetchall():
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({fresh_responses})", [FRESH_SOURCE])
        for table in ("surveys_response", "surveys_invitation"):
            cursor.execute(f"DELETE FROM {table} WHERE interaction_id IN ({fresh})", [FRESH_SOURCE])
        cursor.execute("DELETE FROM surveys_interaction WHERE source = %s", [FRESH_SOURCE])
        cursor.execute("DELETE FROM agents_agent WHERE external_id LIKE %s", ["bench-fresh-%"])
        cursor.execute(
            "DELETE FROM agents_department_supervisors WHERE department_id IN "
            "(SELECT id FROM agents_department WHERE code = %s)",
            [FRESH_DEPARTMENT],
        )
        cursor.execute("DELETE FROM agents_department WHERE code = %s", [FRESH_DEPARTMENT])
        cursor.execute(
            "DELETE FROM analytics_dirtybucket WHERE agent_key NOT IN (SELECT id FROM agents_agent)",
        )
    buckets.recompute(keys)


def prepare_answers(count: int) -> list[tuple[int, str]]:
    """Record `count` interactions with link delivery for as many fresh agents (one bucket
    each, so each answer's bucket goes from 0 to 1); return (agent pk, survey page path)."""
    from django.urls import reverse

    from surveys import services, tokens
    from surveys.models import Invitation

    run = uuid.uuid4().hex[:8]
    prepared = []
    for i in range(count):
        recorded = services.record_interaction(
            services.InteractionInput(
                external_id=f"fresh-{run}-{i}",
                source=FRESH_SOURCE,
                channel="chat",
                agent=f"bench-fresh-{i:02}",
                agent_name=f"Fresh {i:02}",
                department=FRESH_DEPARTMENT,
                delivery_method="link",
            )
        )
        invitation = Invitation.objects.get(interaction=recorded.interaction)
        assert invitation.status == Invitation.Status.SENT, invitation.status
        token = tokens.token_for(invitation.token_nonce)
        prepared.append((recorded.interaction.agent_id, reverse("survey-page", args=[token])))
    return prepared


class BucketPoller(threading.Thread):
    """Watches agent buckets on its own connection; records when each one counts an answer."""

    def __init__(self, database: str, day, interval: float = 0.01):
        super().__init__(daemon=True)
        self.database, self.day, self.interval = database, day, interval
        self.pending: dict[int, float] = {}  # agent pk -> submitted at (perf_counter)
        self.seen: dict[int, float] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def expect(self, agent_pk: int, submitted_at: float) -> None:
        with self.lock:
            self.pending[agent_pk] = submitted_at

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.database, autocommit=True) as conn:
            while not self.stopped.is_set():
                with self.lock:
                    agents = list(self.pending)
                if agents:
                    rows = conn.execute(
                        "SELECT agent_key FROM analytics_npsbucket WHERE scope = 'agent' AND day = %s "
                        "AND agent_key = ANY(%s) AND responses >= 1",
                        [self.day, agents],
                    ).fetchall()
                    now = time.perf_counter()
                    with self.lock:
                        for (agent_pk,) in rows:
                            if agent_pk in self.pending:
                                self.seen[agent_pk] = now - self.pending.pop(agent_pk)
                time.sleep(self.interval)


class Reconciler(threading.Thread):
    """Full reconciles (analytics.tasks.reconcile_nps: buckets and breakdowns, all days) back
    to back on their own connection, as the nightly one would run while answers arrive."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopped = threading.Event()
        self.seconds: list[float] = []

    def run(self) -> None:
        from django.db import connection

        from analytics.tasks import reconcile_nps

        try:
            while not self.stopped.is_set():
                started = time.perf_counter()
                reconcile_nps()
                self.seconds.append(time.perf_counter() - started)
        finally:
            connection.close()


def bench_freshness(report: Report, answers: int, database: str, redis: str, *, beat: bool) -> None:
    from django.test import Client
    from django.utils import timezone

    print(f"\n(c) Freshness: {answers} answers through the public page, a real worker on {redis}")
    remove_fresh_data()
    flush_redis(redis)
    prepared = prepare_answers(answers)
    rng = random.Random(7)
    client = Client()
    poller = BucketPoller(database, timezone.localdate())
    reconciler = Reconciler()
    with Worker(database, redis, name="bench-fresh", beat=beat) as worker:
        print(f"  worker pid {worker.pid} ({'with' if beat else 'without'} beat), log {worker.log_path}")
        poller.start()
        reconciler.start()
        post_times = []
        try:
            for agent_pk, path in prepared:
                score = rng.choice([3, 6, 8, 9, 10, 10])
                started = time.perf_counter()
                poller.expect(agent_pk, started)
                response = client.post(path, {"company_score": score, "agent_score": score, "why": "bench"})
                post_times.append(time.perf_counter() - started)
                assert response.status_code == 302, (response.status_code, response.content[:300])
                # Arrivals 0.1–1.0 s apart: some land while a flush is pending, some after it ran.
                time.sleep(rng.uniform(0.1, 1.0))
            deadline = time.monotonic() + 30
            while poller.pending and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            poller.stopped.set()
            poller.join()
            reconciler.stopped.set()
            reconciler.join()
        flushes = worker.log().count("analytics.tasks.flush_nps_buckets[")
    missing = len(poller.pending)
    latencies = list(poller.seen.values())
    print(
        f"  {len(latencies)} of {answers} answers reached their bucket; POST /s/<token>/ median "
        f"{ms(median(post_times))}; flush task log lines {flushes}; all the while full reconciles ran back to "
        f"back: {len(reconciler.seconds)} done ({', '.join(f'{s:.1f} s' for s in reconciler.seconds)})"
    )
    print("  latencies (s): " + " ".join(f"{v:.2f}" for v in sorted(latencies)))
    remove_fresh_data()
    if missing:
        report.add("(c) freshness: answers never counted within 30 s", str(missing), "0", False)
    report.add("(c) freshness answer → bucket: median", f"{median(latencies):.2f} s")
    worst = p95(latencies) if not missing else float("inf")
    report.add(
        f"(c) freshness answer → bucket while full reconciles run: p95 of {answers}",
        f"{worst:.2f} s",
        "≤ 2 s",
        worst <= 2.0,
    )


# --- (d) worker memory during a full reconcile ----------------------------------------------


def bench_worker_rss(report: Report, runs: int, database: str, redis: str) -> None:
    from analytics.tasks import reconcile_nps

    print(f"\n(d) Peak RSS of the worker running analytics.tasks.reconcile_nps (all days), {runs} runs")
    peaks, trees, durations, growths = [], [], [], []
    for run in range(1, runs + 1):
        flush_redis(redis)
        with Worker(database, redis, name=f"bench-rss-{run}") as worker:
            time.sleep(0.5)
            before = {pid: proc_status_kb(pid, "VmHWM") for pid in worker.tree()}
            task_id = reconcile_nps.apply_async().id
            tree_peak = 0
            marker = f"reconcile_nps[{task_id}] succeeded in "
            deadline = time.monotonic() + 600
            while marker not in (log := worker.log()):
                tree_peak = max(tree_peak, sum(proc_status_kb(pid, "VmRSS") for pid in worker.tree()))
                if time.monotonic() > deadline or f"reconcile_nps[{task_id}] raised" in log:
                    sys.exit(f"reconcile_nps did not succeed; see {worker.log_path}")
                time.sleep(0.02)
            seconds = float(log.split(marker, 1)[1].split("s", 1)[0])
            hwm = {pid: proc_status_kb(pid, "VmHWM") for pid in worker.tree()}
        peak_pid = max(hwm, key=hwm.get)
        peaks.append(hwm[peak_pid] / 1024)
        trees.append(tree_peak / 1024)
        durations.append(seconds)
        growths.append(max(kb - before.get(pid, 0) for pid, kb in hwm.items()) / 1024)
        role = "main" if peak_pid == worker.pid else "pool child"
        print(
            f"  run {run}: task {seconds:.1f} s; VmHWM per process (MiB) "
            + ", ".join(f"{pid}: {before.get(pid, 0) / 1024:.0f}→{kb / 1024:.0f}" for pid, kb in hwm.items())
            + f"; peak in the {role}; sampled sum of VmRSS over the tree {tree_peak / 1024:.0f} MiB",
            flush=True,
        )
    report.add("(d) reconcile_nps (buckets + breakdowns) in the worker (median, info)", f"{median(durations):.1f} s")
    report.add("(d) worker tree, sampled sum of VmRSS (median, info)", f"{median(trees):.0f} MiB")
    report.add("(d) largest VmHWM growth of one process during the task (median, info)", f"{median(growths):.0f} MiB")
    report.add(
        "(d) worker peak RSS (VmHWM of the busiest process, median)",
        f"{median(peaks):.0f} MiB",
        "< 300 MB",
        median(peaks) * 1024 * 1024 < 300e6,
    )


# --- main ---------------------------------------------------------------------------------


# --- (e) flush throughput: what one worker process takes -------------------------------------


def backend_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (here: the PostgreSQL backend serving this connection)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_flush(report: Report, batches: tuple[int, ...] = (1, 10, 100, 1000)) -> None:
    """Mark N existing agent buckets of the last 3 days dirty (as N answers to N different
    buckets would), run the worker's flush task in this process and measure its CPU and the
    PostgreSQL backend's: the cost per answer when flushes carry one answer (a quiet
    system) and when they coalesce many (a busy one). The buckets were right, so the flush
    rewrites them with the same counts; the follow-up listener looks for detractor answers
    without a case (run bench/dashboard_pages.py first, which gives them their cases, or
    this opens them)."""
    from django.db import connection
    from django.utils import timezone

    from analytics import buckets, tasks
    from analytics.models import NpsBucket

    print("\n(e) Flush throughput: marked buckets recomputed by analytics.tasks.flush_nps_buckets")
    keys = list(
        NpsBucket.objects.filter(scope="agent", day__gte=timezone.localdate() - timedelta(days=3))
        .order_by("?")
        .values_list("department_key", "agent_key", "channel", "day")[: max(batches)]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    tz = timezone.get_current_timezone()
    for batch in batches:
        for department, agent, channel, day in keys[:batch]:
            buckets.mark_dirty(
                department_id=department,
                agent_id=agent,
                channel=channel,
                occurred_at=timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12), tz),
            )
        cpu, pg = time.process_time(), backend_cpu_seconds(backend)
        started = time.perf_counter()
        flushed = tasks.flush_nps_buckets()
        wall = time.perf_counter() - started
        cpu, pg = time.process_time() - cpu, backend_cpu_seconds(backend) - pg
        per = (cpu + pg) / flushed
        report.add(
            f"(e) flush of {flushed:,} marked buckets: wall; worker CPU + PostgreSQL CPU per bucket",
            f"{ms(wall)}; {ms(cpu / flushed)} + {ms(pg / flushed)} = {ms(per)} ({1 / per:,.0f} buckets per CPU second)",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="Runs of (a), medians reported (default 5).")
    parser.add_argument(
        "--rss-runs", type=int, default=3, help="Runs of (d), each a full reconcile in a fresh worker (default 3)."
    )
    parser.add_argument("--requests", type=int, default=50, help="Timed API requests for (b) (default 50).")
    parser.add_argument("--answers", type=int, default=30, help="Answers submitted for (c) (default 30).")
    parser.add_argument("--only", default="abcde", help="Which parts to run, e.g. 'ab' (default abcde).")
    parser.add_argument("--with-beat", action="store_true", help="Run celery beat beside the worker in (c).")
    parser.add_argument("--light", action="store_true", help="(a): the floor and the verifying rebuild only.")
    parser.add_argument(
        "--parallel-query", action="store_true", help="Keep the server's parallel query (default: off, see benchlib)."
    )
    args = parser.parse_args()
    database, redis = benchlib.database_url(), benchlib.redis_url()
    benchlib.setup_django(database, redis)
    if not args.parallel_query:
        benchlib.serial_queries()

    from surveys.models import Response

    total = Response.objects.count()
    if total == 0:
        sys.exit("The bench database holds no responses: run bench/load_responses.py first.")
    machine = benchlib.machine_info()
    benchlib.print_table(["machine", ""], machine, title="Machine")
    print(f"Responses in the bench database: {total:,}")
    print(benchlib.analyze_state())
    report = Report()
    started = time.monotonic()
    if "a" in args.only:
        bench_rebuild(report, args.runs, light=args.light)
    if "b" in args.only:
        benchlib.settle_derived_tables()
        bench_api(report, args.requests)
    if "c" in args.only:
        bench_freshness(report, args.answers, database, redis, beat=args.with_beat)
    if "d" in args.only:
        bench_worker_rss(report, args.rss_runs, database, redis)
    if "e" in args.only:
        bench_flush(report)
    rows = [
        (f.name, f.measured, f.target or "-", "-" if f.passed is None else ("PASS" if f.passed else "FAIL"))
        for f in report.figures
    ]
    benchlib.print_table(
        ["figure", "measured", "target", "result"],
        rows,
        title=f"NPS engine on {total:,} responses ({time.monotonic() - started:.0f} s, load now "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())})",
    )


if __name__ == "__main__":
    main()
