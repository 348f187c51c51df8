"""Erasure scrubs the customer's email and phone from staff-written free text (case notes and
outcomes, promoter notes) in the spellings people type them, whichever identifier the
erasure was asked for with; numbers and addresses of other people stay."""

import pytest

from followups import services as followups
from followups.models import CaseEvent, PromoterContact
from followups.views_promoters import mark_contacted
from privacy import redaction, services

pytestmark = pytest.mark.django_db

INDONESIAN_SPELLINGS = [
    "+62 812-3456-7890",
    "+6281234567890",
    "62812 3456 7890",
    "6281234567890",
    "0812 3456 7890",
    "081234567890",
    "(0812) 3456-7890",
    "0812.3456.7890",
    "0812-3456-7890",
    "+62 (0)812 3456 7890",
    "0062 812 3456 7890",
    "812 3456 7890",
]
SPANISH_SPELLINGS = [
    "+34 612 34 56 78",
    "+34612345678",
    "0034 612-345-678",
    "34 612 345 678",
    "612 345 678",
    "612.34.56.78",
]


@pytest.fixture
def dewi_case(answer, sam):
    """Dewi answered as a detractor by email; her phone is on the interaction too, and staff
    wrote both into the case in every usual spelling."""
    unhappy = answer(email="Dewi.Lestari@Example.co.id", phone="+6281234567890", company=1, agent_score=2)
    case = followups.open_case_for(unhappy)
    for spelling in INDONESIAN_SPELLINGS:
        followups.add_note(case, f"Rang her on {spelling}, no answer.", by=sam)
    followups.add_note(case, "Mailed DEWI.LESTARI@example.CO.ID and colleague bob@example.com", by=sam)
    followups.add_note(case, "Escalated to the hotline 021 500 808, ticket 6281234567890123", by=sam)
    case.outcome = "Refund sent; she confirmed on (0812) 3456-7890 and dewi.lestari@example.co.id"
    case.save(update_fields=["outcome"])
    return unhappy, case


def _notes(case) -> list[str]:
    return list(
        CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).order_by("pk").values_list("text", flat=True)
    )


@pytest.mark.parametrize("by", ["email", "phone"])
def test_erasure_scrubs_email_and_phone_in_every_spelling_from_case_notes(dewi_case, boss, by):
    _answer, case = dewi_case
    identifier = {"email": "dewi.lestari@example.co.id"} if by == "email" else {"phone": "+62 812 3456 7890"}

    entry = services.erase_customer(**identifier, requested_by=boss)

    notes = _notes(case)
    assert notes[: len(INDONESIAN_SPELLINGS)] == ["Rang her on [erased], no answer."] * len(INDONESIAN_SPELLINGS)
    assert notes[len(INDONESIAN_SPELLINGS)] == "Mailed [erased] and colleague bob@example.com"
    # Other numbers stay, including a longer one that merely contains hers.
    assert notes[-1] == "Escalated to the hotline 021 500 808, ticket 6281234567890123"
    case.refresh_from_db()
    assert case.outcome == "Refund sent; she confirmed on [erased] and [erased]"
    assert entry.counts["case_texts_redacted"] == len(INDONESIAN_SPELLINGS) + 2


def test_erasure_scrubs_promoter_notes(answer, boss, sam):
    happy = answer(email="lucia@example.es", phone="+34612345678", company=10, agent_score=10)
    mark_contacted(
        happy, kind=PromoterContact.Kind.THANKS, by=sam, note="Thanked by phone, 612 34 56 78; LUCIA@example.es"
    )

    entry = services.erase_customer(email="lucia@example.es", requested_by=boss)

    assert PromoterContact.objects.get(response=happy).note == "Thanked by phone, [erased]; [erased]"
    assert entry.counts["promoter_notes_redacted"] == 1


@pytest.mark.parametrize("spelling", SPANISH_SPELLINGS)
def test_spanish_numbers_match_without_a_trunk_prefix(spelling):
    pattern = redaction.contact_pattern(phones=["+34612345678"])
    assert redaction.scrub(f"llamar al {spelling} mañana", pattern, "[x]") == "llamar al [x] mañana"


@pytest.mark.parametrize(
    "phone, spelling",
    [
        ("+14155550123", "(415) 555-0123"),  # North America: trunk prefix 1
        ("+14155550123", "1-415-555-0123"),
        ("+442079460958", "020 7946 0958"),  # UK: trunk prefix 0
        ("+442079460958", "+44 (0)20 7946 0958"),
        ("+390612345678", "06 1234 5678"),  # Italy: the leading 0 belongs to the number
    ],
)
def test_other_countries_use_their_own_country_code_and_trunk_prefix(phone, spelling):
    pattern = redaction.contact_pattern(phones=[phone])
    assert redaction.scrub(f"call {spelling}.", pattern, "[x]") == "call [x]."


def test_other_numbers_are_left_alone():
    pattern = redaction.contact_pattern(phones=["+6281234567890"], emails=["a@example.com"])
    for text in ("0812 3456 7891", "+62 812 3456 789", "16281234567890", "ba@example.com.au x", "order 81234567890123"):
        assert redaction.scrub(text, pattern, "[x]") == text
    assert redaction.contact_pattern() is None
