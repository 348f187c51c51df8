"""Redis (the Celery broker and cache) is down: platforms and customers are served all the same.

Celery is switched from eager to really publishing, at a broker that cannot be reached;
what could not be queued is recovered from the database by the periodic sweep.
"""

import logging
import socket
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from nps_project import redis_guard
from nps_project.celery import app as celery_app
from nps_project.enqueue import enqueue
from surveys.models import Interaction, Invitation, Response
from surveys.services import NOT_QUEUED
from surveys.signals import response_submitted
from surveys.tasks import deliver_invitation, send_due_invitations
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused
FAST_ENOUGH = 5.0  # seconds a request may take with the broker down


def _reset_broker_connections() -> None:
    """Make the next publish connect to the broker URL as configured now.

    Celery caches one connection pool (app._pool) and one producer pool
    (app.amqp._producer_pool) per app, both bound to the URL at first use. Dropping the
    references is enough: kombu keeps one pool per broker URL and hands the working
    URL's pool back afterwards (closing it would leave a closed pool in kombu's registry).
    """
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    redis_guard.reset()  # a fresh circuit breaker per broker URL


class Broker:
    """Redis serves as broker and cache in production, so both go down together."""

    def __init__(self, settings):
        self.settings = settings
        self.working_url = settings.CELERY_BROKER_URL
        self.working_caches = settings.CACHES

    def down(self, url: str = CLOSED_PORT_BROKER) -> None:
        self.settings.CELERY_TASK_ALWAYS_EAGER = False  # publish for real
        self.settings.CELERY_BROKER_URL = url
        self.settings.CACHES = {
            "default": {
                "BACKEND": "nps_project.cache.GuardedRedisCache",  # as production configures it
                "LOCATION": url,
                "OPTIONS": self.settings.REDIS_CACHE_OPTIONS,  # as production configures it
            }
        }
        _reset_broker_connections()

    def back_up(self) -> None:
        self.settings.CELERY_BROKER_URL = self.working_url
        self.settings.CACHES = self.working_caches
        self.settings.CELERY_TASK_ALWAYS_EAGER = True
        _reset_broker_connections()


@pytest.fixture
def broker(settings):
    broker = Broker(settings)
    broker.down()
    yield broker
    broker.back_up()


@pytest.fixture
def unreachable_broker_host(broker):
    """A broker address whose TCP handshake never completes, like a host behind a dead link.

    A listening socket whose accept queue is full makes Linux drop further SYNs.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                pytest.skip("this kernel completes handshakes beyond the accept queue")
        broker.down(f"redis://127.0.0.1:{port}/0")
        yield
        for filler in fillers:
            filler.close()


def post_interaction(api, external_id: str):
    started = time.monotonic()
    reply = api.post(
        "/api/v1/interactions/",
        {
            "external_id": external_id,
            "channel": "phone",
            "agent": "a-1",
            "agent_name": "Dewi Lestari",
            "customer": {"email": "joko@example.com"},
        },
        format="json",
    )
    return reply, time.monotonic() - started


def test_platform_report_is_stored_and_answered_quickly(broker, api, caplog):
    caplog.set_level(logging.WARNING, logger="nps_project.enqueue")

    reply, seconds = post_interaction(api, "call-1")

    assert reply.status_code == 201, reply.content
    assert seconds < FAST_ENOUGH
    assert reply.json()["invitation"]["status"] == "pending"
    interaction = Interaction.objects.get(external_id="call-1")
    assert interaction.invitation.status == Invitation.Status.PENDING
    assert interaction.invitation.attempts == 0
    assert mail.outbox == []
    assert "Could not enqueue surveys.tasks.deliver_invitation" in caplog.text  # the broker really was down


def test_sweep_sends_the_invitation_once_the_broker_is_back(broker, api):
    post_interaction(api, "call-2")
    invitation = Invitation.objects.get(interaction__external_id="call-2")
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.last_error == NOT_QUEUED  # the database remembers the task never left

    broker.back_up()
    # Beat's next sweep (every 15 s), without waiting for the grace period of lost tasks:
    send_due_invitations.delay()

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
    assert invitation.last_error == ""
    assert mail.outbox[0].to == ["joko@example.com"]


def test_an_invitation_queued_normally_is_left_to_its_task_for_the_grace_period(api):
    """The sweep does not send a second task after one that may still be waiting in the queue."""
    Invitation.objects.all().delete()
    post_interaction(api, "call-queued")  # eager: delivered by its own task at once
    invitation = Invitation.objects.get(interaction__external_id="call-queued")
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.PENDING, sent_at=None)

    assert send_due_invitations.delay().get() == 0
    Invitation.objects.filter(pk=invitation.pk).update(send_after=timezone.now() - timedelta(minutes=3))
    assert send_due_invitations.delay().get() == 1


def test_customer_answer_is_stored_and_thanked(broker, client, caplog):
    invitation = InvitationFactory()
    enqueued: list[bool] = []

    def careful_listener(sender, response, **kwargs):
        enqueued.append(enqueue(send_due_invitations))

    def careless_listener(sender, response, **kwargs):
        deliver_invitation.delay(response.invitation_id)  # raises: the broker is down

    response_submitted.connect(careful_listener, weak=False)
    response_submitted.connect(careless_listener, weak=False)
    try:
        started = time.monotonic()
        answer = client.post(f"/s/{invitation.token}/", {"company_score": "4", "agent_score": "9", "why": "Slow"})
        seconds = time.monotonic() - started
    finally:
        response_submitted.disconnect(careful_listener)
        response_submitted.disconnect(careless_listener)

    assert answer.status_code == 302
    assert answer["Location"] == f"/s/{invitation.token}/thanks/"
    assert seconds < FAST_ENOUGH
    assert client.get(answer["Location"]).status_code == 200
    stored = Response.objects.get()
    assert (stored.company_score, stored.agent_score, stored.why) == (4, 9, "Slow")
    assert enqueued == [False]  # the listener ran, and could not reach the broker
    assert "careless_listener" in caplog.text  # its error was logged, not shown to the customer


def test_enqueue_gives_up_quickly_when_the_broker_refuses(broker):
    started = time.monotonic()

    assert enqueue(send_due_invitations) is False

    assert time.monotonic() - started < 2


def test_report_is_answered_within_the_connect_timeout_when_the_broker_host_is_unreachable(
    unreachable_broker_host, api
):
    reply, seconds = post_interaction(api, "call-3")

    assert reply.status_code == 201, reply.content
    assert seconds < FAST_ENOUGH
    assert Invitation.objects.get(interaction__external_id="call-3").status == Invitation.Status.PENDING


def test_customer_answer_is_thanked_quickly_when_the_redis_host_is_unreachable(unreachable_broker_host, client):
    invitation = InvitationFactory()

    started = time.monotonic()
    answer = client.post(f"/s/{invitation.token}/", {"company_score": "10", "agent_score": "10"})

    assert answer.status_code == 302
    assert time.monotonic() - started < FAST_ENOUGH
    assert Response.objects.filter(invitation=invitation).exists()
