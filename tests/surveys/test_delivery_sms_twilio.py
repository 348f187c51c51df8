"""Invitations by text message through Twilio's Messages API (a local fake over real HTTP)."""

import base64
import re

import pytest
from celery.signals import task_retry

from surveys.delivery.sms import SmsError, TwilioSmsBackend
from surveys.models import Invitation
from tests.surveys.twilio_fake import TwilioFake

pytestmark = pytest.mark.django_db

FROM_NUMBER = "+15005550006"
CUSTOMER_PHONE = "+6281234567890"


@pytest.fixture
def twilio(settings):
    fake = TwilioFake().start()
    settings.SMS_BACKEND = "surveys.delivery.sms.TwilioSmsBackend"
    settings.TWILIO_API_BASE = fake.base_url
    settings.TWILIO_ACCOUNT_SID = fake.account_sid
    settings.TWILIO_AUTH_TOKEN = fake.auth_token
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    yield fake
    fake.stop()


@pytest.fixture
def retry_countdowns():
    """Seconds Celery was told to wait before each retry of a task."""
    countdowns: list[float] = []

    def record(sender, request, reason, **kwargs):
        countdowns.append(reason.when)

    task_retry.connect(record, weak=False)
    yield countdowns
    task_retry.disconnect(record)


@pytest.fixture
def text_customer(api, django_capture_on_commit_callbacks):
    """Report an interaction whose customer has only a phone; return the stored invitation."""

    def post(phone: str = CUSTOMER_PHONE, external_id: str = "call-1") -> tuple[dict, Invitation]:
        with django_capture_on_commit_callbacks(execute=True):
            reply = api.post(
                "/api/v1/interactions/",
                {
                    "external_id": external_id,
                    "channel": "phone",
                    "agent": "a-9",
                    "agent_name": "Rina Wijaya",
                    "customer": {"phone": phone, "language": "id"},
                },
                format="json",
            )
        assert reply.status_code == 201, reply.content
        return reply.json(), Invitation.objects.get(interaction__external_id=external_id)

    return post


def test_twilio_backend_sends_what_twilio_expects_and_returns_the_message_sid(twilio):
    sid = TwilioSmsBackend().send(to=CUSTOMER_PHONE, body="How did Rina do?")

    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    (request,) = twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    scheme, credentials = request.headers["authorization"].split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == f"{twilio.account_sid}:{twilio.auth_token}"
    assert request.form == {"To": CUSTOMER_PHONE, "From": FROM_NUMBER, "Body": "How did Rina do?"}
    (message,) = twilio.messages
    assert (message["sid"], message["status"], message["to"]) == (sid, "queued", CUSTOMER_PHONE)


def test_a_messaging_service_sends_instead_of_a_number(twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "0" * 32

    TwilioSmsBackend().send(to=CUSTOMER_PHONE, body="Hello")

    assert twilio.requests[0].form == {"To": CUSTOMER_PHONE, "MessagingServiceSid": "MG" + "0" * 32, "Body": "Hello"}


def test_customer_with_a_phone_is_texted_the_survey_link(twilio, text_customer):
    body, invitation = text_customer()

    (message,) = twilio.messages
    assert message["to"] == CUSTOMER_PHONE
    assert message["from"] == FROM_NUMBER
    assert body["invitation"]["url"] in message["body"]
    assert "Rina" in message["body"]
    assert invitation.method == "sms"
    assert invitation.status == Invitation.Status.SENT
    assert invitation.sent_at is not None
    assert (invitation.attempts, invitation.last_error) == (1, "")


def test_a_number_twilio_rejects_fails_at_once_and_says_why(twilio, text_customer, retry_countdowns):
    _body, invitation = text_customer(phone="+000 1234")

    assert invitation.status == Invitation.Status.FAILED
    assert invitation.attempts == 1
    assert "21211" in invitation.last_error
    assert "The 'To' number +0001234 is not a valid phone number." in invitation.last_error
    assert [r.status for r in twilio.requests] == [400]
    assert retry_countdowns == []  # retrying cannot fix a bad number


def test_wrong_twilio_credentials_fail_without_retrying(twilio, text_customer, settings, retry_countdowns):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"

    _body, invitation = text_customer()

    assert invitation.status == Invitation.Status.FAILED
    assert "401" in invitation.last_error and "20003" in invitation.last_error
    assert twilio.messages == []
    assert retry_countdowns == []


def test_twilio_outage_is_retried_with_backoff_then_sent(twilio, text_customer, retry_countdowns):
    twilio.fail_next(2, status=500)

    _body, invitation = text_customer()

    assert [r.status for r in twilio.requests] == [500, 500, 201]
    assert retry_countdowns == [30, 60]
    assert invitation.status == Invitation.Status.SENT
    assert invitation.attempts == 3
    assert invitation.last_error == ""  # the success clears the earlier failure
    assert len(twilio.messages) == 1


def test_rate_limited_send_is_retried(twilio, text_customer, retry_countdowns):
    twilio.fail_next(1, status=429)

    _body, invitation = text_customer()

    assert [r.status for r in twilio.requests] == [429, 201]
    assert retry_countdowns == [30]
    assert (invitation.status, invitation.attempts) == (Invitation.Status.SENT, 2)


def test_twilio_down_for_good_ends_failed_after_the_last_retry(twilio, text_customer, retry_countdowns, settings):
    settings.DELIVERY_MAX_RETRIES = 2
    twilio.fail_next(10, status=503)

    _body, invitation = text_customer()

    assert len(twilio.requests) == 3
    assert retry_countdowns == [30, 60]
    assert invitation.status == Invitation.Status.FAILED
    assert invitation.attempts == 3
    assert "503" in invitation.last_error


def test_unconfigured_twilio_is_a_clear_error(settings):
    settings.TWILIO_ACCOUNT_SID = ""

    with pytest.raises(SmsError, match="Twilio is not configured") as raised:
        TwilioSmsBackend()
    assert raised.value.retryable is False
