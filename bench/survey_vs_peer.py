"""Survey submissions, ours against the peer (django-survey-and-report), in one sitting.

Both apps run under gunicorn on this machine against databases of the SAME PostgreSQL
cluster (the peer harness's own, see --peer-dir), and are measured interleaved so that
whatever else the shared machine does weighs on both alike. Prints ratios, not just
absolute figures, and the load average next to every pair.

1. CPU per full submission (GET the page, POST the answer, GET the thank-you page), one
   customer after another: CPU time of the gunicorn workers + the PostgreSQL backends of
   the app's database + our Celery worker (bucket flush, follow-up cases), from /proc.
2. wrk at each concurrency, mode (post, flow) and gunicorn config (sync x4, gthread 2x4),
   one short run of the peer then one of ours: submissions/s, p99, lost (acknowledged but
   not stored) and errors.

Set up the peer harness first (once): copy /work/shared/peers/survey_and_report to a
writable folder and run its setup.sh there (it starts its PostgreSQL cluster, 5433 by
default; PEER_PGPORT / PEER_PGCLUSTER choose another). Then:

    .venv/bin/python bench/survey_vs_peer.py --peer-dir ../survey-peer --pg-port 5437
"""

import argparse
import http.client
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.benchlib import BASE_DIR, VENV_BIN, bench_environment, print_table, setup_django

