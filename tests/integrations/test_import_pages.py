"""/manage/import/ as an admin meets it: who may use it, the upload and its refusals (wrong
encoding, empty, too large), the column mapping with its guess and its errors."""

import pytest

from integrations.imports.models import ImportJob
from surveys.models import Interaction
from tests.factories import DepartmentFactory, UserFactory
from tests.integrations.import_fixtures import *  # noqa: F403 (fixtures)
from tests.integrations.import_helpers import (
    HEADER,
    csv_bytes,
    mapping_post,
    row,
    upload,
)


def files_in(path) -> list:
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


# --- Access -------------------------------------------------------------------------------


def test_only_admins_reach_the_import_pages(client, db, import_dir):
    assert client.get("/manage/import/").status_code == 302, "anonymous: to the login page"
    supervisor = UserFactory(username="sup")
    supervisor.supervised_departments.add(DepartmentFactory())
    client.force_login(supervisor)
    assert client.get("/manage/import/").status_code == 403
    assert upload(client, "x.csv", csv_bytes([row(1)])).status_code == 403
    assert files_in(import_dir) == []


def test_the_admin_area_links_to_the_import(admin_client, import_dir):
    page = admin_client.get("/manage/surveys/").content.decode()
    assert 'href="/manage/import/"' in page


# --- Upload -------------------------------------------------------------------------------


def test_an_upload_is_kept_for_the_worker_and_its_columns_are_guessed_with_a_preview(admin_client, import_dir):
    response = upload(admin_client, "zendesk export.csv", csv_bytes([row(n) for n in range(8)]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/manage/import/{job.pk}/"
    assert files_in(import_dir) == [job.stored_name]
    page = admin_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "zendesk export.csv" in html and "Choose the columns" in html
    # The guess: "Ticket ID" holds the external id, and the preview shows the first rows.
    assert f'<option value="{HEADER.index("Ticket ID")}" selected>Ticket ID</option>' in html
    assert "<td>T-0</td>" in html and "<td>T-4</td>" in html and "<td>T-5</td>" not in html, "five rows previewed"
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "encoding", "message"),
    [
        (b"", "utf-8", "The file is empty."),
        ("Nom,Agent\r\nRenée,a\r\n".encode("cp1252"), "utf-8", "is not UTF-8"),
        (b"id,channel\r\n", "utf-8", "no data rows"),
        ("id,channel\r\n1,phone\r\n".encode("utf-16"), "utf-8", "UTF-16"),
        (b"PK\x03\x04garbage", "utf-8", "cannot be opened"),
    ],
)
def test_an_unreadable_file_is_refused_with_the_reason_and_nothing_is_kept(
    admin_client, import_dir, content, encoding, message
):
    name = "export.xlsx" if content.startswith(b"PK") else "export.csv"
    response = upload(admin_client, name, content, encoding=encoding)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists() and files_in(import_dir) == []


def test_a_latin1_file_is_read_when_the_admin_says_so(admin_client, import_dir):
    content = csv_bytes([row(1, **{"Customer Name": "Renée Müller"})], encoding="cp1252")
    assert upload(admin_client, "export.csv", content).status_code == 400
    assert upload(admin_client, "export.csv", content, encoding="cp1252").status_code == 302
    assert ImportJob.objects.get().preview[0][HEADER.index("Customer Name")] == "Renée Müller"


def test_a_50_mb_file_is_streamed_to_disk_and_one_over_the_limit_is_refused(admin_client, import_dir, settings):
    line = ",".join(row(0).values()) + "\r\n"
    count = 50 * 2**20 // len(line) + 1
    body = ",".join(HEADER).encode() + b"\r\n" + "".join(line.replace("T-0", f"T-{n}") for n in range(count)).encode()
    assert len(body) > 50 * 2**20
    response = upload(admin_client, "big.csv", body)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.size_bytes == len(body) and (import_dir / job.stored_name).stat().st_size == len(body)

    settings.IMPORT_MAX_UPLOAD_MB = 10
    response = upload(admin_client, "big.csv", body)
    assert response.status_code == 413
    assert "larger than the limit of 10 MB" in response.content.decode()
    assert ImportJob.objects.count() == 1 and files_in(import_dir) == [job.stored_name]


# --- Mapping ------------------------------------------------------------------------------


def test_a_missing_required_column_is_named_and_nothing_runs(admin_client, import_dir):
    header = [h for h in HEADER if h != "Channel"]
    upload(admin_client, "export.csv", csv_bytes([row(1)], header=header))
    job = ImportJob.objects.get()
    assert "channel" not in job.mapping
    response = admin_client.post(f"/manage/import/{job.pk}/", mapping_post(job))
    assert response.status_code == 400
    assert "Choose the column that holds the channel." in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


def test_one_column_for_two_fields_is_refused(admin_client, import_dir):
    upload(admin_client, "export.csv", csv_bytes([row(1)]))
    job = ImportJob.objects.get()
    response = admin_client.post(
        f"/manage/import/{job.pk}/", mapping_post(job, col_agent_name=str(HEADER.index("Agent ID")))
    )
    assert response.status_code == 400
    assert "Column “Agent ID” is already chosen for agent (external id)." in response.content.decode()


def test_an_unknown_action_or_an_import_before_the_dry_run_is_a_400(admin_client, import_dir):
    upload(admin_client, "export.csv", csv_bytes([row(1)]))
    job = ImportJob.objects.get()
    assert admin_client.post(f"/manage/import/{job.pk}/", {"action": "explode"}).status_code == 400
    response = admin_client.post(f"/manage/import/{job.pk}/", {"action": "import"})
    assert response.status_code == 400 and "Run the dry run first." in response.content.decode()
    assert admin_client.get("/manage/import/999999/").status_code == 404


def test_discarding_an_upload_deletes_its_file(admin_client, import_dir):
    upload(admin_client, "export.csv", csv_bytes([row(1)]))
    job = ImportJob.objects.get()
    response = admin_client.post(f"/manage/import/{job.pk}/", {"action": "discard"})
    assert response.status_code == 302 and files_in(import_dir) == []
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DISCARDED
