"""The probes a load balancer and an orchestrator use: /healthz (the process is up) and
/readyz (the database and the broker are reachable, else 503)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connections

from nps_project import health

BASE_DIR = Path(__file__).resolve().parent.parent
CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def test_healthz_answers_ok_without_touching_the_database(client):
    # No `db` fixture: pytest-django would refuse any query, so this proves none is made.
    reply = client.get("/healthz")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}
    assert "no-cache" in reply["Cache-Control"]


@pytest.mark.django_db
def test_readyz_with_tasks_in_process_needs_no_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BROKER_URL = CLOSED_BROKER  # never dialled when tasks run in-process
    reply = client.get("/readyz")
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"].startswith("eager")
    assert "no-cache" in reply["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ok_when_the_redis_broker_answers(client, settings, redis_url):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_url
    reply = client.get("/readyz")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_quickly_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = CLOSED_BROKER
    started = time.monotonic()
    reply = client.get("/readyz")
    elapsed = time.monotonic() - started
    assert reply.status_code == 503
    body = reply.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"] != "ok"
    assert elapsed < 15, f"a dead broker held the probe for {elapsed:.1f}s"


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_unreachable(client, settings, monkeypatch, tmp_path):
    """The probe dials a real connection configured for a database that cannot be reached:
    the driver's own error decides, nothing is faked."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    default = connections["default"]
    unreachable = dict(default.settings_dict)
    if default.vendor == "sqlite":
        unreachable["NAME"] = str(tmp_path / "no-such-dir" / "nps.sqlite3")
    else:
        unreachable.update(HOST="127.0.0.1", PORT=1)
    dead = type(default)(unreachable, alias="unreachable")
    monkeypatch.setattr(health, "connection", dead)
    try:
        reply = client.get("/readyz")
    finally:
        dead.close()
    assert reply.status_code == 503
    body = reply.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "OperationalError"
    assert body["broker"].startswith("eager")


def test_embedded_default_is_ready_with_no_services(tmp_path):
    """With no REDIS_URL (the embedded default) tasks run in-process and readiness needs
    only the database: checked in a fresh process with nothing overridden."""
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    code = (
        "from django.test import Client; reply = Client().get('/readyz'); "
        "print(reply.status_code, reply.content.decode())"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    status, _, body = done.stdout.strip().splitlines()[-1].partition(" ")
    assert status == "200", body
    assert '"broker": "eager' in body