HZ = os.sysconf("SC_CLK_TCK")
# The same gunicorn settings for both apps: gunicorn's defaults but for these, and no
# configuration file (ours, gunicorn.conf.py in the repository, picked up from the working
# folder, would make "sync" a 4-thread gthread worker without keep-alive, with an access log).
CONFIGS = {
    "sync4": ["--worker-class", "sync", "--workers", "4"],
    "gthread2x4": ["--worker-class", "gthread", "--workers", "2", "--threads", "4"],
}
QUIET = ["--log-level", "warning"]
NO_CONFIG_FILE = Path(tempfile.gettempdir()) / "survey_vs_peer_gunicorn.conf.py"
REASONS = ["", "", "", "Quick and kind", "Had to call twice", "Solved my problem on the first call"]
LUA = Path(__file__).resolve().parent / "survey_submit.lua"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer-dir", type=Path, required=True, help="the peer harness copy, after its setup.sh")
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("PEER_PGPORT", "5433")))
    parser.add_argument("--peer-db", default=os.environ.get("PEER_DB", "peer_survey"))
    parser.add_argument("--our-db", default="nps_bench_survey", help="our database in the same cluster")
    parser.add_argument("--redis-url", default=os.environ.get("NPS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--concs", default="16,64")
    parser.add_argument("--modes", default="post,flow")
    parser.add_argument("--configs", default="sync4,gthread2x4")
    parser.add_argument("--cpu-flows", type=int, default=300, help="sequential submissions per CPU round")
    parser.add_argument("--cpu-rounds", type=int, default=2)
    parser.add_argument("--skip-wrk", action="store_true")
    parser.add_argument("--skip-cpu", action="store_true")
    parser.add_argument("--peer-port", type=int, default=8111)
    parser.add_argument("--our-port", type=int, default=8112)
    return parser.parse_args()


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


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


def backends(database: str) -> list[int]:
    """PostgreSQL backend processes serving `database` (their title names it)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            pids.append(int(proc.name))
    return pids


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


class App:
    """One side of the comparison: how to start it, where its rows are, how a customer answers."""

    name = ""

    def __init__(self, args: argparse.Namespace, port: int):
        self.args = args
        self.port = port
        self.server: subprocess.Popen | None = None

    def start(self, config: str) -> None:
        command, cwd, env = self.gunicorn()
        NO_CONFIG_FILE.write_text("# survey_vs_peer.py: gunicorn's defaults, the flags decide\n")
        self.server = subprocess.Popen(
            [*command, "-c", str(NO_CONFIG_FILE), "-b", f"127.0.0.1:{self.port}", *CONFIGS[config], *QUIET],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(tempfile.gettempdir()) / f"survey_vs_peer_{self.name}.log", "ab"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", self.probe_path)
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1.5)  # every worker booted

    def stop(self) -> None:
        if self.server is not None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server = None

    def workers(self) -> list[int]:
        return children(self.server.pid) if self.server else []

    def cpu_pids(self) -> list[int]:
        return self.workers() + backends(self.database)


class Peer(App):
    name = "peer"

    def __init__(self, args, port):
        super().__init__(args, port)
        ids = dict(re.findall(r"(\w+)=(\S+)", (args.peer_dir / "out" / "ids.env").read_text()))
        self.survey, self.questions = ids["LIVE_SURVEY"], [ids["LIVE_Q1"], ids["LIVE_Q2"], ids["LIVE_Q3"]]
        self.database = args.peer_db
        self.probe_path = f"/survey/{self.survey}/"
        self.csrf = ""

    def gunicorn(self):
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "peerproj.settings",
            "PEER_PGPORT": str(self.args.pg_port),
            "PEER_DB": self.args.peer_db,
            "PEER_CONN_MAX_AGE": "3600",  # one connection per worker through a round (both apps)
            "PYTHONWARNINGS": "ignore::UserWarning",
        }
        return (
            [str(self.args.peer_dir / ".venv" / "bin" / "gunicorn"), "peerproj.wsgi:application"],
            str(self.args.peer_dir / "project"),
            env,
        )

    def stored(self) -> int:
        sql = f"SELECT count(*) FROM survey_response WHERE survey_id={self.survey}"
        return int(psql(self.args, self.database, sql))

    def prepare_cpu(self, count: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        connection.request("GET", self.probe_path)
        reply = connection.getresponse()
        reply.read()
        self.csrf = re.search(r"csrftoken=([^;]+)", reply.getheader("Set-Cookie", "")).group(1)

    def flow(self, connection: http.client.HTTPConnection) -> bool:
        cookie = {"Cookie": f"csrftoken={self.csrf}"}
        connection.request("GET", self.probe_path, headers=cookie)
        connection.getresponse().read()
        q1, q2, q3 = self.questions
        body = (
            f"csrfmiddlewaretoken={self.csrf}&question_{q1}={random.randint(0, 10)}"
            f"&question_{q2}={random.randint(0, 10)}&question_{q3}={random.choice(REASONS).replace(' ', '+')}"
        )
        headers = {**cookie, "Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", self.probe_path, body=body, headers=headers)
        reply = connection.getresponse()
        reply.read()
        if reply.status != 302:
            return False
        connection.request("GET", reply.getheader("Location"), headers=cookie)
        thanks = connection.getresponse()
        thanks.read()
        return thanks.status == 200

    def wrk_env(self, mode: str) -> tuple[str, dict]:
        q1, q2, q3 = self.questions
        env = {"SURVEY": self.survey, "Q1": q1, "Q2": q2, "Q3": q3, "CSRF": self.csrf, "MODE": mode}
        return str(self.args.peer_dir / "scripts" / "submit.lua"), env

    def prepare_wrk(self, expected: int) -> None:
        if not self.csrf:
            self.prepare_cpu(0)

    def settle(self) -> None:
        time.sleep(2)


class Ours(App):
    name = "ours"

    def __init__(self, args, port):
        super().__init__(args, port)
        self.database = args.our_db
        self.url = f"postgres://root@127.0.0.1:{args.pg_port}/{args.our_db}"
        self.env = {**os.environ, **bench_environment(self.url, args.redis_url), "SECURE_COOKIES": "false"}
        self.env["CONN_MAX_AGE"] = "3600"  # as the peer's: a backend that exits mid-round would lose its CPU time
        self.probe_path = "/healthz"
        self.tokens: list[str] = []
        self.token_file = Path(tempfile.gettempdir()) / "survey_vs_peer_tokens.txt"
        self.worker: subprocess.Popen | None = None

    def gunicorn(self):
        return [str(VENV_BIN / "gunicorn"), "nps_project.wsgi:application"], str(BASE_DIR), self.env

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [
                *[str(VENV_BIN / "celery"), "-A", "nps_project", "worker", "--pool=solo", "--loglevel=WARNING"],
                *["--without-gossip", "--without-mingle", "--without-heartbeat"],
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(tempfile.gettempdir()) / "survey_vs_peer_worker.log", "ab"),  # noqa: SIM115
        )
        time.sleep(5)

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.send_signal(signal.SIGTERM)
            self.worker.wait(timeout=30)

    def cpu_pids(self) -> list[int]:
        from django.db import connection

        with connection.cursor() as cursor:  # this script's own connection is not the app's
            cursor.execute("SELECT pg_backend_pid()")
            own = cursor.fetchone()[0]
        return [pid for pid in super().cpu_pids() if pid != own] + ([self.worker.pid] if self.worker else [])

    def stored(self) -> int:
        from surveys.models import Response

        return Response.objects.count()

    def prepare_cpu(self, count: int) -> None:
        self.tokens = make_links(count)

    def flow(self, connection: http.client.HTTPConnection) -> bool:
        path = f"/s/{self.tokens.pop()}/"
        connection.request("GET", path)
        connection.getresponse().read()
        body = (
            f"company_score={random.randint(0, 10)}&agent_score={random.randint(0, 10)}"
            f"&why={random.choice(REASONS).replace(' ', '+')}"
        )
        connection.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        reply = connection.getresponse()
        reply.read()
        if reply.status != 302:
            return False
        connection.request("GET", reply.getheader("Location"))
        thanks = connection.getresponse()
        thanks.read()
        return thanks.status == 200

    def prepare_wrk(self, expected: int) -> None:
        self.token_file.write_text("\n".join(make_links(expected)) + "\n")

    def wrk_env(self, mode: str) -> tuple[str, dict]:
        return str(LUA), {"TOKENS": str(self.token_file), "NTHREADS": "2", "MODE": mode}

    def settle(self) -> None:
        """Wait until the worker flushed what the run left (the marks are gone) and is idle
        (the flush goes on after it cleared the marks: cases, themes)."""
        from analytics.models import DirtyBucket

        deadline = time.monotonic() + 30
        time.sleep(1)
        while DirtyBucket.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.25)
        if self.worker is None:
            return
        last = ticks(self.worker.pid)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = ticks(self.worker.pid)
            if now == last:
                return
            last = now


def psql(args, database: str, sql: str) -> str:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "root", "-d", database, "-qtAc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


# --- our links -------------------------------------------------------------------------------

AGENTS = 200


def make_links(count: int) -> list[str]:
    """`count` fresh invitations (200 agents in 10 departments, as the peer's 200 agents),
    stored in bulk as record_interaction would leave them for the link method; their tokens."""
    from django.utils import timezone

    from agents.models import Agent, Department
    from surveys import tokens
    from surveys.models import Interaction, Invitation
    from surveys.services import default_survey
    from surveys.versions import current_version

    survey = default_survey()
    version = current_version(survey)
    departments = [Department.objects.get_or_create(code=f"d{i}", defaults={"name": f"Team {i}"})[0] for i in range(10)]
    agents = list(Agent.objects.filter(external_id__startswith="bench-agent-").order_by("pk"))
    if len(agents) < AGENTS:
        Agent.objects.bulk_create(
            [
                Agent(external_id=f"bench-agent-{i}", name=f"Agent{i} Bench", department=departments[i % 10])
                for i in range(AGENTS)
            ],
            ignore_conflicts=True,
        )
        agents = list(Agent.objects.filter(external_id__startswith="bench-agent-").order_by("pk"))
    now = timezone.now()
    stamp = f"{time.time_ns()}"
    result = []
    for start in range(0, count, 5000):
        size = min(5000, count - start)
        interactions = Interaction.objects.bulk_create(
            [
                Interaction(
                    source="bench",
                    external_id=f"{stamp}-{start + i}",
                    channel="phone",
                    occurred_at=now - timedelta(minutes=random.randint(1, 600)),
                    agent=agents[(start + i) % AGENTS],
                    department_id=agents[(start + i) % AGENTS].department_id,
                    survey=survey,
                    language="en",
                )
                for i in range(size)
            ]
        )
        nonces = [tokens.new_nonce() for _ in interactions]
        links = [tokens.token_for(nonce) for nonce in nonces]
        Invitation.objects.bulk_create(
            [
                Invitation(
                    interaction=interaction,
                    status=Invitation.Status.SENT,
                    method="link",
                    language="en",
                    survey_version=version,
                    token_nonce=nonce,
                    token_hash=tokens.hash_token(link),
                    send_after=now,
                    sent_at=now,
                    expires_at=now + timedelta(days=7),
                )
                for interaction, nonce, link in zip(interactions, nonces, links, strict=True)
            ]
        )
        result += links
    return result


# --- the measurements ------------------------------------------------------------------------


def cpu_round(app: App, flows: int) -> dict:
    app.prepare_cpu(flows + 5)
    connection = http.client.HTTPConnection("127.0.0.1", app.port)
    for _ in range(5):  # warm: the first requests of a worker load templates and catalogs
        app.flow(connection)
    app.settle()
    pids = app.cpu_pids()
    before = {pid: ticks(pid) for pid in pids}
    wall = time.monotonic()
    ok = sum(app.flow(connection) for _ in range(flows))
    wall = time.monotonic() - wall
    app.settle()
    connection.close()
    pids = set(pids) | set(app.cpu_pids())  # a backend opened during the round counts in full
    after = {pid: ticks(pid) for pid in pids}
    per = {"web": 0.0, "postgres": 0.0, "worker": 0.0}
    workers = set(app.workers())
    worker = getattr(app, "worker", None)
    gone = [pid for pid in pids if after[pid] == 0 and before.get(pid)]
    if gone:
        print(f"WARNING {app.name}: processes {gone} exited during the round; their CPU time is missing")
    for pid in set(pids) - set(gone):
        ms = (after[pid] - before.get(pid, 0)) * 1000 / HZ / flows
        kind = "web" if pid in workers else "worker" if worker is not None and pid == worker.pid else "postgres"
        per[kind] += ms
    per["total"] = sum(per.values())
    per["ok"] = ok
    per["wall_ms"] = wall * 1000 / flows
    return per


def measure_cpu(args, peer: Peer, ours: Ours) -> list:
    print(f"\n== CPU per full submission (sequential, sync x4), load average {loadavg()}", flush=True)
    peer.start("sync4")
    ours.start("sync4")
    rows, totals = [], {"peer": [], "ours": []}
    try:
        for round_ in range(1, args.cpu_rounds + 1):
            for app in (peer, ours):
                load = loadavg()
                r = cpu_round(app, args.cpu_flows)
                totals[app.name].append(r)
                rows.append(
                    [
                        *[round_, app.name, f"{r['web']:.1f}", f"{r['postgres']:.1f}", f"{r['worker']:.1f}"],
                        *[f"{r['total']:.1f}", f"{r['wall_ms']:.1f}", f"{r['ok']}/{args.cpu_flows}", load],
                    ]
                )
                print("CPU", app.name, {k: round(v, 2) for k, v in r.items()}, "load", load, flush=True)
    finally:
        peer.stop()
        ours.stop()
    headers = ["round", "app", "web ms", "postgres ms", "worker ms", "total ms", "wall ms", "ok", "load avg"]
    title = "CPU per full submission (GET page + POST + GET thank-you), one customer at a time"
    print_table(headers, rows, title=title)
    ratios = [o["total"] / p["total"] for p, o in zip(totals["peer"], totals["ours"], strict=True)]
    print("CPU ratio ours/peer per round: " + ", ".join(f"{r:.2f}" for r in ratios) + "  (target <= 0.50)")
    return ratios


def parse_wrk(text: str) -> dict:
    values = dict(re.findall(r"(\w+)=([\d.]+)", text))
    return {k: float(v) for k, v in values.items()}


def wrk_run(args, app: App, mode: str, conc: int) -> dict:
    script, extra = app.wrk_env(mode)
    env = {**os.environ, **extra}
    url = f"http://127.0.0.1:{app.port}"
    before = app.stored()
    out = subprocess.run(
        ["wrk", "-t2", f"-c{conc}", f"-d{args.duration}s", "--timeout", "10s", "-s", script, url],
        capture_output=True,
        text=True,
        env=env,
        timeout=args.duration + 60,
    ).stdout
    app.settle()
    result = parse_wrk(out)
    result["stored"] = app.stored() - before
    result["lost"] = max(0, result.get("submissions_acked", 0) - result["stored"])
    result["errors"] = sum(result.get(k, 0) for k in ("connect", "read", "write", "timeout", "non2xx3xx", "unmatched"))
    result["errors"] += result.get("bad_status", 0) + result.get("invalid", 0) + result.get("tokens_exhausted", 0)
    return result


def measure_wrk(args, peer: Peer, ours: Ours) -> list:
    rows = []
    expected = 1500  # fresh links for a run of ours: twice what the last run took, refilled each time
    for config in args.configs.split(","):
        peer.start(config)
        ours.start(config)
        try:
            peer.prepare_wrk(0)
            for app in (peer, ours):  # warm-up, as the peer's bench.sh
                app.prepare_wrk(expected)
                script, extra = app.wrk_env("post")
                subprocess.run(
                    ["wrk", "-t2", "-c16", "-d3s", "-s", script, f"http://127.0.0.1:{app.port}"],
                    env={**os.environ, **extra},
                    capture_output=True,
                    timeout=60,
                )
            for mode in args.modes.split(","):
                for conc in (int(c) for c in args.concs.split(",")):
                    load = loadavg()
                    pair = {}
                    for app in (peer, ours):
                        app.prepare_wrk(expected)
                        pair[app.name] = r = wrk_run(args, app, mode, conc)
                        if app is ours:
                            expected = max(1500, int(2 * r.get("submissions_acked", 0) * (3 if mode == "flow" else 1)))
                        print(f"WRK {config} {mode} c={conc} {app.name}: {r}", flush=True)
                    p, o = pair["peer"], pair["ours"]
                    rows.append(
                        [
                            *[config, mode, conc, f"{p['submissions_per_s']:.1f}", f"{o['submissions_per_s']:.1f}"],
                            *[f"{o['submissions_per_s'] / p['submissions_per_s']:.2f}", f"{p['p99']:.0f}"],
                            *[f"{o['p99']:.0f}", f"{o['p99'] / p['p99']:.2f}", f"{int(p['lost'])}/{int(o['lost'])}"],
                            *[f"{int(p['errors'])}/{int(o['errors'])}", load],
                        ]
                    )
            for app in (peer, ours):
                for pid in app.workers():
                    print(f"MEM {config} {app.name} worker {pid} peak_rss_mb={peak_rss_mb(pid):.1f}")
        finally:
            peer.stop()
            ours.stop()
    headers = ["config", "mode", "conc", "peer sub/s", "ours sub/s", "ratio", "peer p99 ms", "ours p99 ms"]
    headers += ["p99 ratio", "lost peer/ours", "errors peer/ours", "load avg before"]
    print_table(headers, rows, title="wrk, interleaved pairs (peer then ours), targets: ratio >= 2, p99 ratio <= 0.5")
    return rows


def main() -> None:
    args = parse_args()
    if "bench" not in args.our_db:
        sys.exit("--our-db must contain 'bench'")
    exists = subprocess.run(
        [
            *["psql", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "root", "-d", "postgres", "-qtAc"],
            f"SELECT 1 FROM pg_database WHERE datname = '{args.our_db}'",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "root", args.our_db], check=True)
    setup_django(f"postgres://root@127.0.0.1:{args.pg_port}/{args.our_db}", args.redis_url)
    from django.db import connection

    peer, ours = Peer(args, args.peer_port), Ours(args, args.our_port)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"cores={os.cpu_count()} postgres={version} port={args.pg_port} load average at start {loadavg()}")
    ours.start_worker()
    try:
        if not args.skip_cpu:
            measure_cpu(args, peer, ours)
        if not args.skip_wrk:
            measure_wrk(args, peer, ours)
    finally:
        ours.stop_worker()
    print(f"load average at the end {loadavg()}")


if __name__ == "__main__":
    main()
