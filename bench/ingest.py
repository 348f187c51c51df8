"""Ingest benchmark (issue 10): interactions per second through the real API under gunicorn.

    .venv/bin/python bench/ingest.py [--runs 5] [--clients 2] [--singles 200]

The app runs as production runs it: `gunicorn -c gunicorn.conf.py` (gthread, WEB_THREADS
threads) with `--workers` processes (default 2, one per core of the reference machine),
DEBUG off, the full middleware stack, a real API token, against
NPS_BENCH_INGEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/nps_bench_ingest,
created if missing) and, for the queued sends, the bench Redis NPS_BENCH_REDIS_URL (default
redis://127.0.0.1:6379/13: no Celery worker runs, so the delivery tasks wait there and are
purged at the end). Request bodies are encoded before the clock starts. It times:

- 1,000-item `POST /api/v1/interactions/bulk/` with link delivery (the platform delivers the
  link: invitations "sent" in the request): `--clients` clients in parallel, `--runs`
  requests each, of fresh interactions;
- the same with email delivery (invitations "pending", the sends queued on Redis after
  commit, not done in the request);
- `--singles` single `POST /api/v1/interactions/` with email delivery, one after another
  (median and p95);
- SQL statements per bulk request of 10, 100 and 1,000 items, counted in this process with
  Django's test client (must not grow with the items).

For each part it prints the wall-clock rate with the load average, and the CPU time (from
/proc) of the gunicorn workers and of the PostgreSQL backends serving them, per 1,000
interactions: that figure does not depend on what else runs on the machine, so
"idle 2-core rate" = 2 cores / (app + database CPU seconds per interaction) says what the
same code would do on 2 free cores (Redis, the kernel's network work and the client are
left out: an upper bound).
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import benchlib
from benchlib import BASE_DIR, VENV_BIN, median, ms, p95

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nps_bench_ingest"
BULK = "/api/v1/interactions/bulk/"
SINGLE = "/api/v1/interactions/"
TARGET_LINK = 2000
TARGET_EMAIL = 1000
TARGET_SINGLE_P95 = 0.050
AGENTS, DEPARTMENTS = 200, 10
HZ = os.sysconf("SC_CLK_TCK")


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def items(count: int, *, delivery: str, run: str) -> list[dict]:
    """Fresh interactions of the last hours, as a contact center reports them."""
    from django.utils import timezone

    now = timezone.now()
    batch = []
    for n in range(count):
        item = {
            "external_id": f"{run}-{n}",
            "source": "bench",
            "channel": ("phone", "chat", "email", "sms")[n % 4],
            "agent": f"bench-agent-{n % AGENTS:03}",
            "agent_name": f"Agent {n % AGENTS:03}",
            "department": f"bench-team-{n % DEPARTMENTS:02}",
            "occurred_at": (now - timedelta(minutes=n % 600)).isoformat(),
            "handle_seconds": 120 + n % 600,
            "wait_seconds": n % 90,
            "transfers": n % 3,
            "resolved": n % 5 != 0,
            "tags": ["billing"] if n % 2 else ["refund", "vip"],
            "customer": {"name": f"Customer {n}", "language": ("en", "id", "es")[n % 3]},
        }
        if delivery == "email":
            item["customer"]["email"] = f"{run}-{n}@example.com"
            item["delivery"] = {"method": "email"}
        else:
            item["delivery"] = {"method": "link"}
        batch.append(item)
    return batch


# --- processes and their CPU time -----------------------------------------------------------


def ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def backends(database: str, own: int) -> list[int]:
    """PostgreSQL backend processes serving `database` (their title names it), not ours."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == own:
            continue
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            pids.append(int(proc.name))
    return pids


