"""Shared pieces of the import tests: rows and files to upload, the mapping form as posted."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.test import Client

HEADER = [
    "Ticket ID",
    "Channel",
    "Agent ID",
    "Agent Name",
    "Team",
    "Solved at",
    "Email",
    "Phone",
    "Customer Name",
    "Language",
    "Handle time",
    "Wait time",
    "Transfers",
    "Resolved",
    "Tags",
]
BASE_TIME = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def row(n: int, **changes) -> dict:
    """One valid row of an export, numbered n; `changes` override columns by header."""
    values = {
        "Ticket ID": f"T-{n}",
        "Channel": ["phone", "chat", "email", "sms"][n % 4],
        "Agent ID": f"a-{n % 7}",
        "Agent Name": f"Agent {n % 7}",
        "Team": ["billing", "tech"][n % 2],
        "Solved at": (BASE_TIME + timedelta(minutes=n)).isoformat(),
        "Email": f"customer{n}@example.com",
        "Phone": "",
        "Customer Name": f"Customer {n}",
        "Language": "id",
        "Handle time": str(100 + n % 300),
        "Wait time": str(n % 60),
        "Transfers": str(n % 3),
        "Resolved": ["yes", "no"][n % 2],
        "Tags": "refund; vip" if n % 5 == 0 else "",
    }
    values.update(changes)
    return values


def csv_bytes(rows: list[dict], *, header: list[str] = HEADER, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=delimiter, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def write_rows(path: Path, count: int, *, start: int = 0) -> Path:
    """A CSV of `count` valid rows written line by line (large files without large memory)."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\r\n")
        writer.writeheader()
        for n in range(start, start + count):
            writer.writerow(row(n))
    return path


def upload(client: Client, name: str, content: bytes, *, encoding: str = "utf-8"):
    return client.post("/manage/import/", {"encoding": encoding, "file": _named(name, content)})


def _named(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def mapping_post(job, **overrides) -> dict:
    """The mapping form as submitted with the guessed columns."""
    data = {"action": "dry_run", "default_source": "import", "time_zone": "UTC"}
    data |= {f"col_{key}": str(index) for key, index in job.mapping.items()}
    data |= overrides
    return data
