"""The recovery re-survey: a resolved case asks the customer one 0–10 question again, in
their language, and shows the new score next to the old one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from followups import recovery, services
from followups.models import CaseEvent, FollowUpCase, RecoverySurvey
from followups.tasks import sweep_followups
from surveys import tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolve(answer, sam, django_capture_on_commit_callbacks):
    def make(*, language: str = "en", email: str = "tono@example.com", company: int = 3) -> RecoverySurvey:
        case = FollowUpCase.objects.get(
            response=answer(company, 9, language=language, interaction__customer_email=email)
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.change_status(case, status="resolved", outcome="Refunded", send_recovery=True, by=sam)
        return RecoverySurvey.objects.get(case=case)

    return make


def link(survey: RecoverySurvey) -> str:
    return f"/r/{recovery.token_for(survey.token_nonce)}/"


def test_resolving_with_the_recovery_survey_emails_the_customer(resolve, outbox):
    survey = resolve()

    email = outbox[-1]
    assert email.to == ["tono@example.com"]
    assert email.subject == "One more question from Acme Support"
    assert recovery.recovery_url(survey) in email.body
    survey.refresh_from_db()
    assert survey.sent_at is not None
    assert survey.case.events.filter(kind=CaseEvent.Kind.RECOVERY_SENT, text__contains="tono@example.com").exists()


def test_the_email_and_the_page_speak_the_customer_s_language(client, resolve, outbox):
    survey = resolve(language="id")

    assert outbox[-1].subject == "Satu pertanyaan lagi dari Acme Support"
    page = client.get(link(survey))
    assert page.status_code == 200
    assert page["Content-Language"] == "id"
    html = page.content.decode()
    assert "Seberapa besar kemungkinan Anda merekomendasikan Acme Support" in html
    assert 'name="score"' in html and html.count('type="radio"') == 11


def test_answering_stores_the_new_score_next_to_the_old_one(client, resolve, sam):
    survey = resolve(company=3)

    reply = client.post(link(survey), {"score": "8"})

    assert reply.status_code == 302 and reply["Location"].endswith("/thanks/")
    assert client.get(reply["Location"]).status_code == 200
    survey.refresh_from_db()
    assert survey.score == 8 and survey.answered_at is not None
    assert survey.case.response.company_score == 3  # the original answer is untouched
    client.force_login(sam)
    detail = client.get(f"/dashboard/cases/{survey.case_id}/").content.decode()
    assert "before 3 → after 8" in detail


def test_a_second_answer_is_refused_with_409_and_changes_nothing(client, resolve):
    survey = resolve()
    client.post(link(survey), {"score": "8"})

    again = client.post(link(survey), {"score": "2"})

    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    survey.refresh_from_db()
    assert survey.score == 8
    assert client.get(link(survey)).status_code == 409


@pytest.mark.parametrize("score", ["11", "-1", "eight", ""])
def test_a_score_out_of_range_is_refused_with_400(client, resolve, score):
    survey = resolve()

    reply = client.post(link(survey), {"score": score})

    assert reply.status_code == 400
    assert "Please choose a score from 0 to 10." in reply.content.decode()
    survey.refresh_from_db()
    assert survey.score is None and survey.answered_at is None


@pytest.mark.parametrize("token", ["nope", "A" * 43])
def test_a_bad_token_is_404(client, token):
    reply = client.get(f"/r/{token}/")

    assert reply.status_code == 404
    assert "Link not found" in reply.content.decode()


def test_a_survey_link_does_not_open_a_recovery_page(client, resolve):
    survey = resolve()
    invitation = survey.case.response.invitation

    assert client.get(f"/r/{tokens.token_for(invitation.token_nonce)}/").status_code == 404


def test_an_expired_link_is_410(client, resolve):
    survey = resolve()
    RecoverySurvey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert client.get(link(survey)).status_code == 410
    assert client.post(link(survey), {"score": "9"}).status_code == 410


def test_without_an_email_address_the_case_page_shows_the_link_to_pass_on(client, resolve, sam, outbox):
    survey = resolve(email="")

    assert [email.to for email in outbox] == [["sam@example.com"]]  # the case alert only
    client.force_login(sam)
    detail = client.get(f"/dashboard/cases/{survey.case_id}/").content.decode()
    assert "The customer has no email address: pass this link on." in detail
    assert recovery.recovery_url(survey) in detail


def test_a_resolved_case_can_send_its_recovery_survey_later_but_only_once(
    client, answer, sam, django_capture_on_commit_callbacks, outbox
):
    case = FollowUpCase.objects.get(response=answer(2, 2))
    services.change_status(case, status="resolved", outcome="Apologised", by=sam)
    client.force_login(sam)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/dashboard/cases/{case.pk}/", {"action": "recovery"}).status_code == 302
    again = client.post(f"/dashboard/cases/{case.pk}/", {"action": "recovery"})

    assert again.status_code == 400
    assert "already sent its recovery survey" in again.content.decode()
    assert RecoverySurvey.objects.filter(case=case).count() == 1
    assert outbox[-1].subject == "One more question from Acme Support"


def test_a_recovery_email_held_back_by_a_mail_outage_is_sent_by_the_sweep(
    resolve, mail_server_down, mail_server_back, settings, outbox
):
    settings.DELIVERY_MAX_RETRIES = 1
    survey = resolve()
    survey.refresh_from_db()
    assert survey.sent_at is None and "Email server error" in survey.last_error and survey.attempts == 2

    mail_server_back()
    sweep_followups.delay()

    survey.refresh_from_db()
    assert survey.sent_at is not None and survey.last_error == ""
    assert outbox[-1].to == ["tono@example.com"]
