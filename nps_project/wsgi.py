import gc
import os

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nps_project.settings")
application = get_wsgi_application()


def freeze_heap(**_kwargs) -> None:
    """Take every object alive now out of the garbage collector's view
    (https://docs.python.org/3/library/gc.html#gc.freeze): later full collections scan only
    what requests allocate. Without it, a collection over the start-up heap paused a large
    dashboard page for 30–50 ms every few requests (bench/dashboard_pages.py)."""
    gc.collect()
    gc.freeze()


def _freeze_after_first_request(**_kwargs) -> None:
    # The first request builds what Django loads lazily (compiled templates, the database
    # connection's type adapters): long-lived too, so frozen with the rest, once.
    request_finished.disconnect(_freeze_after_first_request)
    freeze_heap()


get_resolver().url_patterns  # noqa: B018 - imports the URLconf and its views now
freeze_heap()
request_finished.connect(_freeze_after_first_request)
