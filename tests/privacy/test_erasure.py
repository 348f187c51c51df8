"""Erasing a customer's personal data on request: contact details, why-text and free-text
answers go, scores stay (so every NPS figure is unchanged), an audit entry records who, when
and how much without keeping the identifier, and asking twice changes nothing more."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from followups.models import CaseEvent, RecoverySurvey
from privacy import services
from privacy.models import AuditEntry
from surveys.models import Interaction, Invitation, Response
from tests.privacy.conftest import derived_snapshot

pytestmark = pytest.mark.django_db


def test_erasing_by_email_removes_personal_data_and_keeps_the_scores(ana, bystander, boss):
    happy, unhappy, case = ana
    bob_before = {
        "interaction": model_to_dict(bystander.interaction),
        "response": model_to_dict(bystander),
    }

    entry = services.erase_customer(email="  Ana@Example.COM ", requested_by=boss)

    for response in (happy, unhappy):
        response.refresh_from_db()
        interaction = response.interaction
        assert (interaction.customer_email, interaction.customer_phone, interaction.customer_name) == ("", "", "")
        assert response.why == ""
        assert interaction.tags == ["refund"] and interaction.handle_seconds == 300  # not personal: kept
    assert (happy.company_score, happy.agent_score, unhappy.company_score, unhappy.agent_score) == (9, 10, 2, 4)
    assert happy.extra_answers == {"csat": 5, "resolved": True}  # free text gone, scores and yes/no kept
    assert unhappy.extra_answers == {"csat": 1}
    assert Invitation.objects.get(pk=unhappy.invitation_id).last_error == ""

    recovery = RecoverySurvey.objects.get(case=case)
    assert recovery.email == ""
    case.refresh_from_db()
    assert case.outcome == "Refunded; confirmed by mail to [erased]"
    texts = list(CaseEvent.objects.filter(case=case).values_list("text", flat=True))
    assert "Left a voicemail; will email [erased] tomorrow" in texts
    assert any("Recovery survey (emailed to [erased])" in text for text in texts)
    assert not any("ana@example.com" in text.lower() for text in texts)

    assert entry.kind == "erasure" and entry.requested_by == boss and entry.via == "dashboard"
    assert entry.identifier_kind == "email"
    assert entry.identifier_hash == services.identifier_hash("email", "ana@example.com")
    assert entry.counts == {
        "comments_removed": 2,
        "extra_answers_cleaned": 1,
        "recovery_surveys": 1,
        "delivery_errors": 1,
        "case_texts_redacted": 4,  # the note, the recovery line, the status line with the outcome, the outcome
        "promoter_notes_redacted": 0,
        "interactions": 2,
    }
    stored = json.dumps(model_to_dict(entry), default=str).lower()
    assert "ana" not in stored.replace(entry.identifier_hash, "")  # no plain identifier anywhere

    bystander.refresh_from_db()
    assert model_to_dict(bystander.interaction) == bob_before["interaction"]
    assert model_to_dict(bystander) == bob_before["response"]


def test_derived_figures_are_the_same_after_erasure(ana, bystander, boss):
    before = derived_snapshot()

    services.erase_customer(email="ana@example.com", requested_by=boss)

    assert derived_snapshot() == before
    assert before["NpsBucket"]  # there was something to compare


def test_erasing_twice_changes_nothing_more_and_is_recorded_again(ana, boss):
    services.erase_customer(email="ana@example.com", requested_by=boss)
    state = [model_to_dict(r) for r in Response.objects.order_by("pk")]

    again = services.erase_customer(email="ana@example.com", requested_by=boss)

    assert set(again.counts.values()) == {0}
    assert [model_to_dict(r) for r in Response.objects.order_by("pk")] == state
    assert AuditEntry.objects.filter(identifier_hash=again.identifier_hash).count() == 2
    assert len(services.preview_erasure(email="ana@example.com").earlier) == 2


def test_erasing_by_phone_matches_however_the_number_is_written(answer, bystander, boss):
    first = answer(phone="+6281234567890", name="Citra", why="Ok")
    second = answer(phone="+6281234567890", email="citra@example.com", why="Good")

    entry = services.erase_customer(phone="+62 812-3456-7890", requested_by=None, via="command")

    assert entry.counts["interactions"] == 2 and entry.identifier_kind == "phone"
    assert (
        Interaction.objects.filter(pk__in=[first.interaction_id, second.interaction_id])
        .filter(customer_phone="", customer_email="", customer_name="")
        .count()
        == 2
    )
    bystander.interaction.refresh_from_db()
    assert bystander.interaction.customer_phone == "+6281111111111"


@pytest.mark.parametrize("identifier", [{}, {"email": "a@example.com", "phone": "+628123"}, {"phone": "no digits"}])
def test_exactly_one_identifier_is_needed(identifier, db):
    with pytest.raises(services.InvalidIdentifier):
        services.erase_customer(**identifier, requested_by=None)
    assert not AuditEntry.objects.exists()


def test_the_command_shows_first_and_erases_with_yes(ana, boss):
    out = StringIO()
    call_command("erase_customer", "--email", "ana@example.com", stdout=out)
    assert "2 interaction(s), 2 answer(s), 2 with a comment" in out.getvalue()
    assert "Dry run" in out.getvalue()
    assert Interaction.objects.filter(customer_email="ana@example.com").count() == 2

    out = StringIO()
    call_command("erase_customer", "--email", "ana@example.com", "--yes", "--by", "boss", stdout=out)

    assert "Erased; audit entry" in out.getvalue()
    assert not Interaction.objects.filter(customer_email="ana@example.com").exists()
    entry = AuditEntry.objects.get()
    assert (entry.via, entry.requested_by) == ("command", boss)
    assert "ana@example.com" not in out.getvalue().split("Erased")[1]