class Server:
    """gunicorn as the image starts it (gunicorn.conf.py), on a local port."""

    def __init__(self, database_url: str, redis_url: str, port: int, workers: int):
        self.port, self.database = port, database_url.rsplit("/", 1)[-1]
        env = {**os.environ, **benchlib.bench_environment(database_url, redis_url)}
        env.update({"WEB_CONCURRENCY": str(workers), "SECURE_COOKIES": "false"})
        self.log = Path(tempfile.gettempdir()) / "bench_ingest_gunicorn.log"
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "nps_project.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log
            stderr=open(self.log, "ab"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = request("GET", port, "/healthz", None, {})
                if status == 200 and len(self.workers()) >= workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                sys.exit(f"gunicorn did not start; see {self.log}")
            time.sleep(0.3)

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def request(method: str, port: int, path: str, body: bytes | None, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def run_phase(server: Server, own_backend: int, path: str, bodies: list[list[bytes]], headers: dict) -> dict:
    """Each client (a thread) posts its bodies one after another; all clients at once.
    Returns the wall time, each request's latency and replies, and the CPU seconds of the
    gunicorn workers and of the database backends over the phase."""
    latencies: list[float] = []
    replies: list[tuple[int, bytes]] = []
    lock = threading.Lock()
    cpu = CpuSampler(server, own_backend)

    def client(own: list[bytes]) -> None:
        for body in own:
            started = time.perf_counter()
            reply = request("POST", server.port, path, body, headers)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                replies.append(reply)

    threads = [threading.Thread(target=client, args=(own,)) for own in bodies]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"wall": wall, "latencies": latencies, "replies": replies, "cpu": cpu.stop(), "load": load}


class CpuSampler:
    """CPU seconds of the gunicorn workers ("app") and of the database backends serving the
    bench database ("db") from now until stop(). The workers' threads close a database
    connection older than CONN_MAX_AGE and open another, so backends come and go: they are
    sampled every 100 ms, and a backend counts from its first sample (from zero if it
    started after the first one) to its last."""

    def __init__(self, server: Server, own_backend: int):
        self.server, self.own = server, own_backend
        self.first: dict[tuple[str, int], int] = {}
        self.last: dict[tuple[str, int], int] = {}
        self.sample(initial=True)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self, initial: bool = False) -> None:
        for kind, pids in (("app", self.server.workers()), ("db", backends(self.server.database, self.own))):
            for pid in pids:
                now = ticks(pid)
                if now:
                    self.first.setdefault((kind, pid), now if initial else 0)
                    self.last[(kind, pid)] = now

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.sample()

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.thread.join()
        self.sample()
        totals = {"app": 0, "db": 0}
        for key, last in self.last.items():
            totals[key[0]] += last - self.first[key]
        return {kind: total / HZ for kind, total in totals.items()}


def check_bulk(replies: list[tuple[int, bytes]], delivery: str, size: int) -> None:
    for status, content in replies:
        if status != 200:
            sys.exit(f"bulk answered {status}: {content[:500]!r}")
        answer = json.loads(content)
        assert answer["created"] == size, answer
        statuses = {r["body"]["invitation"]["status"] for r in answer["results"]}
        assert statuses == ({"sent"} if delivery == "link" else {"pending"}), statuses


