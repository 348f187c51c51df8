"""The server's entry point loads the views and hides the start-up heap from the garbage
collector, then once more after the first request (see nps_project/wsgi.py)."""

import gc
import sys

import pytest


@pytest.mark.django_db
def test_the_start_up_heap_is_frozen_and_again_after_the_first_request(client, monkeypatch):
    sys.modules.pop("nps_project.wsgi", None)
    gc.unfreeze()
    try:
        import nps_project.wsgi as wsgi

        at_start = gc.get_freeze_count()
        assert at_start > 0
        assert "analytics.dashboard.agents" in sys.modules  # the URLconf's views are loaded

        client.get("/healthz")
        assert gc.get_freeze_count() > at_start

        calls = []
        monkeypatch.setattr(wsgi, "freeze_heap", lambda **kwargs: calls.append(kwargs))
        client.get("/healthz")
        assert calls == []  # once only
    finally:
        gc.unfreeze()
