"""Dashboard page benchmark (issue 4): server time and SQL queries of every dashboard page,
for an admin and for a supervisor of two departments, with the default filters and a
one-year range, on the 1,000,000-response bench database; then the same pages' query
counts on a small database, to show the count does not grow with the data.

    .venv/bin/python bench/load_responses.py          # once: 1,000,000 responses
    .venv/bin/python bench/dashboard_pages.py [--requests 30] [--small-responses 5000]

Runs in-process with Django's test client (DEBUG off, the full middleware stack, a logged-in
session) against NPS_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/nps_bench).
The small database is NPS_BENCH_SMALL_DATABASE_URL (default …/nps_bench_small), loaded with
bench/load_responses.py --responses 5000 when empty. Before timing, each database gets what
beat would have left there: buckets and breakdowns (rebuilt if missing), a fresh champion
snapshot, the two users, and follow-up cases for the last 30 days' detractor answers (the
loader stores answers only; on a live system every detractor answer opens a case).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import benchlib
from benchlib import median, ms, p95

DEFAULT_SMALL_URL = "postgres://postgres@127.0.0.1:5432/nps_bench_small"
ADMIN, SUPERVISOR = "bench-admin", "bench-supervisor"
SUPERVISED = ("bench-d00", "bench-d01")
CASE_DAYS = 30
OPEN_CASE_DAYS = 3
MIN_OPEN_CASES = 5  # per department
TARGET_P95 = 0.150


def prepare() -> dict:
    """Derived data, users and cases as a running system would have them; returns ids."""
    from django.contrib.auth import get_user_model

    from agents.models import Agent, Department
    from analytics import breakdowns, buckets, champions
    from analytics.models import DriverBucket, NpsBucket

    if not NpsBucket.objects.exists() or not DriverBucket.objects.exists():
        print("  rebuilding buckets and breakdowns…", flush=True)
        buckets.rebuild()
        breakdowns.rebuild()
    benchlib.settle_derived_tables()
    champions.refresh_snapshot()
    users = get_user_model().objects
    admin, _ = users.get_or_create(username=ADMIN, defaults={"is_staff": True, "first_name": "Bench admin"})
    supervisor, _ = users.get_or_create(username=SUPERVISOR, defaults={"first_name": "Bench supervisor"})
    departments = list(Department.objects.filter(code__in=SUPERVISED).order_by("code"))
    if len(departments) != len(SUPERVISED):
        sys.exit(f"Departments {SUPERVISED} are missing: load the database with bench/load_responses.py.")
    supervisor.supervised_departments.set(departments)
    seed_cases(supervisor, departments)
    agent = Agent.objects.filter(department=departments[0]).order_by("external_id").first()
    return {"admin": admin, "supervisor": supervisor, "agent_pk": agent.pk}


def seed_cases(supervisor, departments) -> None:
    """One follow-up case per detractor answer of the last CASE_DAYS days (open for the last
    OPEN_CASE_DAYS, resolved before), as the per-answer hook would have opened them."""
    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    from followups.models import FollowUpCase
    from surveys.models import Response

    if FollowUpCase.objects.exists():
        return
    now = timezone.now()
    limit = settings.FOLLOWUP_DETRACTOR_MAX
    detractors = Response.objects.filter(
        Q(company_score__lte=limit) | Q(agent_score__lte=limit), occurred_at__gte=now - timedelta(days=CASE_DAYS)
    ).values_list("pk", "department_id", "submitted_at")
    supervised = {d.pk for d in departments}
    # Open: the last OPEN_CASE_DAYS days, and at least each department's latest few (so a
    # small database has open cases too, and its case list is not an empty page).
    latest: dict[int, int] = {}
    cases = []
    for pk, department_id, submitted_at in detractors.order_by("-submitted_at").iterator(chunk_size=5000):
        latest[department_id] = latest.get(department_id, 0) + 1
        recent = submitted_at >= now - timedelta(days=OPEN_CASE_DAYS) or latest[department_id] <= MIN_OPEN_CASES
        cases.append(
            FollowUpCase(
                response_id=pk,
                department_id=department_id,
                assignee=supervisor if department_id in supervised else None,
                status=FollowUpCase.Status.OPEN if recent else FollowUpCase.Status.RESOLVED,
                opened_at=submitted_at,
                due_at=submitted_at + timedelta(hours=settings.FOLLOWUP_DUE_HOURS),
                contacted_at=None if recent else submitted_at + timedelta(hours=5),
                closed_at=None if recent else submitted_at + timedelta(hours=6),
                outcome="" if recent else "Called the customer back; fixed.",
            )
        )
    FollowUpCase.objects.bulk_create(cases, batch_size=2000)
    print(f"  seeded {len(cases):,} follow-up cases ({CASE_DAYS} days of detractor answers)", flush=True)


def pages(agent_pk: int) -> list[tuple[str, str]]:
    return [
        ("overview", "/dashboard/"),
        ("departments", "/dashboard/departments/"),
        ("agents", "/dashboard/agents/"),
        ("agent detail", f"/dashboard/agents/{agent_pk}/"),
        ("champions", "/dashboard/champions/"),
        ("comments", "/dashboard/comments/"),
        ("drivers", "/dashboard/drivers/"),
        ("cases", "/dashboard/cases/"),
        ("week", "/dashboard/week/"),  # the Monday view: ignores the date filters (always a whole week)
        ("promoters", "/dashboard/promoters/"),
        ("coaching", "/dashboard/coaching/"),
    ]


def filter_sets() -> list[tuple[str, str]]:
    from django.utils import timezone

    until = timezone.localdate()
    since = until - timedelta(days=364)
    return [("default", ""), ("1 year", f"?since={since}&until={until}")]


def clients(ids: dict) -> list[tuple[str, object]]:
    from django.test import Client

    result = []
    for role in ("admin", "supervisor"):
        client = Client()
        client.force_login(ids[role])
        result.append((role, client))
    return result


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def query_counts(ids: dict) -> dict[str, int]:
    counts = {}
    for role, client in clients(ids):
        for filter_name, query in filter_sets():
            for page_name, path in pages(ids["agent_pk"]):
                counts[f"{role}|{page_name}|{filter_name}"] = count_queries(client, path + query)
    return counts


def time_pages(ids: dict, requests: int, only: set[str] | None = None) -> list[dict]:
    from django.db import connections

    results = []
    for role, client in clients(ids):
        for filter_name, query in filter_sets():
            for page_name, path in pages(ids["agent_pk"]):
                if only and page_name not in only:
                    continue
                url = path + query
                # Cold: the first request on a new database connection (a new PostgreSQL
                # backend: empty catalog and plan caches; JIT, when it fires, compiles again).
                connections.close_all()
                started = time.perf_counter()
                assert client.get(url).status_code == 200, url
                cold = time.perf_counter() - started
                for _ in range(2):  # warm-up: templates, connection, caches
                    client.get(url)
                queries = count_queries(client, url)
                times, cpus, size = [], [], 0
                for _ in range(requests):
                    with benchlib.CpuClock() as cpu:
                        started = time.perf_counter()
                        response = client.get(url)
                        times.append(time.perf_counter() - started)
                    cpus.append(cpu.total)
                    assert response.status_code == 200, (url, response.status_code)
                    size = len(response.content)
                row = {
                    "role": role,
                    "page": page_name,
                    "filters": filter_name,
                    "url": url,
                    "median": median(times),
                    "p95": p95(times),
                    "cold": cold,
                    "cpu_median": median(cpus),
                    "cpu_p95": p95(cpus),
                    "queries": queries,
                    "kb": size / 1024,
                }
                results.append(row)
                print(
                    f"  {role:10} {page_name:12} {filter_name:7} cold {ms(cold):>9}  median {ms(row['median']):>9}  "
                    f"p95 {ms(row['p95']):>9}  CPU app+PG p95 {ms(row['cpu_p95']):>9}  {queries:2} queries  "
                    f"{row['kb']:.0f} KiB",
                    flush=True,
                )
    return results


def small_database_counts(url: str, responses: int) -> dict[str, int]:
    """Query counts on the small database, measured by this script in a subprocess."""
    env = os.environ | {"NPS_BENCH_DATABASE_URL": url}
    here = benchlib.BASE_DIR / "bench"
    python = str(benchlib.VENV_BIN / "python")
    loaded = subprocess.run(
        [python, str(here / "load_responses.py"), "--responses", str(responses)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if loaded.returncode != 0:
        sys.exit(f"Loading {url} failed:\n{loaded.stdout}\n{loaded.stderr}")
    counted = subprocess.run(
        [python, str(here / "dashboard_pages.py"), "--queries-only"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if counted.returncode != 0:
        sys.exit(f"Counting queries on {url} failed:\n{counted.stdout}\n{counted.stderr}")
    return json.loads(counted.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per page (default 30).")
    parser.add_argument("--small-responses", type=int, default=5000, help="Size of the small database.")
    parser.add_argument("--skip-small", action="store_true", help="Do not compare query counts on a small database.")
    parser.add_argument(
        "--parallel-query", action="store_true", help="Keep the server's parallel query (default: off, see benchlib)."
    )
    parser.add_argument("--pages", default="", help="Comma-separated page names to time (default: all).")
    parser.add_argument("--queries-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    database = benchlib.database_url()
    benchlib.setup_django(database, None)
    if not args.parallel_query:
        benchlib.serial_queries()

    from surveys.models import Response

    if args.queries_only:
        print(json.dumps(query_counts(prepare())))
        return
    total = Response.objects.count()
    if total == 0:
        sys.exit("The bench database holds no responses: run bench/load_responses.py first.")
    benchlib.print_table(["machine", ""], benchlib.machine_info(), title="Machine")
    print(f"Responses in the bench database: {total:,}\nPreparing…", flush=True)
    ids = prepare()
    started = time.monotonic()
    print(f"Timing {len(pages(0))} pages × 2 filter sets × 2 users, {args.requests} requests each:")
    print(benchlib.analyze_state())
    results = time_pages(ids, args.requests, {p.strip() for p in args.pages.split(",") if p.strip()} or None)
    small_url = os.environ.get("NPS_BENCH_SMALL_DATABASE_URL", DEFAULT_SMALL_URL)
    small = {} if args.skip_small else small_database_counts(small_url, args.small_responses)
    rows = []
    for r in results:
        key = f"{r['role']}|{r['page']}|{r['filters']}"
        small_count = small.get(key)
        rows.append(
            (
                r["role"],
                r["page"],
                r["filters"],
                ms(r["cold"]),
                ms(r["median"]),
                ms(r["p95"]),
                "PASS" if r["p95"] < TARGET_P95 else "FAIL",
                ms(r["cpu_median"]),
                ms(r["cpu_p95"]),
                "PASS" if r["cpu_p95"] < TARGET_P95 else "FAIL",
                r["queries"],
                "-" if small_count is None else small_count,
                "-" if small_count is None else ("same" if small_count == r["queries"] else "DIFFERENT"),
            )
        )
    benchlib.print_table(
        [
            "user",
            "page",
            "filters",
            "cold (new connection)",
            "median",
            "p95",
            "p95 < 150 ms",
            "CPU app+PG median",
            "CPU p95",
            "CPU p95 < 150 ms",
            f"queries ({total:,})",
            f"queries ({args.small_responses:,})",
            "count",
        ],
        rows,
        title=f"Dashboard pages on {total:,} responses, {args.requests} requests each "
        f"({time.monotonic() - started:.0f} s, load now {', '.join(f'{v:.2f}' for v in os.getloadavg())})",
    )
    failed = [r for r in rows if r[6] == "FAIL"]
    cpu_failed = [r for r in rows if r[9] == "FAIL"]
    different = [r for r in rows if r[12] == "DIFFERENT"]
    print(
        f"{len(rows) - len(failed)} of {len(rows)} page timings meet p95 < 150 ms wall-clock, "
        f"{len(rows) - len(cpu_failed)} of {len(rows)} on CPU time (app + PostgreSQL); "
        + (f"query counts differ for {len(different)} pages." if different else "query counts equal on both sizes.")
    )


if __name__ == "__main__":
    main()