def statements(client, count: int, delivery: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    batch = items(count, delivery=delivery, run=f"count-{delivery}-{uuid.uuid4().hex[:8]}")
    client.post(BULK, [], format="json")  # the token's last_used_at is written at most once a minute: not now
    with CaptureQueriesContext(connection) as captured:
        reply = client.post(BULK, batch, format="json")
    assert reply.status_code == 200 and reply.json()["created"] == count, reply.content[:300]
    return len(captured.captured_queries)


def single_statements(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    [item] = items(1, delivery="email", run=f"count-single-{uuid.uuid4().hex[:8]}")
    client.post(SINGLE, {**item, "external_id": f"{item['external_id']}-warm"}, format="json")
    with CaptureQueriesContext(connection) as captured:
        reply = client.post(SINGLE, item, format="json")
    assert reply.status_code == 201, reply.content[:300]
    return len(captured.captured_queries)


def describe(phase: dict, interactions: int) -> tuple[float, float, float, float]:
    """(rate per s, app CPU s per 1,000, db CPU s per 1,000, idle 2-core rate)."""
    rate = interactions / phase["wall"]
    app = phase["cpu"]["app"] * 1000 / interactions
    db = phase["cpu"]["db"] * 1000 / interactions
    idle = 2 * 1000 / (app + db) if app + db else float("inf")
    return rate, app, db, idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="1,000-item requests per client and delivery")
    parser.add_argument("--clients", type=int, default=2, help="clients posting at the same time")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--skip-bulk", action="store_true", help="time the single POSTs only")
    parser.add_argument("--port", type=int, default=8137)
    args = parser.parse_args()

    database = os.environ.get("NPS_BENCH_INGEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    if "bench" not in database.rsplit("/", 1)[-1]:
        sys.exit(f"Refusing to benchmark against {database!r}: the database's name must contain 'bench'.")
    ensure_database(database)
    # The limiter still counts every request (its cost is in the figures), but the bench's
    # 1,000 singles in a minute or two must not hit the default 600/min (the server inherits it).
    os.environ["API_RATE_LIMIT"] = "100000/min"
    benchlib.setup_django(database, benchlib.redis_url())

    from django.db import connection
    from rest_framework.test import APIClient

    from nps_project.celery import app as celery_app
    from surveys.services import default_survey
    from surveys.services_tokens import create_api_token

    print("Machine")
    benchlib.print_table(["what", "value"], benchlib.machine_info())
    load_before = ", ".join(f"{v:.2f}" for v in os.getloadavg())

    survey = default_survey()
    survey.fatigue_days, survey.agent_monthly_target = 30, 0
    survey.save(update_fields=["fatigue_days", "agent_monthly_target"])
    key = create_api_token(name=f"bench-{uuid.uuid4().hex[:8]}")
    headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_backend = cursor.fetchone()[0]

    def bulk_bodies(delivery: str, size: int = 1000, runs: int = args.runs) -> list[list[bytes]]:
        return [
            [
                json.dumps(items(size, delivery=delivery, run=f"{delivery}-{uuid.uuid4().hex[:8]}")).encode()
                for _ in range(runs)
            ]
            for _ in range(args.clients)
        ]

    server = Server(database, benchlib.redis_url(), args.port, args.workers)
    print(f"\ngunicorn -c gunicorn.conf.py, {args.workers} workers × {os.environ.get('WEB_THREADS', '4')} threads")
    try:
        print("Warm-up (each worker: 100 items of each delivery, 5 singles)", flush=True)
        for delivery in ("link", "email"):
            run_phase(server, own_backend, BULK, bulk_bodies(delivery, 100, 2), headers)
        warm = [json.dumps(i).encode() for i in items(10, delivery="email", run=f"warm-{uuid.uuid4().hex[:8]}")]
        run_phase(server, own_backend, SINGLE, [warm[:5], warm[5:]], headers)

        phases = {}
        for delivery in () if args.skip_bulk else ("link", "email"):
            bodies = bulk_bodies(delivery)
            print(f"\n{args.clients} clients × {args.runs} bulk requests of 1,000, {delivery} delivery", flush=True)
            phase = phases[delivery] = run_phase(server, own_backend, BULK, bodies, headers)
            check_bulk(phase["replies"], delivery, 1000)
            rate, app, db, idle = describe(phase, 1000 * args.runs * args.clients)
            print(
                f"  {rate:,.0f}/s wall (load {phase['load']:.2f}); request median {ms(median(phase['latencies']))};"
                f" CPU per 1,000: app {app:.3f} s + db {db:.3f} s → idle 2 cores ≈ {idle:,.0f}/s",
                flush=True,
            )

        print(f"\n{args.singles} single POSTs one after another (email delivery, sends queued)", flush=True)
        run = f"single-{uuid.uuid4().hex[:8]}"
        singles = [json.dumps(i).encode() for i in items(args.singles, delivery="email", run=run)]
        phase = phases["single"] = run_phase(server, own_backend, SINGLE, [singles], headers)
        bad = [r for r in phase["replies"] if r[0] != 201]
        if bad:
            sys.exit(f"single POST answered {bad[0][0]}: {bad[0][1][:500]!r}")
        latencies = phase["latencies"]
        print(
            f"  p95 {ms(p95(latencies))}, median {ms(median(latencies))} (load {phase['load']:.2f});"
            f" CPU per request: app {ms(phase['cpu']['app'] / args.singles)}"
            f" + db {ms(phase['cpu']['db'] / args.singles)}",
            flush=True,
        )
        for n in range(3):  # three more runs: how much the figures vary from run to run
            again = [json.dumps(i).encode() for i in items(args.singles, delivery="email", run=f"{run}-{n}")]
            extra = run_phase(server, own_backend, SINGLE, [again], headers)
            print(
                f"  again: p95 {ms(p95(extra['latencies']))}, median {ms(median(extra['latencies']))}"
                f" (load {extra['load']:.2f}); CPU per request: app {ms(extra['cpu']['app'] / args.singles)}"
                f" + db {ms(extra['cpu']['db'] / args.singles)}",
                flush=True,
            )
    finally:
        server.stop()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    deliveries = () if args.skip_bulk else ("link", "email")
    counts = {delivery: [statements(client, n, delivery) for n in (10, 100, 1000)] for delivery in deliveries}
    single_count = single_statements(client)
    purged = celery_app.control.purge()
    load_after = ", ".join(f"{v:.2f}" for v in os.getloadavg())

    verdict = {True: "PASS", False: "FAIL"}
    rows = []
    for delivery, target in (("link", TARGET_LINK), ("email", TARGET_EMAIL))[: len(deliveries)]:
        phase = phases[delivery]
        rate, app, db, idle = describe(phase, 1000 * args.runs * args.clients)
        rows.append(
            (
                f"bulk 1,000, {delivery} delivery" + (" (sends queued)" if delivery == "email" else ""),
                f"{rate:,.0f}/s wall at load {phase['load']:.1f} (request median {ms(median(phase['latencies']))});"
                f" CPU per 1,000: app {app:.3f} s, db {db:.3f} s → idle 2 cores ≈ {idle:,.0f}/s",
                f"≥ {target:,}/s",
                f"wall {verdict[rate >= target]}, idle {verdict[idle >= target]}",
            )
        )
    phase = phases["single"]
    cpu = (phase["cpu"]["app"] + phase["cpu"]["db"]) / args.singles
    rows.append(
        (
            "single POST, email delivery",
            f"p95 {ms(p95(phase['latencies']))} (median {ms(median(phase['latencies']))}) at load"
            f" {phase['load']:.1f}; CPU per request: app {ms(phase['cpu']['app'] / args.singles)},"
            f" db {ms(phase['cpu']['db'] / args.singles)} → idle: ≈ {ms(cpu)} a request,"
            f" ≈ {2 / cpu:,.0f}/s on 2 cores",
            f"p95 < {ms(TARGET_SINGLE_P95)}",
            verdict[p95(phase["latencies"]) < TARGET_SINGLE_P95],
        )
    )
    for delivery in deliveries:
        rows.append(
            (
                f"SQL statements per bulk request, {delivery}: 10 / 100 / 1,000 items",
                " / ".join(map(str, counts[delivery])),
                "constant",
                verdict[len(set(counts[delivery])) == 1],
            )
        )
    rows.append(("SQL statements per single POST (in this process, warm)", str(single_count), "", ""))
    benchlib.print_table(["figure", "measured", "target", ""], rows, title="Ingest (gunicorn, PostgreSQL)")
    print(f"load average (1/5/15 min) before: {load_before}; after: {load_after}")
    print(f"delivery tasks left on the bench Redis and purged: {purged}")


if __name__ == "__main__":
    main()
