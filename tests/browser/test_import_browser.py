"""Importing history in a real browser, with a real Celery worker: an admin finds the import in
the admin area, uploads a CSV export, checks the guessed columns against the preview, runs the
dry run and sees the bad rows with their line numbers, imports the valid rows while a progress
bar moves, and reads the report. The progress page also refreshes itself without JavaScript.
axe finds nothing serious at 1440 px; at 390 px nothing is wider than the screen."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from integrations.imports.models import ImportJob
from surveys.models import Interaction
from surveys.services import default_survey
from tests.browser.helpers import console_errors
from tests.factories import TEST_PASSWORD, UserFactory
from tests.integrations.import_fixtures import import_dir  # noqa: F401 (fixture)
from tests.integrations.import_helpers import csv_bytes, row

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1440, "height": 1000}
NARROW = {"width": 390, "height": 844}
ROWS = 300


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "ivy")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")


@pytest.fixture
def small_chunks(monkeypatch, settings):
    """Chunks of 25 rows, so that the progress bar moves several times on a small file."""
    settings.IMPORT_CHUNK_ROWS = 25
    monkeypatch.setenv("IMPORT_CHUNK_ROWS", "25")


@pytest.fixture
def worker(import_dir, small_chunks, celery_worker_process):  # noqa: F811 (fixture)
    """The worker, started after IMPORT_DIR and the chunk size are set so that it uses them."""
    default_survey()
    UserFactory(username="ivy", first_name="Ivy", is_staff=True)
    return celery_worker_process


@pytest.fixture
def export_file(tmp_path):
    rows = [row(n) for n in range(ROWS)]
    rows[4] = row(4, Channel="fax")  # line 6
    rows[9] = row(9, Email='=HYPERLINK("http://evil.example","x")')  # line 11
    path = tmp_path / "zendesk-history.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def test_admin_uploads_maps_dry_runs_and_imports_with_progress_and_a_report(chromium, live_server, worker, export_file):
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = console_errors(page)
    sign_in(page, live_server)

    page.get_by_role("link", name="Surveys", exact=True).first.click()
    page.get_by_role("navigation", name="Admin area").get_by_role("link", name="Import").click()
    expect(page.locator("h1")).to_have_text("Import interactions from a file")
    assert not serious_violations(page)
    page.set_input_files("#id_file", str(export_file))
    page.get_by_role("button", name="Upload and choose columns").click()

    # The columns are guessed from the header names; the preview shows the first rows.
    expect(page.locator("h2#map-h")).to_have_text("2. Choose the columns")
    expect(page.locator("#id_col_external_id option:checked")).to_have_text("Ticket ID")
    expect(page.locator("#id_col_occurred_at option:checked")).to_have_text("Solved at")
    expect(page.locator(".preview-table tbody tr")).to_have_count(5)
    page.screenshot(path="/tmp/import-mapping-1440.png", full_page=True)
    assert not serious_violations(page), "mapping page"

    page.get_by_role("button", name="Run the dry run").click()
    expect(page.locator("#dry-h")).to_have_text(f"3. Dry run: {ROWS - 2} good rows, 2 bad", timeout=60_000)
    bad = page.locator(".issues-table tbody tr")
    expect(bad).to_have_count(2)
    expect(bad.nth(0)).to_contain_text("6")
    expect(bad.nth(0)).to_contain_text('"fax" is not a valid choice.')
    expect(bad.nth(1)).to_contain_text("holds a formula")
    assert Interaction.objects.count() == 0, "a dry run stores nothing"
    page.screenshot(path="/tmp/import-dry-run-1440.png", full_page=True)
    assert not serious_violations(page), "dry run page"

    # Import without choosing to skip the bad rows: refused, nothing stored.
    page.get_by_role("button", name=f"Import {ROWS - 2} rows").click()
    expect(page.locator(".notice.error")).to_contain_text("The dry run found 2 bad rows")
    assert Interaction.objects.count() == 0

    page.get_by_label("Import the valid rows and skip the bad ones").check()
    page.get_by_role("button", name=f"Import {ROWS - 2} rows").click()
    expect(page.locator("#progress-h")).to_have_text("Importing")
    expect(page.locator("#import-progress-text")).to_contain_text(f"of {ROWS} rows", timeout=30_000)
    assert not serious_violations(page), "progress page"
    page.screenshot(path="/tmp/import-progress-1440.png", full_page=True)
    # The bar moves while the rows go in (polled from status.json, no reload); the set-based
    # import may store this small file between two polls, so the report may come first.
    moved = page.locator("#import-bar:not([value='0']), #report-h").first
    expect(moved).to_be_visible(timeout=60_000)

    # The page follows the import by itself and shows the report when it ends.
    expect(page.locator("#report-h")).to_have_text("Import finished", timeout=180_000)
    counts = page.locator(".import-counts > div")
    expect(counts.nth(0)).to_contain_text(f"Rows imported{ROWS - 2}")
    expect(counts.nth(2)).to_contain_text("Rows rejected2")
    expect(page.locator(".issues-table tbody tr")).to_have_count(2)
    assert Interaction.objects.count() == ROWS - 2
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (CSV)").click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert report.splitlines()[0] == "line,external_id,outcome,reason" and len(report.splitlines()) == 3
    page.screenshot(path="/tmp/import-report-1440.png", full_page=True)
    assert not serious_violations(page), "report page"
    # The refused import answered 400 on purpose (a form error); the browser logs that status.
    assert [e for e in errors if "status of 400" not in e] == [], errors
    context.close()

    job = ImportJob.objects.get()
    narrow = chromium.new_context(viewport=NARROW)
    phone = narrow.new_page()
    sign_in(phone, live_server)
    for path in ("/manage/import/", f"/manage/import/{job.pk}/"):
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], path
    phone.screenshot(path="/tmp/import-report-390.png", full_page=True)
    narrow.close()


def test_without_javascript_the_progress_page_refreshes_until_the_dry_run_ends(
    chromium, live_server, worker, export_file
):
    context = chromium.new_context(viewport=NARROW, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/manage/import/")
    page.set_input_files("#id_file", str(export_file))
    page.get_by_role("button", name="Upload and choose columns").click()
    page.get_by_role("button", name="Run the dry run").click()
    # Still running on the first view, or already done: either way the page gets there alone.
    expect(page.locator("#dry-h")).to_contain_text("2 bad", timeout=60_000)
    mapping = page.locator(".mapping-table")
    assert mapping.count() == 1
    page.screenshot(path="/tmp/import-mapping-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    context.close()
