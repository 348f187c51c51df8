"""The receiving endpoint platforms post to: /integrations/in/<url key>/ (no login, no CSRF:
the platform's signature is the authentication)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from integrations import services_connectors
from integrations.connectors import Received
from integrations.models_connectors import Connector

MAX_BODY_BYTES = 256 * 1024
STATUS = {"stored": 201, "duplicate": 200, "ignored": 200, "unauthorized": 401, "dead_letter": 400}


def received_from(request: HttpRequest, body: bytes) -> Received:
    headers = {name.lower(): value for name, value in request.headers.items()}
    return Received(
        body=body,
        headers=headers,
        content_type=request.content_type or "",
        # The URL the platform called, not the one a proxy forwarded to (Twilio signs it).
        url=settings.PUBLIC_BASE_URL + request.get_full_path(),
        received_at=timezone.now(),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def receive(request: HttpRequest, key: str) -> JsonResponse:
    connector = Connector.objects.filter(url_key=key, active=True).first()
    if connector is None:
        return JsonResponse({"error": "No connector has this URL."}, status=404)
    if request.method != "POST":  # platforms check the URL answers before they save it
        return JsonResponse({"connector": connector.platform, "detail": "POST events here."})
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _too_big()
    try:
        body = request.body
    except RequestDataTooBig:
        return _too_big()
    if len(body) > MAX_BODY_BYTES:
        return _too_big()
    outcome = services_connectors.receive(connector, received_from(request, body))
    reply: dict = {"status": outcome.status}
    if outcome.reason:
        reply["error" if outcome.status in ("unauthorized", "dead_letter") else "reason"] = outcome.reason
    if outcome.interaction_id is not None:
        reply["interaction"] = outcome.interaction_id
    return JsonResponse(reply, status=STATUS[outcome.status])


def _too_big() -> JsonResponse:
    return JsonResponse({"error": f"The body is larger than {MAX_BODY_BYTES // 1024} KB."}, status=413)
