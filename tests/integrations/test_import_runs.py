"""The dry run and the import as an admin sees them: every bad row listed with its line and the
API's own reason, nothing stored unless asked, the valid rows on request, a report, a replay that
stores nothing new, no invitations by default, and an interrupted import that resumes.

Tasks run in-process here (the worker's own test is test_import_worker.py)."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from openpyxl import Workbook

from integrations.imports import services
from integrations.imports.models import ImportIssue, ImportJob
from surveys.models import Interaction, Invitation
from tests.integrations.import_fixtures import *  # noqa: F403 (fixtures)
from tests.integrations.import_helpers import (
    csv_bytes,
    mapping_post,
    row,
    upload,
)

pytestmark = pytest.mark.django_db(transaction=True)


def uploaded(client, rows, *, name="export.csv", content=None) -> ImportJob:
    response = upload(client, name, content if content is not None else csv_bytes(rows))
    assert response.status_code == 302, response.content.decode()[-2000:]
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def dry_run(client, job, **mapping) -> ImportJob:
    response = client.post(f"/manage/import/{job.pk}/", mapping_post(job, **mapping))
    assert response.status_code == 302, response.content.decode()[-3000:]
    job.refresh_from_db()
    return job


def start_import(client, job, **options):
    return client.post(f"/manage/import/{job.pk}/", {"action": "import", **{k: "on" for k, v in options.items() if v}})


def report_rows(client, job) -> list[dict]:
    response = client.get(f"/manage/import/{job.pk}/rows.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


BAD_ROWS = {
    # line in the file: (the row, words of the API's own message)
    3: (row(1, Channel="fax"), 'column “Channel” (Channel): "fax" is not a valid choice.'),
    5: (row(3, **{"Solved at": "yesterday"}), "column “Solved at” (Occurred at): Datetime has wrong format."),
    6: (row(4, Email="not-an-email"), "column “Email” (Customer email): Enter a valid email address."),
    7: (row(5, **{"Handle time": "-3"}), "column “Handle time” (Handle seconds): Ensure this value is greater"),
    8: (row(6, **{"Agent ID": ""}), "column “Agent ID” (Agent (external id)): This field is required."),
    9: (row(7, **{"Solved at": ""}), "column “Solved at” is empty: an import needs the time of each interaction."),
    10: (row(8, **{"Customer Name": '=HYPERLINK("http://evil","x")'}), "column “Customer Name” holds a formula"),
    11: (row(9, Phone="+SUM(A1)"), "column “Phone” holds a formula (+SUM(A1))"),
}


def mixed_rows() -> list[dict]:
    """Ten rows (lines 2–11): lines 2 and 4 good, the others bad as BAD_ROWS says."""
    return [BAD_ROWS[n + 2][0] if n + 2 in BAD_ROWS else row(n) for n in range(10)]


# --- The dry run ----------------------------------------------------------------------------


def test_the_dry_run_lists_every_bad_row_with_its_line_and_the_apis_reason_and_stores_nothing(admin_client, import_dir):
    job = dry_run(admin_client, uploaded(admin_client, mixed_rows()))
    assert job.status == ImportJob.Status.VALIDATED
    assert (job.total_rows, job.valid_rows, job.invalid_rows) == (10, 2, 8)
    issues = {issue.line: issue.reason for issue in job.issues.all()}
    assert sorted(issues) == sorted(BAD_ROWS)
    for line, (_row, words) in BAD_ROWS.items():
        assert words in issues[line], (line, issues[line])
    assert Interaction.objects.count() == 0

    page = admin_client.get(f"/manage/import/{job.pk}/").content.decode()
    assert "2 good rows, 8 bad" in page and "&quot;fax&quot; is not a valid choice." in page
    listed = report_rows(admin_client, job)
    assert [r["line"] for r in listed] == [str(line) for line in sorted(BAD_ROWS)]
    assert listed[6]["reason"].startswith("column “Customer Name” holds a formula")


def test_the_dry_run_rejects_what_the_api_rejects_with_the_same_words(admin_client, api, import_dir):
    """Same serializer, same messages: a row posted to the API gets the reason the import gives."""
    bad = row(1, Channel="fax", Language="not a language tag", Transfers="101")
    job = dry_run(admin_client, uploaded(admin_client, [bad]))
    reason = job.issues.get().reason
    body = {
        "external_id": "T-1",
        "channel": "fax",
        "agent": "a-1",
        "occurred_at": bad["Solved at"],
        "customer": {"language": "not a language tag"},
        "transfers": 101,
    }
    errors = api.post("/api/v1/interactions/", body, format="json").json()
    for message in [*errors["channel"], *errors["customer"]["language"], *errors["transfers"]]:
        assert message in reason


def test_times_without_an_offset_are_read_in_the_chosen_time_zone(admin_client, import_dir):
    job = dry_run(
        admin_client, uploaded(admin_client, [row(1, **{"Solved at": "2026-06-01 14:05"})]), time_zone="Asia/Jakarta"
    )
    assert job.valid_rows == 1
    start_import(admin_client, job)
    stored = Interaction.objects.get()
    assert stored.occurred_at.isoformat() == "2026-06-01T07:05:00+00:00"


# --- The import -----------------------------------------------------------------------------


def test_bad_rows_stop_the_import_unless_the_admin_imports_the_valid_ones(admin_client, import_dir):
    job = dry_run(admin_client, uploaded(admin_client, mixed_rows()))
    response = start_import(admin_client, job)
    assert response.status_code == 400
    assert "The dry run found 8 bad rows" in response.content.decode()
    assert Interaction.objects.count() == 0, "nothing partly imported"

    response = start_import(admin_client, job, import_valid_rows=True)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created_rows, job.duplicate_rows, job.rejected_rows) == (2, 0, 8)
    assert sorted(Interaction.objects.values_list("external_id", flat=True)) == ["T-0", "T-2"]
    page = admin_client.get(f"/manage/import/{job.pk}/").content.decode()
    assert "Import finished" in page and "Rows rejected" in page and "&quot;fax&quot; is not a valid choice." in page
    report = report_rows(admin_client, job)
    assert {r["outcome"] for r in report} == {"rejected"} and len(report) == 8
    assert not (import_dir / job.stored_name).exists(), "the file is deleted after the import"


def test_an_import_stores_every_field_as_the_api_would(admin_client, import_dir):
    job = dry_run(admin_client, uploaded(admin_client, [row(5, Phone="+62 812-3456-7890")]))
    start_import(admin_client, job)
    stored = Interaction.objects.select_related("agent", "department").get()
    assert (stored.source, stored.external_id, stored.channel) == ("import", "T-5", "chat")
    assert (stored.agent.external_id, stored.agent.name, stored.department.code) == ("a-5", "Agent 5", "tech")
    assert (stored.customer_email, stored.customer_phone, stored.language) == (
        "customer5@example.com",
        "+6281234567890",
        "id",
    )
    assert (stored.handle_seconds, stored.wait_seconds, stored.transfers, stored.resolved) == (105, 5, 2, False)
    assert stored.tags == ["refund", "vip"]


def test_importing_the_same_file_again_stores_nothing_new(admin_client, import_dir):
    rows = [row(n) for n in range(12)] + [row(3)]  # a row repeated inside the file, too
    first = dry_run(admin_client, uploaded(admin_client, rows))
    start_import(admin_client, first)
    first.refresh_from_db()
    assert (first.created_rows, first.duplicate_rows) == (12, 1)

    again = dry_run(admin_client, uploaded(admin_client, rows))
    assert again.existing_rows == 13, "the dry run already says the rows are stored"
    start_import(admin_client, again)
    again.refresh_from_db()
    assert (again.status, again.created_rows, again.duplicate_rows) == (ImportJob.Status.DONE, 0, 13)
    assert Interaction.objects.count() == 12
    report = report_rows(admin_client, again)
    assert len(report) == 13 and {r["outcome"] for r in report} == {"duplicate"}


def test_rows_the_api_already_reported_under_the_same_source_are_skipped(admin_client, api, import_dir):
    body = {"external_id": "T-1", "source": "zendesk", "channel": "chat", "agent": "a-1"}
    assert api.post("/api/v1/interactions/", body, format="json").status_code == 201
    job = dry_run(admin_client, uploaded(admin_client, [row(1), row(2)]), default_source="zendesk")
    assert job.existing_rows == 1
    start_import(admin_client, job)
    job.refresh_from_db()
    assert (job.created_rows, job.duplicate_rows) == (1, 1)
    assert Interaction.objects.filter(source="zendesk").count() == 2


def test_imported_customers_are_not_invited_by_default(admin_client, import_dir, outbox):
    recent = (timezone.now() - timedelta(hours=1)).isoformat()
    job = dry_run(admin_client, uploaded(admin_client, [row(n, **{"Solved at": recent}) for n in range(3)]))
    start_import(admin_client, job)
    statuses = set(Invitation.objects.values_list("status", "suppressed_reason"))
    assert statuses == {(Invitation.Status.SUPPRESSED, "not_requested")}
    assert outbox == []


def test_the_admin_may_invite_customers_of_recent_interactions(admin_client, import_dir, outbox):
    recent = (timezone.now() - timedelta(hours=1)).isoformat()
    job = dry_run(admin_client, uploaded(admin_client, [row(n, **{"Solved at": recent}) for n in range(2)]))
    start_import(admin_client, job, invite=True)
    job.refresh_from_db()
    assert job.invite and job.created_rows == 2
    assert Invitation.objects.exclude(status=Invitation.Status.SUPPRESSED).count() == 2


def test_an_interrupted_import_resumes_after_the_last_chunk_stored(admin_client, import_dir, settings, monkeypatch):
    settings.IMPORT_CHUNK_ROWS = 10
    job = dry_run(admin_client, uploaded(admin_client, [row(n) for n in range(25)]))
    real_store, calls = services._store_chunk, []

    def database_lost_on_second_chunk(items):
        calls.append(len(items))
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_store(items)

    monkeypatch.setattr(services, "_store_chunk", database_lost_on_second_chunk)
    start_import(admin_client, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and job.last_line == 11
    assert "stopped after line 11" in job.error and "Resume" in job.error
    assert Interaction.objects.count() == 10, "the first chunk is kept, the second rolled back whole"
    page = admin_client.get(f"/manage/import/{job.pk}/").content.decode()
    assert "Resume the import" in page

    start_import(admin_client, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created_rows, job.duplicate_rows, job.processed_rows) == (25, 0, 25)
    assert Interaction.objects.count() == 25


def test_a_spreadsheet_imports_with_its_dates_and_refuses_its_formulas(admin_client, import_dir):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["external_id", "channel", "agent", "occurred_at", "handle_seconds"])
    sheet.append([1001, "Phone", "a-1", timezone.datetime(2026, 5, 2, 8, 30), 120.0])
    sheet.append([1002, "chat", "=A2", timezone.datetime(2026, 5, 2, 9, 0), 60])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = dry_run(admin_client, uploaded(admin_client, [], name="history.xlsx", content=buffer.getvalue()))
    assert (job.file_format, job.valid_rows, job.invalid_rows) == ("xlsx", 1, 1)
    assert job.issues.get().line == 3 and "holds a formula (=A2)" in job.issues.get().reason
    start_import(admin_client, job, import_valid_rows=True)
    stored = Interaction.objects.get()
    assert (stored.external_id, stored.channel, stored.handle_seconds) == ("1001", "phone", 120)
    assert stored.occurred_at.isoformat() == "2026-05-02T08:30:00+00:00"


def test_the_status_endpoint_reports_the_counts(admin_client, import_dir):
    job = dry_run(admin_client, uploaded(admin_client, mixed_rows()))
    status = admin_client.get(f"/manage/import/{job.pk}/status.json").json()
    assert status | {"error": ""} == status
    assert (status["status"], status["total"], status["valid"], status["invalid"], status["running"]) == (
        "validated",
        10,
        2,
        8,
        False,
    )
    assert ImportIssue.objects.filter(job=job).count() == 8
