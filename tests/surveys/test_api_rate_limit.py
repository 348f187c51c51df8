"""API tokens are rate-limited per token (API_RATE_LIMIT): 429 with Retry-After, counts kept
in the shared cache (Redis in production), never in one process's memory."""

import time

import pytest
import redis
from rest_framework.test import APIClient

from nps_project import redis_guard
from surveys.api_throttling import parse_rate
from surveys.models import ApiToken
from surveys.services_tokens import create_api_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/nps/"


def client_for(name: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {create_api_token(name=name)}")
    return client


def statuses(client: APIClient, n: int) -> list[int]:
    return [client.get(URL).status_code for _ in range(n)]


def test_a_token_over_its_limit_gets_429_with_retry_after(settings):
    settings.API_RATE_LIMIT = "5/min"
    client = client_for("zendesk")

    assert statuses(client, 5) == [200] * 5
    refused = client.get(URL)

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 120
    assert "throttled" in refused.json()["detail"]


def test_the_limit_is_per_token(settings):
    settings.API_RATE_LIMIT = "3/min"
    busy, quiet = client_for("busy"), client_for("quiet")

    assert statuses(busy, 4) == [200, 200, 200, 429]
    assert statuses(quiet, 3) == [200, 200, 200]


def test_reporting_interactions_is_limited_too(settings):
    settings.API_RATE_LIMIT = "2/min"
    client = client_for("genesys")
    body = {"channel": "phone", "agent": "a-1", "invite": False}

    codes = [
        client.post("/api/v1/interactions/", {**body, "external_id": f"c-{i}"}, format="json").status_code
        for i in range(3)
    ]

    assert codes == [201, 201, 429]


def test_refused_requests_do_not_use_up_the_allowance(settings):
    """A client that keeps retrying while refused is not locked out for longer."""
    settings.API_RATE_LIMIT = "2/s"
    client = client_for("eager")
    assert statuses(client, 2) == [200, 200]
    assert statuses(client, 5) == [429] * 5

    time.sleep(2.1)  # the previous second's count has decayed fully

    assert statuses(client, 2) == [200, 200]


def test_signed_in_users_are_not_limited_by_the_token_limit(settings, admin_client):
    settings.API_RATE_LIMIT = "1/min"
    assert [admin_client.get(URL).status_code for _ in range(3)] == [200, 200, 200]


def test_an_empty_limit_switches_it_off(settings):
    settings.API_RATE_LIMIT = ""
    assert statuses(client_for("unlimited"), 20) == [200] * 20


def test_counts_live_in_redis_where_every_web_process_sees_them(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "nps_project.cache.GuardedRedisCache",
            "LOCATION": redis_url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    settings.API_RATE_LIMIT = "4/min"
    client = client_for("shared")
    assert statuses(client, 3) == [200] * 3

    # Another process (here: a plain Redis client) sees the count and can use it up.
    other = redis.Redis.from_url(redis_url)
    token = ApiToken.objects.get(name="shared")
    (key,) = other.keys(f"*throttle:api-token:{token.key_hash[:20]}:*")
    assert int(other.get(key)) == 3
    other.incr(key)

    assert client.get(URL).status_code == 429
    other.delete(key)


def test_with_the_cache_unreachable_requests_pass_quickly(settings):
    """A Redis outage must not stop integrations: the limit fails open, without waiting."""
    redis_guard.reset()
    settings.CACHES = {
        "default": {
            "BACKEND": "nps_project.cache.GuardedRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    settings.API_RATE_LIMIT = "1/min"
    client = client_for("outage")

    started = time.monotonic()
    assert statuses(client, 3) == [200] * 3
    assert time.monotonic() - started < 3
    redis_guard.reset()


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("600/min", (600, 60)),
        ("20/s", (20, 1)),
        ("10000/hour", (10000, 3600)),
        ("5/day", (5, 86400)),
        ("", None),
        ("0/min", None),
    ],
)
def test_rates_are_read_like_drf_rates(rate, parsed):
    assert parse_rate(rate) == parsed


def test_a_malformed_rate_is_refused():
    with pytest.raises(ValueError):
        parse_rate("10/fortnight")


def test_counts_expire_after_two_windows_and_a_refusal_gives_its_count_back(settings, redis_url):
    """The count, the window's expiry and the previous window go to Redis in one pipeline:
    the window's key still gets its expiry, and a refused request is not counted."""
    settings.CACHES = {
        "default": {
            "BACKEND": "nps_project.cache.GuardedRedisCache",
            "LOCATION": redis_url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    settings.API_RATE_LIMIT = "2/min"
    client = client_for("expiring")
    assert statuses(client, 3) == [200, 200, 429]

    other = redis.Redis.from_url(redis_url)
    token = ApiToken.objects.get(name="expiring")
    (key,) = other.keys(f"*throttle:api-token:{token.key_hash[:20]}:*")
    assert int(other.get(key)) == 2
    assert 0 < other.ttl(key) <= 2 * 60 + 1
    other.delete(key)
