"""The Celery worker's CPU per submitted answer: bucket flush, follow-up cases, themes.

Submits answers through the real public survey POST (/s/<token>/, in this process with
Django's test client: the web side is not what this measures) at a steady rate, with a
real `celery worker` (solo pool) as a subprocess, then waits until the worker has done
everything the answers asked for (dirty marks gone, every why-text tagged with the current
taxonomy, every detractor's case open) and the worker is idle. Reads from /proc:

- worker ms/answer: CPU time of the worker process over the round, per answer;
- worker PG ms/answer: CPU time of the PostgreSQL cluster's processes other than this
  process's own backend: the worker's backends, including those that exited (Celery closes
  the database connection after every task, so each task has a backend of its own; their
  time is read from the postmaster's cutime/cstime, which collects its reaped children's),
  and the cluster's background processes. Use a cluster nothing else uses (the peer
  harness's, port 5433), or this column counts other people's queries too;
- tasks/answer and answers/flush from the worker's log (INFO: one line per task run).

CPU time, not wall time, so the load of a shared machine hardly distorts it; the load
average is printed next to every round all the same.

    .venv/bin/python bench/worker_cpu.py --answers 300 --rounds 2 --why-share 0.5
    .venv/bin/python bench/worker_cpu.py --why-share 1 --detractor-share 0

    .venv/bin/python bench/worker_cpu.py --database postgres://root@127.0.0.1:5433/nps_bench_worker

Database NPS_BENCH_WORKER_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/nps_bench_worker,
created when missing; its name must contain 'bench'), broker and cache NPS_BENCH_REDIS_URL
(default redis://127.0.0.1:6379/13; its queue is purged at the start).
"""

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.benchlib import BASE_DIR, VENV_BIN, bench_environment, print_table, redis_url, setup_django

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/nps_bench_worker"
WHYS = [
    "Waited forty minutes on hold before anyone answered",
    "Transferred three times and nobody could fix my bill",
    "Quick and kind, solved my problem on the first call",
    "The agent was rude and did not listen",
    "Nunggu lama banget, tapi mbaknya ramah",
    "Me cobraron dos veces y nadie me devolvió el dinero",
    "Had to call twice, the app still crashes",
    "Very helpful, knew exactly what to do",
]
HZ = os.sysconf("SC_CLK_TCK")
TASK_LINE = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("NPS_BENCH_WORKER_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--worker-env", action="append", default=[], help="NAME=VALUE for the worker (repeatable)")
    parser.add_argument("--redis-url", default=redis_url())
    parser.add_argument("--answers", type=int, default=300, help="answers per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rate", type=float, default=20.0, help="answers per second (steady pace)")
    parser.add_argument("--why-share", type=float, default=0.5, help="share of answers with a why-text")
    parser.add_argument(
        "--detractor-share", type=float, default=None, help="share of detractors (default: scores uniform 0-10)"
    )
    parser.add_argument("--seed", type=int, default=14)
    return parser.parse_args()


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def cpu_ns(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (FileNotFoundError, ProcessLookupError):
        return 0


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[-1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def cluster_ns(own_backend: int) -> int:
    """CPU time of the PostgreSQL cluster but `own_backend`: its postmaster's reaped children
    (cutime + cstime) and its live children, in nanoseconds."""
    postmaster = int(Path(f"/proc/{own_backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[13]) + int(fields[14])) * 1_000_000_000 // HZ  # cutime + cstime
    for child in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split():
        if int(child) != own_backend:
            total += cpu_ns(int(child))
    return total


def own_backend() -> int:
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.info.backend_pid


class Worker:
    def __init__(self, env: dict[str, str]):
        self.log = Path(tempfile.gettempdir()) / f"worker_cpu_{os.getpid()}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    *[str(VENV_BIN / "celery"), "-A", "nps_project", "worker", "--pool=solo", "--loglevel=INFO"],
                    *["--without-gossip", "--without-mingle", "--without-heartbeat"],
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while "ready." not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the worker did not start:\n{self.text()[-3000:]}")
            time.sleep(0.2)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tasks(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name in TASK_LINE.findall(self.text()):
            counts[name] = counts.get(name, 0) + 1
        return counts

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def scores(rng: random.Random, detractor_share: float | None) -> tuple[int, int]:
    if detractor_share is None:
        return rng.randint(0, 10), rng.randint(0, 10)
    if rng.random() < detractor_share:
        return rng.randint(0, 6), rng.randint(0, 10)
    return rng.randint(7, 10), rng.randint(7, 10)


def submit(client, token: str, rng: random.Random, args) -> int:
    company, agent = scores(rng, args.detractor_share)
    why = rng.choice(WHYS) if rng.random() < args.why_share else ""
    reply = client.post(f"/s/{token}/", {"company_score": company, "agent_score": agent, "why": why})
    return reply.status_code


def done(since_id: int) -> bool:
    """Everything the answers after `since_id` ask of the worker is stored."""
    from django.conf import settings
    from django.db.models import Q

    from analytics.models import DirtyBucket
    from analytics.themes import tagging
    from analytics.themes.models import ThemeTagging
    from followups.models import FollowUpCase
    from surveys.models import Response

    if DirtyBucket.objects.exists():
        return False
    new = Response.objects.filter(pk__gt=since_id)
    with_why = new.exclude(why="").count()
    tagged = ThemeTagging.objects.filter(
        response__pk__gt=since_id, fingerprint=tagging.current_taxonomy().fingerprint
    ).count()
    limit = settings.FOLLOWUP_DETRACTOR_MAX
    detractors = new.filter(Q(company_score__lte=limit) | Q(agent_score__lte=limit)).count()
    cases = FollowUpCase.objects.filter(response__pk__gt=since_id).count()
    return tagged == with_why and cases == detractors


def settle(worker: Worker, since_id: int, timeout: float = 120) -> None:
    """Wait until the answers' work is stored and the worker has been idle for 1 s."""
    deadline = time.monotonic() + timeout
    while not done(since_id):
        if time.monotonic() > deadline:
            sys.exit("the worker did not finish the round's work in time")
        time.sleep(0.25)
    last = cpu_ns(worker.process.pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu_ns(worker.process.pid)
        if now - last < 5_000_000:  # under 5 ms in a second: idle
            return
        last = now


def last_response_id() -> int:
    from surveys.models import Response

    return Response.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def run_round(client, worker: Worker, tokens: list[str], rng: random.Random, args) -> dict:
    from surveys.models import Response

    since = last_response_id()
    own = own_backend()
    worker_before, pg_before = cpu_ns(worker.process.pid), cluster_ns(own)
    tasks_before = worker.tasks()
    start = time.monotonic()
    statuses = []
    for n in range(args.answers):
        wait = start + n / args.rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        statuses.append(submit(client, tokens.pop(), rng, args))
    settle(worker, since)
    if own_backend() != own:
        print("WARNING: this process's own connection changed; the PG column counts part of it")
    worker_after, pg_after = cpu_ns(worker.process.pid), cluster_ns(own)
    tasks = {name: n - tasks_before.get(name, 0) for name, n in worker.tasks().items()}
    tasks = {name: n for name, n in tasks.items() if n}
    answers = Response.objects.filter(pk__gt=since)
    stored = answers.count()
    per = 1e6 * args.answers
    return {
        "worker_ms": (worker_after - worker_before) / per,
        "pg_ms": (pg_after - pg_before) / per,
        "tasks": tasks,
        "stored": stored,
        "why": answers.exclude(why="").count(),
        "ok": sum(status == 302 for status in statuses),
    }


def main() -> None:
    args = parse_args()
    ensure_database(args.database)
    setup_django(args.database, args.redis_url)
    from django.core.cache import cache
    from django.test import Client

    from analytics.tasks import FLUSH_SCHEDULED
    from analytics.themes.defaults import ensure_defaults
    from bench.survey_vs_peer import make_links
    from nps_project.celery import app as celery_app

    ensure_defaults()
    celery_app.control.purge()
    cache.delete(FLUSH_SCHEDULED)
    env = {**os.environ, **bench_environment(args.database, args.redis_url), "CONN_MAX_AGE": "3600"}
    env["LOG_LEVEL"] = "INFO"
    env.update(item.split("=", 1) for item in args.worker_env)
    print(f"cores={os.cpu_count()} rate={args.rate}/s why-share={args.why_share} load average at start {loadavg()}")
    worker = Worker(env)
    rng = random.Random(args.seed)
    rows = []
    try:
        tokens = make_links(args.answers * args.rounds + 20)
        client = Client()
        warm = {"answers": 20}
        since = last_response_id()
        for _ in range(warm["answers"]):  # the worker's first tasks load code, lexicons, the taxonomy
            submit(client, tokens.pop(), rng, args)
        settle(worker, since)
        for round_ in range(1, args.rounds + 1):
            load = loadavg()
            r = run_round(client, worker, tokens, rng, args)
            flushes = r["tasks"].get("analytics.tasks.flush_nps_buckets", 0)
            total_tasks = sum(r["tasks"].values())
            rows.append(
                [
                    round_,
                    f"{r['ok']}/{args.answers}",
                    r["why"],
                    f"{r['worker_ms']:.2f}",
                    f"{r['pg_ms']:.2f}",
                    f"{r['worker_ms'] + r['pg_ms']:.2f}",
                    f"{total_tasks / args.answers:.2f}",
                    f"{args.answers / flushes:.1f}" if flushes else "-",
                    load,
                ]
            )
            print("ROUND", round_, r, "load", load, flush=True)
    finally:
        worker.stop()
    headers = ["round", "stored", "with why", "worker ms", "worker PG ms", "sum ms", "tasks/answer", "answers/flush"]
    print_table([*headers, "load avg"], rows, title="Worker CPU per answer (per submitted answer)")
    print(f"load average at the end {loadavg()}")


if __name__ == "__main__":
    main()
