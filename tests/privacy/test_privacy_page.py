"""The privacy page: admins only; find the customer first, erase only after confirming."""

import pytest

from privacy.models import AuditEntry
from surveys.models import Interaction

pytestmark = pytest.mark.django_db


def test_only_admins_reach_the_privacy_page(client, sam, boss):
    assert client.get("/dashboard/privacy/").status_code == 302  # sign in first

    client.force_login(sam)
    assert client.get("/dashboard/privacy/").status_code == 403
    assert (
        client.post("/dashboard/privacy/", {"email": "ana@example.com", "action": "erase", "confirm": "on"}).status_code
        == 403
    )

    client.force_login(boss)
    assert client.get("/dashboard/privacy/").status_code == 200


def test_find_shows_what_would_change_and_changes_nothing(client, boss, ana):
    client.force_login(boss)

    page = client.post("/dashboard/privacy/", {"email": "ana@example.com", "action": "find"})

    text = page.content.decode()
    assert page.status_code == 200
    assert "2 interactions, 2 answers, 2 with a comment" in text
    assert "Erase personal data" in text
    assert Interaction.objects.filter(customer_email="ana@example.com").count() == 2
    assert not AuditEntry.objects.exists()


def test_erasing_needs_the_confirmation_box(client, boss, ana):
    client.force_login(boss)

    refused = client.post("/dashboard/privacy/", {"email": "ana@example.com", "action": "erase"})

    assert refused.status_code == 400
    assert "Tick the box to confirm the erasure." in refused.content.decode()
    assert Interaction.objects.filter(customer_email="ana@example.com").count() == 2

    done = client.post(
        "/dashboard/privacy/", {"email": "ana@example.com", "action": "erase", "confirm": "on"}, follow=True
    )

    text = done.content.decode()
    assert done.status_code == 200
    assert "Erased: 2 interaction(s) cleared, 2 comment(s) removed." in text
    assert not Interaction.objects.filter(customer_email="ana@example.com").exists()
    entry = AuditEntry.objects.get()
    assert entry.requested_by == boss
    assert entry.identifier_hash[:12] in text and "ana@example.com" not in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give the customer&#x27;s email or phone."),
        ({"email": "ana@example.com", "phone": "+62812"}, "Give the email or the phone, not both"),
        ({"email": "not-an-email"}, "Enter a valid email address."),
    ],
)
def test_bad_input_is_answered_next_to_the_field(client, boss, data, message):
    client.force_login(boss)

    reply = client.post("/dashboard/privacy/", {**data, "action": "find"})

    assert reply.status_code == 400
    assert message in reply.content.decode()
    assert not AuditEntry.objects.exists()
