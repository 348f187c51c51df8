"""Import from a file: rows per second of the dry run and of the import, and peak memory.

    .venv/bin/python bench/import_file.py                      # 20,000 CSV rows: dry run + import
    .venv/bin/python bench/import_file.py --rows 200000 --dry-run-only   # memory stays flat
    .venv/bin/python bench/import_file.py --format xlsx --rows 20000

Runs the services in this process (tasks eager, no worker) against its own database,
NPS_BENCH_IMPORT_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/nps_bench_import;
created if missing, its interactions emptied first). Peak RSS is the process's high-water mark
(getrusage) after each phase: if it stays near the baseline while the row count grows tenfold,
the file is streamed, not loaded.
"""

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/nps_bench_import"
# No customer email or phone: a link invitation needs no delivery task, so the figures measure
# reading, validating and storing (imported rows are not invited anyway: invite=False).
HEADER = ["Ticket ID", "Channel", "Agent ID", "Agent Name", "Team", "Solved at", "Customer", "Handle time", "Resolved"]


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def values(n: int, start: datetime) -> list:
    return [
        f"B-{n}",
        ["phone", "chat", "email", "sms"][n % 4],
        f"agent-{n % 200}",
        f"Agent {n % 200}",
        f"dept-{n % 10}",
        (start + timedelta(seconds=n)).isoformat(),
        f"Customer {n}",
        100 + n % 500,
        "yes" if n % 3 else "no",
    ]


def write_file(path: Path, rows: int, file_format: str) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    if file_format == "csv":
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            for n in range(rows):
                writer.writerow(values(n, start))
        return
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append(values(n, start))
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--dry-run-only", action="store_true")
    args = parser.parse_args()

    url = os.environ.get("NPS_BENCH_IMPORT_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    workdir = Path(tempfile.mkdtemp(prefix="nps-bench-import-"))
    os.environ["IMPORT_DIR"] = str(workdir / "imports")
    os.environ["IMPORT_CHUNK_ROWS"] = str(args.chunk)
    # Imported rows are not invited (invite=False); should a branch still invite, send nothing.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    benchlib.setup_django(url)

    from django.core.files.uploadedfile import UploadedFile
    from django.db import connection

    from integrations.imports import services
    from integrations.imports.models import ImportJob

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE surveys_interaction, integrations_importjob CASCADE")
    from surveys.services import default_survey

    default_survey()
    benchlib.print_table(["", ""], benchlib.machine_info(), title="Machine")

    source = workdir / f"history.{args.format}"
    write_file(source, args.rows, args.format)
    baseline = peak_mib()
    with source.open("rb") as handle:
        job = services.create_job(
            upload=UploadedFile(handle, name=source.name, size=source.stat().st_size), encoding="utf-8", user=None
        )
    source.unlink()

    started = time.perf_counter()
    services.start_dry_run(job, mapping=job.mapping, default_source="bench", time_zone="UTC")
    dry_seconds = time.perf_counter() - started
    job.refresh_from_db()
    after_dry = peak_mib()
    rows = [
        (
            "dry run",
            f"{job.total_rows:,}",
            f"{dry_seconds:.1f}",
            f"{job.total_rows / dry_seconds:,.0f}",
            f"{after_dry:.0f}",
        )
    ]
    assert job.status == ImportJob.Status.VALIDATED and job.valid_rows == args.rows, job.error

    if not args.dry_run_only:
        started = time.perf_counter()
        services.start_import(job, invite=False, import_valid_rows=False)
        seconds = time.perf_counter() - started
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE and job.created_rows == args.rows, job.error
        rows.append(
            ("import", f"{job.created_rows:,}", f"{seconds:.1f}", f"{args.rows / seconds:,.0f}", f"{peak_mib():.0f}")
        )
    else:
        services.discard(job)

    benchlib.print_table(
        ["phase", "rows", "seconds", "rows/s", "peak RSS MiB"],
        rows,
        title=(
            f"Import of a {args.format.upper()} file of {args.rows:,} rows, chunks of {args.chunk:,} "
            f"(peak RSS before the import, with the file written: {baseline:.0f} MiB)"
        ),
    )
    print(f"load average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
