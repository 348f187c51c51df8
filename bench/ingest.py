"""Ingest benchmark (issue 10): interactions per second through the real API.

    .venv/bin/python bench/ingest.py [--runs 5] [--singles 200]

In-process with Django's test client (DEBUG off, the full middleware stack, a real API
token), against NPS_BENCH_INGEST_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/nps_bench_ingest, created if missing) and, for the queued
sends, the bench Redis NPS_BENCH_REDIS_URL (default redis://127.0.0.1:6379/13: no worker
runs, so the delivery tasks wait there and are purged at the end). It times:

- 1,000-item `POST /api/v1/interactions/bulk/` with link delivery (the platform delivers the
  link: invitations are "sent" in the request), `--runs` requests of fresh interactions;
- the same with email delivery (invitations "pending", the sends queued on Redis after
  commit, not done in the request);
- `--singles` single `POST /api/v1/interactions/` with email delivery (median and p95);
- SQL statements per bulk request of 10, 100 and 1,000 items (must not grow with the items);

and prints interactions/s against the targets (≥ 2,000/s link, ≥ 1,000/s email, single
p95 < 50 ms), with the load average before and after.
"""

import argparse
import os
import sys
import time
import uuid
from datetime import timedelta

import benchlib
from benchlib import median, ms, p95

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nps_bench_ingest"
BULK = "/api/v1/interactions/bulk/"
SINGLE = "/api/v1/interactions/"
TARGET_LINK = 2000
TARGET_EMAIL = 1000
TARGET_SINGLE_P95 = 0.050
AGENTS, DEPARTMENTS = 200, 10


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


CPU: list[float] = []  # CPU seconds of this (the app's) process per timed request


def post(client, path: str, body) -> tuple[float, object]:
    started, cpu = time.perf_counter(), time.process_time()
    reply = client.post(path, body, format="json")
    elapsed = time.perf_counter() - started
    CPU.append(time.process_time() - cpu)
    if reply.status_code not in (200, 201):
        sys.exit(f"{path} answered {reply.status_code}: {reply.content[:500]!r}")
    return elapsed, reply


def time_bulk(client, *, runs: int, delivery: str) -> list[float]:
    times = []
    for i in range(runs):
        run = f"{delivery}-{uuid.uuid4().hex[:8]}"
        elapsed, reply = post(client, BULK, items(1000, delivery=delivery, run=run))
        answer = reply.json()
        assert answer["created"] == 1000, answer["created"]
        statuses = {r["body"]["invitation"]["status"] for r in answer["results"]}
        assert statuses == ({"sent"} if delivery == "link" else {"pending"}), statuses
        times.append(elapsed)
        rate = 1000 / elapsed
        print(f"  {delivery} run {i + 1}: 1000 in {ms(elapsed)} = {rate:,.0f}/s (app CPU {ms(CPU[-1])})", flush=True)
    return times


def statements(client, count: int, delivery: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    batch = items(count, delivery=delivery, run=f"count-{delivery}-{uuid.uuid4().hex[:8]}")
    post(client, BULK, [])  # the token's last_used_at is written at most once a minute: not now
    with CaptureQueriesContext(connection) as captured:
        post(client, BULK, batch)
    return len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--singles", type=int, default=200)
    args = parser.parse_args()

    database = os.environ.get("NPS_BENCH_INGEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    if "bench" not in database.rsplit("/", 1)[-1]:
        sys.exit(f"Refusing to benchmark against {database!r}: the database's name must contain 'bench'.")
    ensure_database(database)
    benchlib.setup_django(database, benchlib.redis_url())

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
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_api_token(name=f'bench-{uuid.uuid4().hex[:8]}')}")

    print("\nWarm-up (100 items of each delivery)", flush=True)
    for delivery in ("link", "email"):
        post(client, BULK, items(100, delivery=delivery, run=f"warm-{delivery}-{uuid.uuid4().hex[:8]}"))

    print("\nBulk requests of 1,000 fresh interactions", flush=True)
    cpu: dict[str, list[float]] = {}
    CPU.clear()
    link = time_bulk(client, runs=args.runs, delivery="link")
    cpu["link"], _ = CPU[:], CPU.clear()
    email = time_bulk(client, runs=args.runs, delivery="email")
    cpu["email"], _ = CPU[:], CPU.clear()

    print(f"\n{args.singles} single POSTs (email delivery, sends queued)", flush=True)
    run = f"single-{uuid.uuid4().hex[:8]}"
    singles = [post(client, SINGLE, body)[0] for body in items(args.singles, delivery="email", run=run)]
    cpu["single"] = CPU[:]

    counts = {delivery: [statements(client, n, delivery) for n in (10, 100, 1000)] for delivery in ("link", "email")}
    purged = celery_app.control.purge()
    load_after = ", ".join(f"{v:.2f}" for v in os.getloadavg())

    rate_link = 1000 * len(link) / sum(link)
    rate_email = 1000 * len(email) / sum(email)
    verdict = {True: "PASS", False: "FAIL"}
    rows = [
        (
            "bulk 1,000, link delivery",
            f"{rate_link:,.0f} interactions/s (median {ms(median(link))}, app CPU {ms(median(cpu['link']))})",
            f"≥ {TARGET_LINK:,}/s",
            verdict[rate_link >= TARGET_LINK],
        ),
        (
            "bulk 1,000, email delivery (sends queued)",
            f"{rate_email:,.0f} interactions/s (median {ms(median(email))}, app CPU {ms(median(cpu['email']))})",
            f"≥ {TARGET_EMAIL:,}/s",
            verdict[rate_email >= TARGET_EMAIL],
        ),
        (
            "single POST, email delivery",
            f"p95 {ms(p95(singles))} (median {ms(median(singles))}, app CPU {ms(median(cpu['single']))})",
            f"p95 < {ms(TARGET_SINGLE_P95)}",
            verdict[p95(singles) < TARGET_SINGLE_P95],
        ),
    ]
    for delivery in ("link", "email"):
        rows.append(
            (
                f"SQL statements per bulk request, {delivery}: 10 / 100 / 1,000 items",
                " / ".join(map(str, counts[delivery])),
                "constant",
                verdict[len(set(counts[delivery])) == 1],
            )
        )
    benchlib.print_table(["figure", "measured", "target", ""], rows, title="Ingest (test client, PostgreSQL)")
    print(f"load average (1/5/15 min) before: {load_before}; after: {load_after}")
    print(f"delivery tasks left on the bench Redis and purged: {purged}")


if __name__ == "__main__":
    main()
