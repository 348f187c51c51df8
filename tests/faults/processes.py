"""The production processes of a fault test, started as subprocesses against a given Redis
and the test database: gunicorn (with gunicorn.conf.py), a Celery worker, Celery beat."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def environment(redis_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir(exist_ok=True)
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SMS_BACKEND": "surveys.delivery.sms.ConsoleSmsBackend",
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "SURVEY_TOKEN_KEY": settings.SURVEY_TOKEN_KEY,
        "SECRET_KEY": settings.SECRET_KEY,
        **extra,
    }


class Process:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path, ready: str):
        self.name, self.log = name, log
        with log.open("ab") as out:
            self.process = subprocess.Popen(argv, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while ready not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"{name} did not start:\n{self.text()[-3000:]}")
            time.sleep(0.2)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgements, like the OOM killer."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def celery(kind: str, env: dict[str, str], tmp_path: Path, name: str = "") -> Process:
    name = name or kind
    if kind == "worker":
        argv = ["worker", "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                "--hostname", f"{name}-{os.getpid()}@%h"]  # fmt: skip
        ready = "ready."
    else:
        argv = ["beat", "--loglevel=INFO", "--schedule", str(tmp_path / "celerybeat-schedule")]
        ready = "beat: Starting"
    return Process(
        name, [sys.executable, "-m", "celery", "-A", "nps_project", *argv], env, tmp_path / f"{name}.log", ready
    )


def gunicorn(env: dict[str, str], tmp_path: Path, port: int, *options: str) -> Process:
    argv = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
            *options, "nps_project.wsgi:application"]  # fmt: skip
    process = Process("gunicorn", argv, env, tmp_path / "gunicorn.log", "Booting worker")
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except OSError:
            if time.monotonic() > deadline:
                process.stop()
                pytest.fail(f"gunicorn did not answer:\n{process.text()[-3000:]}")
            time.sleep(0.2)
