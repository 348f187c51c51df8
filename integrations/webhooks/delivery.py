"""One try at delivering a webhook: sign, post to the checked address, record the outcome.

The delivery row is the truth. A try first claims the row (a short lease in
next_attempt_at, taken with one conditional UPDATE), so a task and the sweep never post
the same delivery at once, and a worker that dies mid-try only delays it by the lease.
Every try counts in `attempts` with its status code and error; after a failure the row
holds the time of the next try (exponential backoff) until WEBHOOK_MAX_ATTEMPTS, then it
is marked failed for an admin to replay. Connect and read timeouts are short, and the
answer is read only up to a few KB under a wall-clock deadline: a receiver that hangs
costs a worker seconds, never minutes.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import urllib3
from django.conf import settings
from django.utils import timezone
from standardwebhooks import Webhook

from integrations.models import WebhookDelivery
from integrations.webhooks import ssrf, targets

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
LEASE = timedelta(minutes=2)
# A queued retry may run a moment before its time (the broker rounds countdowns).
EARLY_TOLERANCE = timedelta(seconds=5)
RETRY_MAX_SECONDS = 6 * 3600
CONNECT_TIMEOUT_MAX = 3.0
ANSWER_READ_LIMIT = 4096
ERROR_MAX = 1000
USER_AGENT = "NPS-Desk-Webhooks/1.0"
# A receiver's 4xx says the request itself is refused: retrying the same body will not help.
RETRYABLE_4XX = {408, 409, 425, 429}


class DeliveryFailed(Exception):
    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool = True):
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable


@dataclass(frozen=True)
class Outcome:
    """What a try did: delivered, retry (in retry_in seconds), failed, cancelled or skipped."""

    result: str
    retry_in: float | None = None
    status_code: int | None = None
    error: str = ""


def max_attempts() -> int:
    return max(1, settings.WEBHOOK_MAX_ATTEMPTS)


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed try: base, 2×base, 4×base, … capped at 6 h."""
    return float(min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def encode(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def signed_headers(secret: str, message_id: str, body: str, *, at: datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers for `body`, signed with the standardwebhooks library."""
    at = at or datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=message_id, timestamp=at.astimezone(UTC), data=body),
    }


def post(url: str, body: str, headers: dict[str, str]) -> int:
    """POST to the URL's checked address; the status code, or DeliveryFailed."""
    try:
        target = ssrf.check(url)
    except ssrf.UnresolvableHost as exc:
        raise DeliveryFailed(str(exc)) from exc
    except ssrf.UnsafeUrl as exc:
        raise DeliveryFailed(f"Refused: {exc}", retryable=False) from exc
    read_timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    timeout = urllib3.Timeout(connect=min(CONNECT_TIMEOUT_MAX, read_timeout), read=read_timeout)
    options: dict[str, Any] = {"timeout": timeout, "retries": False, "maxsize": 1, "block": False}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host, assert_hostname=target.host, **options
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    request_headers = {
        **headers,
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    deadline = time.monotonic() + CONNECT_TIMEOUT_MAX + 2 * read_timeout
    try:
        answer = pool.urlopen(
            "POST",
            target.path,
            body=body.encode(),
            headers=request_headers,
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            text = b""
            while len(text) < ANSWER_READ_LIMIT and time.monotonic() < deadline:
                chunk = answer.read(1024)
                if not chunk:
                    break
                text += chunk
        finally:
            answer.release_conn()
    except urllib3.exceptions.NewConnectionError as exc:  # refused, unreachable (a ConnectTimeoutError subclass)
        raise DeliveryFailed(f"Connection failed: {_reason(exc)}") from exc
    except urllib3.exceptions.ConnectTimeoutError as exc:
        raise DeliveryFailed(f"Connection timed out after {timeout.connect_timeout:g} s.") from exc
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise DeliveryFailed(f"No answer within {read_timeout:g} s.") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise DeliveryFailed(f"Connection failed: {_reason(exc)}") from exc
    except OSError as exc:
        raise DeliveryFailed(f"Connection failed: {exc}") from exc
    finally:
        pool.close()
    status = answer.status
    if 200 <= status < 300:
        return status
    snippet = text.decode("utf-8", "replace").strip()[:300]
    if 300 <= status < 400:
        message = f"HTTP {status}: redirects are not followed (to {answer.headers.get('Location', '?')})."
        raise DeliveryFailed(message, status_code=status, retryable=False)
    message = f"HTTP {status}" + (f": {snippet}" if snippet else "")
    raise DeliveryFailed(message, status_code=status, retryable=status >= 500 or status in RETRYABLE_4XX)


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)


def claim(delivery_id: int, *, now: datetime) -> WebhookDelivery | None:
    """Take the lease on a due pending delivery; None if it is not due or someone has it."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now + EARLY_TOLERANCE
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)


def attempt(delivery_id: int, *, now: datetime | None = None) -> Outcome:
    """Try a pending delivery once if it is due, and record how it went."""
    now = now or timezone.now()
    delivery = claim(delivery_id, now=now)
    if delivery is None:
        return Outcome("skipped")
    subscription = delivery.subscription
    if subscription.deleted_at is not None:
        _save(delivery, status=Status.CANCELLED, error="The subscription was deleted.", now=now, tried=False)
        return Outcome("cancelled")
    body = encode(targets.body_for(subscription.target, delivery.payload))
    headers = signed_headers(subscription.secret, delivery.message_id, body)
    started = time.monotonic()
    try:
        status_code = post(subscription.url, body, headers)
    except DeliveryFailed as exc:
        attempts = delivery.attempts + 1
        error = str(exc)[:ERROR_MAX]
        if exc.retryable and attempts < max_attempts():
            delay = retry_delay(attempts)
            _save(delivery, status=Status.PENDING, error=error, code=exc.status_code, now=now, retry_in=delay)
            logger.info("Webhook %s try %s failed (%s); next in %ss", delivery.pk, attempts, error, delay)
            return Outcome("retry", retry_in=delay, status_code=exc.status_code, error=error)
        _save(delivery, status=Status.FAILED, error=error, code=exc.status_code, now=now)
        logger.warning("Webhook %s failed after %s tries: %s", delivery.pk, attempts, error)
        return Outcome("failed", status_code=exc.status_code, error=error)
    _save(delivery, status=Status.DELIVERED, code=status_code, now=now)
    logger.info("Webhook %s delivered (%s) in %.0f ms", delivery.pk, status_code, 1000 * (time.monotonic() - started))
    return Outcome("delivered", status_code=status_code)


def _save(
    delivery: WebhookDelivery,
    *,
    status: str,
    now: datetime,
    error: str = "",
    code: int | None = None,
    retry_in: float | None = None,
    tried: bool = True,
) -> None:
    finished = timezone.now()
    fields = {
        "status": status,
        "last_error": error,
        "next_attempt_at": finished + timedelta(seconds=retry_in) if retry_in is not None else None,
    }
    if tried:
        fields |= {"attempts": delivery.attempts + 1, "last_status_code": code, "last_attempt_at": now}
    if status == Status.DELIVERED:
        fields["delivered_at"] = finished
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
