"""Limit guessing survey links: an address that asked for more than SURVEY_LINK_MISS_LIMIT
unknown or wrong links within a minute gets 429 until the minute is over.

Misses are counted, not hits: customers behind one NAT answering their own real links add
nothing to the count. Counters live in the Django cache (Redis in production, the local
memory cache in the embedded mode), one key per address and minute; checking an address
costs one cache read and no database query. A cache outage lets everyone through.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60


def client_address(request: HttpRequest) -> str:
    """The customer's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the
    address the outermost trusted proxy saw (X-Forwarded-For, counted from the right)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _key(address: str, window: int) -> str:
    return f"survey-link-miss:{address}:{window}"


def retry_after(request: HttpRequest) -> int | None:
    """Seconds until this address may try again, or None if it is under the limit."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    try:
        misses = cache.get(_key(client_address(request), window), 0)
    except Exception:  # a cache outage must not turn customers away
        logger.warning("Cache unavailable; survey link misses are not limited", exc_info=True)
        return None
    if misses < settings.SURVEY_LINK_MISS_LIMIT:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now) + 1)


def record_miss(request: HttpRequest) -> None:
    key = _key(client_address(request), int(time.time() // WINDOW_SECONDS))
    try:
        if not cache.add(key, 1, timeout=2 * WINDOW_SECONDS):
            cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=2 * WINDOW_SECONDS)
    except Exception:
        logger.warning("Cache unavailable; a survey link miss was not counted", exc_info=True)
