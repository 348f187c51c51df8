"""With a real Celery worker in another process: the web side stores the upload under
IMPORT_DIR, the worker reads it from there, runs the dry run and the import, reports progress
through the database and deletes the file when done."""

import pytest

from integrations.imports.models import ImportJob
from surveys.models import Interaction
from tests.conftest import wait_until
from tests.integrations.import_fixtures import *  # noqa: F403 (fixtures)
from tests.integrations.import_helpers import csv_bytes, mapping_post, row, upload


@pytest.fixture
def worker(import_dir, celery_worker_process):
    """The worker, started after IMPORT_DIR is set so that it reads the same folder."""
    return celery_worker_process


def test_the_worker_runs_the_dry_run_and_the_import_of_an_upload(admin_client, worker, import_dir):
    rows = [row(n) for n in range(300)] + [row(300, Channel="fax")]
    response = upload(admin_client, "history.csv", csv_bytes(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and (import_dir / job.stored_name).exists()

    assert admin_client.post(f"/manage/import/{job.pk}/", mapping_post(job)).status_code == 302
    status_url = f"/manage/import/{job.pk}/status.json"
    status = wait_until(lambda: (s := admin_client.get(status_url).json())["status"] == "validated" and s, timeout=60)
    assert (status["total"], status["valid"], status["invalid"]) == (301, 300, 1)
    assert Interaction.objects.count() == 0

    response = admin_client.post(f"/manage/import/{job.pk}/", {"action": "import", "import_valid_rows": "on"})
    assert response.status_code == 302
    seen = set()

    def finished():
        state = admin_client.get(status_url).json()
        seen.add(state["status"])
        return state["status"] == "done" and state

    status = wait_until(finished, timeout=120, interval=0.05)
    assert (status["created"], status["duplicates"], status["rejected"], status["percent"]) == (300, 0, 1, 100)
    assert Interaction.objects.filter(source="import").count() == 300
    assert not (import_dir / job.stored_name).exists(), "the worker deleted the file"
    assert "succeeded" in worker.log_text() and "run_import" in worker.log_text()
