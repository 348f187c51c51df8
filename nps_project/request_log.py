"""Per-request middleware: a request id, one log line per request, private caching.

RequestLogMiddleware (outermost) gives every request an id (the proxy's X-Request-ID when
it sends a sane one, else a new one), echoes it in the response's X-Request-ID header and
tags every log line of the request with it; with LOG_FORMAT=json it also logs one line per
request: request id, user id (or API token id), method, path with survey tokens masked,
status and duration in milliseconds. It never loads the user itself: /healthz must touch
nothing outside the process.

PrivateCacheMiddleware marks what a signed-in user gets (pages, CSV exports, API answers)
`Cache-Control: private, no-store`: customer comments and names must not stay in a shared
proxy or the browser's disk cache. The public survey pages set their own headers.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

from nps_project.log import current_request_id, mask_survey_tokens

logger = logging.getLogger("nps_project.requests")

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Not signed-in pages: probes, static files, the customer's survey and recovery pages.
PUBLIC_PREFIXES = ("/healthz", "/readyz", "/static/", "/s/", "/r/", "/favicon.ico")


def _request_id(request: HttpRequest) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if SANE_REQUEST_ID.match(given) else uuid.uuid4().hex


def _who(request: HttpRequest) -> dict:
    """The signed-in user or API token, if something during the request looked it up."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):  # Django's lazy user: read only if already loaded
        user = request.__dict__.get("_cached_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    if isinstance(user, AbstractBaseUser):
        return {"user_id": user.pk}
    return {"api_token_id": user.pk}  # DRF puts the ApiToken where the user goes


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        request_id = _request_id(request)
        request.request_id = request_id
        # Kept until the response is closed: Django logs a 4xx after the middleware returned.
        current_request_id.set(request_id)
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            if settings.LOG_FORMAT == "json":
                logger.info(
                    "%s %s %s",
                    request.method,
                    mask_survey_tokens(request.path),
                    status,
                    extra={
                        "request_id": request_id,
                        **_who(request),
                        "method": request.method,
                        "path": mask_survey_tokens(request.path),
                        "status": status,
                        "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    },
                )


@receiver(request_finished, dispatch_uid="nps-forget-request-id")
def _forget_request_id(**_kwargs) -> None:
    current_request_id.set("")


class PrivateCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PUBLIC_PREFIXES):
            return response
        user = getattr(request, "user", None)  # set by AuthenticationMiddleware or DRF
        if user is not None and getattr(user, "is_authenticated", False):
            patch_cache_control(response, private=True, no_store=True)
        return response
