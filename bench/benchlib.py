"""What the bench scripts share: pointing Django at the bench database and Redis db,
machine facts, percentiles and the printed tables.

The bench database is NPS_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/nps_bench),
the bench Redis NPS_BENCH_REDIS_URL (default redis://127.0.0.1:6379/13): never the ambient
DATABASE_URL / REDIS_URL, which belong to whoever runs the tests on the same machine.
"""

import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/nps_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
VENV_BIN = BASE_DIR / ".venv" / "bin"


def database_url() -> str:
    return os.environ.get("NPS_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def redis_url() -> str:
    return os.environ.get("NPS_BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def bench_environment(database: str, redis: str | None) -> dict[str, str]:
    """The environment a bench process (or the worker it starts) runs Django with."""
    env = {
        "DATABASE_URL": database,
        "REDIS_URL": redis or "",
        "CELERY_TASK_ALWAYS_EAGER": "false" if redis else "true",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "nps_project.settings",
        "LOG_LEVEL": os.environ.get("NPS_BENCH_LOG_LEVEL", "WARNING"),
        "STATIC_MANIFEST": "false",
    }
    return env


def setup_django(database: str, redis: str | None = None) -> None:
    """Configure Django for the bench database (and Redis db) before anything imports it,
    and bring the bench database's schema up to the code's migrations."""
    if "bench" not in database.rsplit("/", 1)[-1]:
        sys.exit(f"Refusing to benchmark against {database!r}: the database's name must contain 'bench'.")
    os.environ.update(bench_environment(database, redis))
    sys.path.insert(0, str(BASE_DIR))
    # Without collectstatic there is no STATIC_ROOT; WhiteNoise serves from the finders anyway.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Start the way the server does (nps_project/wsgi.py: URLconf loaded, start-up heap
    # frozen for the garbage collector), so in-process requests are timed as gunicorn serves them.
    import nps_project.wsgi  # noqa: F401


DERIVED_TABLES = ("analytics_npsbucket", "analytics_scorehistogram", "analytics_funnelbucket", "analytics_driverbucket")


def settle_derived_tables() -> None:
    """VACUUM ANALYZE the derived tables, as autovacuum does within a minute or so of a
    rebuild: reads are then planned with statistics and without the rebuild's dead rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in DERIVED_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


def serial_queries() -> None:
    """Run this process's SQL without parallel-query workers (max_parallel_workers_per_gather
    = 0, and none for index builds either), so all of a request's database work is in the
    one backend CpuClock reads. On 2 cores shared with other work the workers had no idle
    core to use anyway."""
    from django.db.backends.signals import connection_created

    def no_parallel(sender, connection, **kwargs) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")
                cursor.execute("SET max_parallel_maintenance_workers = 0")

    connection_created.connect(no_parallel, weak=False)
    from django.db import connections

    connections.close_all()  # the next query opens a connection with the setting


def _cpu_seconds(pid: int) -> float:
    """Time a process has spent on a CPU (/proc/<pid>/schedstat, nanoseconds)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


class CpuClock:
    """CPU seconds of this process and of the PostgreSQL backend serving its connection over
    a block: what a request costs, whatever the machine's load (a busy machine stretches the
    wall-clock time, not these). Parallel-query workers are not counted (see serial_queries)."""

    app: float = 0.0
    database: float = 0.0

    def __enter__(self) -> "CpuClock":
        from django.db import connection

        connection.ensure_connection()
        self._pid = connection.connection.info.backend_pid
        self._app, self._database = time.process_time(), _cpu_seconds(self._pid)
        return self

    def __exit__(self, *exc) -> None:
        self.app = time.process_time() - self._app
        self.database = _cpu_seconds(self._pid) - self._database

    @property
    def total(self) -> float:
        return self.app + self.database


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile (of 30 values: the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 n)
    return ordered[rank - 1]


def machine_info() -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        pg_settings = []
        for name in (
            "shared_buffers",
            "work_mem",
            "max_parallel_workers_per_gather",
            "synchronous_commit",
            "jit",
            "jit_above_cost",
        ):
            cursor.execute(f"SHOW {name}")
            pg_settings.append(f"{name}={cursor.fetchone()[0]}")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('surveys_response'))")
        response_size = cursor.fetchone()[0]
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) // 1024:,} MiB"
    except OSError:
        pass
    import django

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return [
        ("cores", f"{os.cpu_count()} logical ({len(os.sched_getaffinity(0))} usable), {cpu}"),
        ("memory", memory),
        ("load average (1/5/15 min) at start", load),
        ("PostgreSQL", f"{pg_version} ({', '.join(pg_settings)})"),
        ("surveys_response on disk", response_size),
        ("Python / Django", f"{platform.python_version()} / {django.get_version()}"),
        ("database", connection.settings_dict["NAME"]),
    ]


STATE_TABLES = ("surveys_response", "surveys_interaction", *DERIVED_TABLES, "analytics_followupcase")


def analyze_state() -> str:
    """The planner's statistics of the tables the figures read: when each was last analysed
    and how many rows changed since (after a fresh load and before autovacuum has run, the
    derived tables may have been planned from no statistics at all)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup, n_mod_since_analyze, "
            "to_char(greatest(last_analyze, last_autoanalyze), 'HH24:MI:SS') "
            "FROM pg_stat_user_tables WHERE relname = ANY(%s) ORDER BY relname",
            [list(STATE_TABLES)],
        )
        rows = cursor.fetchall()
    lines = [
        f"  {name}: {live:,} rows, {changed:,} changed since analysed at {at or 'never'}"
        for name, live, changed, at in rows
    ]
    return "Planner statistics (pg_stat_user_tables):\n" + "\n".join(lines)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, title: str = "") -> None:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    if title:
        print(f"\n{title}")
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    for i, row in enumerate(cells):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print(line)
    print(line, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
