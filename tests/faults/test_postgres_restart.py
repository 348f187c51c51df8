"""PostgreSQL restarts while customers answer (issue 12): 0 answers lost, and no customer
sees a 5xx other than 503 (with Retry-After, their answers re-shown to send again).

A throwaway PostgreSQL (tests/faults/throwaway_postgres.py) serves a real gunicorn; client
threads post answers to fresh links, each sending again after a 503 as a customer would,
while the server is stopped (connections dropped) and started again.
"""

import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from nps_project.celery import app as celery_app
from tests.conftest import REQUIRE_SERVICES, service_missing
from tests.faults.throwaway_postgres import ThrowawayPostgres, free_port

BASE_DIR = Path(settings.BASE_DIR)
CUSTOMERS = 4
LINKS_PER_CUSTOMER = 40
SEND_AGAIN_FOR_SECONDS = 60

MAKE_LINKS = """
import django, sys
django.setup()
from bench.survey_vs_peer import make_links
print("\\n".join(make_links(int(sys.argv[1]))))
"""
COUNT = """
import django
django.setup()
from surveys.models import Invitation, Response
print(Response.objects.count(), Invitation.objects.filter(status="answered").count())
"""


@pytest.fixture(scope="module")
def throwaway_postgres():
    try:
        server = ThrowawayPostgres().start()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"could not start a throwaway PostgreSQL: {exc}")
        pytest.skip(f"could not start a throwaway PostgreSQL: {exc}")
    yield server
    server.destroy()


def app_env(database_url: str, redis_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DEBUG": "false",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "nps_project.settings",
        "LOG_LEVEL": "ERROR",
    }


def python(code: str, env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def live_server_on_throwaway(throwaway_postgres, redis_url, tmp_path):
    env = app_env(throwaway_postgres.create_database("nps_fault"), redis_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True, timeout=300)
    links = python(MAKE_LINKS, env, str(CUSTOMERS * LINKS_PER_CUSTOMER)).split()
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            *[sys.executable, "-m", "gunicorn", "nps_project.wsgi:application", "-b", f"127.0.0.1:{port}"],
            *["--workers", "2", "--threads", "2", "--timeout", "60"],
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            service_missing(f"gunicorn did not start: {(tmp_path / 'gunicorn.log').read_text()[-2000:]}")
        time.sleep(0.3)
    yield port, links, env
    server.terminate()
    server.wait(timeout=30)
    celery_app.control.purge()


def answer(port: int, token: str, statuses: list[int]) -> bool:
    """Send one answer like a customer: again after a 503, until it is taken."""
    body = f"company_score={len(token) % 11}&agent_score=9&why=Restart+test"
    deadline = time.monotonic() + SEND_AGAIN_FOR_SECONDS
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                "POST", f"/s/{token}/", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
            reply = connection.getresponse()
            page = reply.read().decode(errors="replace")
            connection.close()
        except OSError:
            statuses.append(-1)  # the connection itself failed: counted, must not happen
            time.sleep(0.2)
            continue
        statuses.append(reply.status)
        if reply.status == 302:
            return True
        if reply.status == 503:
            assert reply.getheader("Retry-After"), "a 503 says when to come back"
            assert "Restart test" in page or "try again" in page.lower(), "the 503 is the survey's own page"
            time.sleep(0.3)
            continue
        return False
    return False


def test_a_postgresql_restart_during_a_stream_of_answers_loses_none(throwaway_postgres, live_server_on_throwaway):
    port, links, env = live_server_on_throwaway
    statuses: list[int] = []
    taken: list[bool] = []

    def customer(share: list[str]) -> None:
        for token in share:
            taken.append(answer(port, token, statuses))
            time.sleep(0.02)

    threads = [threading.Thread(target=customer, args=(links[i::CUSTOMERS],)) for i in range(CUSTOMERS)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)  # answers are flowing
    throwaway_postgres.restart("fast")
    time.sleep(1.0)
    throwaway_postgres.restart("immediate")  # and once more, as a crash would
    for thread in threads:
        thread.join(timeout=300)

    stored, answered = (int(v) for v in python(COUNT, env).split())
    counts = {s: statuses.count(s) for s in set(statuses)}
    print(f"statuses: {counts}")
    unexpected = sorted({s for s in statuses if s not in (302, 503)})
    assert unexpected == [], f"customers saw {unexpected}; all statuses: {statuses}"
    assert all(taken) and len(taken) == len(links), f"{taken.count(False)} answers were never taken"
    assert stored == answered == len(links), f"stored {stored}, answered {answered}, sent {len(links)}"
    assert 503 in statuses or len(statuses) == len(links), "the outage was seen (or fell between answers)"
