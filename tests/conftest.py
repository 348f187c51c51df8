"""Shared fixtures: services (PostgreSQL, Redis, a Celery worker, Chromium) and API clients.

A test that needs a service skips with the reason when the service is absent, except when
NPS_REQUIRE_SERVICES=1 (set by .ci/run), where it fails instead: CI always runs them all.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from analytics.tasks import FLUSH_SCHEDULED
from nps_project.celery import app as celery_app
from surveys.delivery import sms
from surveys.services_tokens import create_api_token
from tests.factories import AgentFactory, DepartmentFactory, UserFactory

# Playwright runs an event loop in the test thread; the ORM calls there are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("NPS_REQUIRE_SERVICES") == "1"
BASE_DIR = Path(settings.BASE_DIR)
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def service_missing(reason: str) -> None:
    """Skip the test, or fail it where CI demands every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _tasks_in_process(settings):
    """By default tasks run eagerly in the test process; the worker tests opt out.

    The Celery app reads the CELERY_* Django settings live and they take precedence over
    `celery_app.conf.task_always_eager = ...`, so overrides go through Django's settings.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.SMS_BACKEND = "surveys.delivery.sms.LocmemSmsBackend"
    sms.outbox.clear()
    # The cache (Redis under CI) outlives a test: a "flush already scheduled" flag left by an
    # earlier test would keep this test's answers from being flushed (and their cases opened).
    with contextlib.suppress(Exception):
        cache.delete(FLUSH_SCHEDULED)


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def postgres_tx(transactional_db):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        service_missing("needs Redis: set REDIS_URL=redis://...")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url} not reachable: {exc}")
    return url


@pytest.fixture
def api_key(db) -> str:
    return create_api_token(name="test-integration")


@pytest.fixture
def api(api_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key}")
    return client


# --- A real Celery worker ----------------------------------------------------------------


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, mail_dir: Path, log: Path):
        self.process = process
        self.mail_dir = mail_dir
        self.log = log

    def mails(self) -> list[str]:
        return [p.read_text() for p in sorted(self.mail_dir.glob("*.log"))]

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


def subprocess_database_url() -> str:
    """The URL of the test database this process uses, for a subprocess to reach it."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"


def start_worker(folder: Path, redis_url: str, settings, *, name: str = "test") -> "WorkerProcess":
    """Start one `celery worker` subprocess (solo pool) on the Redis broker and the test
    database, without waiting for it; its log and mails go in `folder`."""
    mail_dir = folder / "mail"
    mail_dir.mkdir(parents=True)
    log = folder / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SMS_BACKEND": "surveys.delivery.sms.ConsoleSmsBackend",
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "SURVEY_TOKEN_KEY": settings.SURVEY_TOKEN_KEY,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "nps_project",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return WorkerProcess(process, mail_dir, log)


@contextlib.contextmanager
def running_workers(*workers: "WorkerProcess"):
    """Wait until every started worker is ready; stop them all on exit."""
    try:
        deadline = time.monotonic() + 45
        for worker in workers:
            while "ready." not in worker.log_text():
                if worker.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Celery worker did not start:\n{worker.log_text()[-3000:]}")
                time.sleep(0.2)
        yield workers
    finally:
        for worker in workers:
            worker.process.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


@pytest.fixture
def celery_worker_process(postgres_tx, redis_url, tmp_path, settings):
    """A `celery worker` subprocess on the Redis broker and the test database.

    Tests that use it are transactional: the worker only sees committed rows.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.control.purge()  # messages left by an earlier run must not reach this worker
    cache.delete("analytics:flush-scheduled")  # a purged flush must not stop the next one being queued
    try:
        with running_workers(start_worker(tmp_path, redis_url, settings)) as (worker,):
            yield worker
    finally:
        celery_app.control.purge()


@pytest.fixture
def two_celery_workers(postgres_tx, redis_url, tmp_path, settings):
    """Two `celery worker` processes on one Redis broker and the test database, as when
    the workers are scaled out to two machines; both consume the same queue."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.control.purge()
    cache.delete("analytics:flush-scheduled")
    try:
        one = start_worker(tmp_path / "one", redis_url, settings, name="one")
        two = start_worker(tmp_path / "two", redis_url, settings, name="two")
        with running_workers(one, two):
            yield one, two
    finally:
        celery_app.control.purge()


def wait_until(predicate, *, timeout: float = 20.0, interval: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail with the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")


# --- A real browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        service_missing(f"needs Chromium at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def outbox():
    """Django's locmem outbox, emptied for this test."""
    mail.outbox.clear()
    return mail.outbox


@pytest.fixture
def mail_server_down(settings):
    """SMTP to a port on this machine where nothing listens: every send is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 2
    return port


# --- Signed-in clients in each role (admin area, integrations pages) ----------------------


@pytest.fixture
def staff_user(db):
    return UserFactory(username="olivia", first_name="Olivia", is_staff=True)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def supervisor_client(client, db):
    user = UserFactory(username="sam")
    DepartmentFactory(code="billing", name="Billing").supervisors.add(user)
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(client, db):
    user = UserFactory(username="budi")
    AgentFactory(name="Budi Santoso", user=user)
    client.force_login(user)
    return client
