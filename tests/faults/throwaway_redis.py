"""A Redis of the test's own, on a free port in a temporary folder, that a fault test may
stop, restart, pause (SIGSTOP) and kill without touching the shared Redis on 6379."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import service_missing

REDIS_SERVER = os.environ.get("REDIS_SERVER_PATH", "redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayRedis:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = folder / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) on the same port and folder: the append-only file keeps the queue."""
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.folder),
                "--appendonly", "yes",
                "--save", "",
                "--logfile", str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2, socket_timeout=0.5).ping()
                return
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"throwaway Redis did not start: {self.log.read_text() if self.log.exists() else ''}")
                time.sleep(0.05)

    def stop(self) -> None:
        """Down: the process is gone and connections are refused."""
        if self.process is None:
            return
        self.resume()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def pause(self) -> None:
        """Hung: connections are still accepted by the kernel, nothing is ever answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def throwaway_redis(tmp_path):
    if not shutil.which(REDIS_SERVER):
        service_missing(f"needs {REDIS_SERVER} (apt-get install -y redis-server) for the fault tests")
    server = ThrowawayRedis(tmp_path / "redis")
    server.folder.mkdir()
    server.start()
    try:
        yield server
    finally:
        server.stop()
