"""When the database is unreachable: 503 with Retry-After instead of a 500, and one retry.

A PostgreSQL restart or failover drops every open connection; the requests in flight then
fail with OperationalError or InterfaceError. Customers and integrations should be told to
come back shortly (503, Retry-After), not shown a server error. The survey page handles it
itself (it re-shows the customer's answers); everything else ends in `server_error`, the
project's handler500, which answers 503 for these errors: JSON under /api/, a short page
elsewhere.
"""

import logging
import sys
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
T = TypeVar("T")


def is_database_down(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_ERRORS)


def retry_once(work: Callable[[], T]) -> T:
    """Run `work`; if the connection dropped, reconnect and run it once more.

    Only outside a transaction (an open transaction is lost with its connection, and
    `work` must be one whole transaction itself, so running it again is safe)."""
    try:
        return work()
    except DATABASE_ERRORS:
        if connection.in_atomic_block:
            raise
        logger.warning("Database connection lost; retrying once", exc_info=True)
        connection.close()
        return work()


def unavailable_json() -> JsonResponse:
    response = JsonResponse(
        {"detail": "The database is unavailable. Please retry shortly.", "code": "database_unavailable"},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_page(request: HttpRequest) -> HttpResponse:
    body = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """handler500: a lost database is a 503 with Retry-After; anything else Django's 500."""
    if is_database_down(sys.exc_info()[1]):
        connection.close()  # the next request starts on a fresh connection
        if request.path.startswith("/api/"):
            return unavailable_json()
        return unavailable_page(request)
    return defaults.server_error(request, template_name)
