"""Fixtures of the import tests (star-imported by them): the import folder, an admin's client."""

from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

__all__ = ["admin_client", "import_dir"]


@pytest.fixture
def import_dir(tmp_path, settings, monkeypatch) -> Path:
    """A fresh IMPORT_DIR for this test, also handed to a worker started after it."""
    path = tmp_path / "imports"
    settings.IMPORT_DIR = path
    monkeypatch.setenv("IMPORT_DIR", str(path))
    return path


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory(username="imports-admin", is_staff=True))
    return client
