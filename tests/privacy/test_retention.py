"""Retention: why-text and contact data of interactions older than RETENTION_MONTHS are
anonymised (by when the interaction happened), in batches, with an audit entry; recent data
and every score stay as they were."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from privacy import services
from privacy.models import AuditEntry
from privacy.tasks import apply_retention
from surveys.models import Response
from tests.privacy.conftest import derived_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(answer):
    now = timezone.now()
    old = [
        answer(email=f"old{i}@example.com", phone=f"+62811000000{i}", name=f"Old {i}", why=f"Old comment {i}",
               extra={"csat": 2, "text": "free text"}, occurred_at=now - timedelta(days=400 + i), company=i)
        for i in range(5)
    ]  # fmt: skip
    old.append(answer(email="quiet@example.com", occurred_at=now - timedelta(days=380)))  # no why
    recent = [
        answer(email="new@example.com", name="New", why="Recent comment", extra={"text": "keep"},
               occurred_at=now - timedelta(days=20)),
        answer(phone="+6282222222222", why="Also recent", occurred_at=now - timedelta(days=330)),
    ]  # fmt: skip
    return old, recent


def test_old_data_is_anonymised_recent_data_untouched(history):
    old, recent = history
    before = derived_snapshot()
    recent_before = [
        (r.why, r.extra_answers, r.interaction.customer_email, r.interaction.customer_phone) for r in recent
    ]

    entry = services.anonymise_older_than(12, batch_size=2)

    for response in old:
        response.refresh_from_db()
        interaction = response.interaction
        assert response.why == ""
        assert (interaction.customer_email, interaction.customer_phone, interaction.customer_name) == ("", "", "")
    assert [r.company_score for r in old] == [0, 1, 2, 3, 4, 9]  # scores kept
    assert all(r.extra_answers == {"csat": 2} for r in old[:5])
    for response, expected in zip(recent, recent_before, strict=True):
        response.refresh_from_db()
        response.interaction.refresh_from_db()
        assert (
            response.why,
            response.extra_answers,
            response.interaction.customer_email,
            response.interaction.customer_phone,
        ) == expected

    assert entry.kind == "retention" and entry.months == 12 and entry.via == "schedule"
    assert entry.counts == {
        "comments_removed": 5,
        "extra_answers_cleaned": 5,
        "interactions": 6,
        "delivery_errors": 0,
        "recovery_surveys": 0,
        "case_texts_redacted": 0,
    }
    assert entry.cutoff < timezone.now() - timedelta(days=364)
    assert derived_snapshot() == before  # scores kept: every figure the same


def test_a_second_run_changes_nothing(history):
    services.anonymise_older_than(12)
    state = list(Response.objects.order_by("pk").values())

    again = services.anonymise_older_than(12)

    assert set(again.counts.values()) == {0}
    assert list(Response.objects.order_by("pk").values()) == state
    assert AuditEntry.objects.filter(kind="retention").count() == 2


def test_the_daily_task_follows_the_setting_and_zero_keeps_everything(history, settings):
    settings.RETENTION_MONTHS = 0
    assert apply_retention.delay().get() == {}
    assert not AuditEntry.objects.exists()
    assert Response.objects.exclude(why="").count() == 7

    settings.RETENTION_MONTHS = 12
    counts = apply_retention.delay().get()

    assert counts["comments_removed"] == 5
    assert Response.objects.exclude(why="").count() == 2


def test_the_command_anonymises_with_its_own_months(history, settings):
    settings.RETENTION_MONTHS = 0
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert "Retention is off" in out.getvalue()

    out = StringIO()
    call_command("apply_retention", "--months", "10", stdout=out)

    assert "comments removed 6" in out.getvalue()  # 330 days ago is older than 10 months too
    assert AuditEntry.objects.get().via == "command"


def test_months_are_calendar_months():
    assert services.months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert services.months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert services.months_before(date(2025, 1, 15), 13) == date(2023, 12, 15)
    assert services.months_before(date(2025, 5, 10), 0) == date(2025, 5, 10)
