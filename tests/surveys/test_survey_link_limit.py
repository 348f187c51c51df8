"""Guessing survey links (issue 12): more than SURVEY_LINK_MISS_LIMIT unknown or wrong links a
minute from one address get 429 with Retry-After; real links never count towards it."""

import secrets

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from surveys.models import Response
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db

LIMIT = 5
WRONG = "/s/" + "A" * 43 + "/"


RUN = secrets.token_hex(3)  # counters live in the shared cache: addresses unique to this run


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.SURVEY_LINK_MISS_LIMIT = LIMIT


def customer(address: str, language: str = "en") -> Client:
    return Client(REMOTE_ADDR=f"{address}-{RUN}", HTTP_ACCEPT_LANGUAGE=language)


def test_misses_over_the_limit_get_429_with_retry_after_in_the_customers_language():
    guesser = customer("203.0.113.7", "es")
    replies = [guesser.get(WRONG) for _ in range(LIMIT + 2)]

    assert [r.status_code for r in replies] == [404] * LIMIT + [429, 429]
    assert 1 <= int(replies[-1]["Retry-After"]) <= 61
    assert replies[-1]["Content-Language"] == "es"
    assert "Demasiados enlaces incorrectos" in replies[-1].content.decode()


def test_over_the_limit_no_database_query_is_made():
    guesser = customer("203.0.113.8")
    for _ in range(LIMIT):
        guesser.get(WRONG)

    with CaptureQueriesContext(connection) as queries:
        reply = guesser.get("/s/" + "B" * 43 + "/")

    assert reply.status_code == 429
    assert len(queries) == 0


def test_real_links_do_not_count_customers_behind_one_nat_are_never_throttled():
    nat = customer("198.51.100.20")
    invitations = InvitationFactory.create_batch(LIMIT * 3)

    statuses = [nat.get(f"/s/{invitation.token}/").status_code for invitation in invitations]
    statuses += [
        nat.post(f"/s/{invitation.token}/", {"company_score": "9", "agent_score": "9"}).status_code
        for invitation in invitations
    ]
    statuses += [nat.get(f"/s/{invitation.token}/thanks/").status_code for invitation in invitations]

    assert set(statuses) == {200, 302}, statuses
    assert Response.objects.count() == LIMIT * 3


def test_wrong_thank_you_links_and_malformed_tokens_count_as_misses():
    guesser = customer("203.0.113.9")
    for i in range(LIMIT):
        guesser.get(WRONG + "thanks/" if i % 2 else "/s/short/")

    assert guesser.get(WRONG).status_code == 429


def test_one_address_over_the_limit_does_not_throttle_another():
    for _ in range(LIMIT + 1):
        customer("203.0.113.10").get(WRONG)
    invitation = InvitationFactory()

    assert customer("203.0.113.10").get(WRONG).status_code == 429
    assert customer("203.0.113.11").get(f"/s/{invitation.token}/").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy, one, other = "10.0.0.2", f"192.0.2.50-{RUN}", f"192.0.2.51-{RUN}"
    for _ in range(LIMIT + 1):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{other}, {one}").get(WRONG)

    assert Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=one).get(WRONG).status_code == 429
    assert Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=other).get(WRONG).status_code == 404
