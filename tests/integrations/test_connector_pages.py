"""/manage/integrations/: admins create a connector, get its receiving URL, set and rotate its
secret, change its mapping, replay or discard dead letters, delete it; every change is in
the audit log. Nobody else gets in."""

import pytest
from django.utils import timezone

from integrations.models_connectors import Connector, DeadLetter
from privacy.models import ChangeRecord
from surveys.models import Interaction
from tests.factories import DepartmentFactory
from tests.integrations.conftest import ZENDESK_SECRET, path_of, payload, zendesk_signature

pytestmark = pytest.mark.django_db


def post_ticket(client, connector: Connector, name: str):
    body = payload(name)
    stamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.post(
        path_of(connector),
        body,
        content_type="application/json",
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE=zendesk_signature(connector.signing_secret, stamp, body),
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP=stamp,
    )


def options(connector: Connector, **changes) -> dict:
    data = {
        "action": "options",
        "name": connector.name,
        "default_department": connector.default_department_id or "",
        "channel": connector.channel,
        "department_field": connector.department_field,
        "language_field": connector.language_field,
        "fallback_agent": connector.fallback_agent,
        "department_map": "\n".join(f"{k} = {v}" for k, v in connector.department_map.items()),
        "invite": "on" if connector.invite else "",
        "active": "on" if connector.active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


# --- Finding it and creating a connector --------------------------------------------------------


def test_the_admin_area_links_to_integrations_with_the_connectors_heading(staff_client):
    page = staff_client.get("/manage/surveys/").content.decode()
    assert 'href="/manage/integrations/"' in page

    page = staff_client.get("/manage/integrations/").content.decode()
    assert "Connectors (in)" in page
    assert 'aria-current="page">Integrations' in page


def test_an_admin_creates_a_connector_and_gets_its_absolute_url(staff_client, staff_user, settings, survey):
    settings.PUBLIC_BASE_URL = "https://nps.example.com"
    department = DepartmentFactory(code="support", name="Support")

    reply = staff_client.post(
        "/manage/integrations/",
        {
            "name": "Zendesk production",
            "platform": "zendesk",
            "signing_secret": ZENDESK_SECRET,
            "default_department": department.pk,
            "invite": "on",
        },
    )

    connector = Connector.objects.get()
    assert reply.status_code == 302 and reply["Location"] == f"/manage/integrations/connectors/{connector.pk}/"
    assert (connector.platform, connector.signing_secret, connector.invite) == ("zendesk", ZENDESK_SECRET, True)
    assert connector.default_department == department
    record = ChangeRecord.objects.get(action="connector.created")
    assert (record.actor, record.target_id) == (staff_user, str(connector.pk))
    assert ZENDESK_SECRET not in str(record.details)

    page = staff_client.get(reply["Location"]).content.decode()
    assert f"https://nps.example.com/integrations/in/{connector.url_key}/" in page
    assert "{{ticket.assignee.email}}" in page  # the body template to paste into the trigger
    assert ZENDESK_SECRET not in page


def test_a_connector_without_a_name_or_platform_is_not_created(staff_client):
    reply = staff_client.post("/manage/integrations/", {"platform": "genesys"})

    assert reply.status_code == 400
    assert not Connector.objects.exists()
    assert not ChangeRecord.objects.filter(action__startswith="connector.").exists()


# --- Secret, URL, options, deletion ---------------------------------------------------------------


def test_replacing_the_secret_takes_effect_and_is_audited(client, staff_client, zendesk):
    reply = staff_client.post(
        f"/manage/integrations/connectors/{zendesk.pk}/", {"action": "secret", "signing_secret": " new-secret-0123 "}
    )

    assert reply.status_code == 302
    zendesk.refresh_from_db()
    assert zendesk.signing_secret == "new-secret-0123"
    assert ChangeRecord.objects.get(action="connector.secret_rotated").details == {"rotated": "signing_secret"}
    assert post_ticket(client, zendesk, "zendesk_ticket_solved.json").status_code == 201
    page = staff_client.get(f"/manage/integrations/connectors/{zendesk.pk}/").content.decode()
    assert "new-secret-0123" not in page and "…0123" in page


def test_an_empty_secret_is_refused(staff_client, zendesk):
    reply = staff_client.post(f"/manage/integrations/connectors/{zendesk.pk}/", {"action": "secret"})

    assert reply.status_code == 400
    zendesk.refresh_from_db()
    assert zendesk.signing_secret == ZENDESK_SECRET


def test_a_new_receiving_url_retires_the_old_one(client, staff_client, zendesk):
    old_path = path_of(zendesk)

    staff_client.post(f"/manage/integrations/connectors/{zendesk.pk}/new-url/")

    zendesk.refresh_from_db()
    assert path_of(zendesk) != old_path
    assert client.post(old_path, b"{}", content_type="application/json").status_code == 404
    assert post_ticket(client, zendesk, "zendesk_ticket_solved.json").status_code == 201
    assert ChangeRecord.objects.get(action="connector.secret_rotated").details == {"rotated": "receiving_url"}


def test_options_are_saved_and_audited(staff_client, zendesk):
    reply = staff_client.post(
        f"/manage/integrations/connectors/{zendesk.pk}/",
        options(zendesk, channel="email", invite="", department_map="Billing Support = billing\nVIP = vip-care"),
    )

    assert reply.status_code == 302
    zendesk.refresh_from_db()
    assert (zendesk.channel, zendesk.invite) == ("email", False)
    assert zendesk.department_map == {"Billing Support": "billing", "VIP": "vip-care"}
    record = ChangeRecord.objects.get(action="connector.updated")
    assert record.details["invite"] is False and record.details["channel"] == "email"


def test_a_bad_department_mapping_is_refused_with_the_line(staff_client, zendesk):
    reply = staff_client.post(
        f"/manage/integrations/connectors/{zendesk.pk}/", options(zendesk, department_map="Billing = not a code")
    )

    assert reply.status_code == 400
    assert "Line 1" in reply.content.decode()
    zendesk.refresh_from_db()
    assert zendesk.department_map == {}
    assert not ChangeRecord.objects.filter(action__startswith="connector.").exists()


def test_deleting_a_connector_refuses_its_url_and_is_audited(client, staff_client, zendesk):
    path = path_of(zendesk)

    reply = staff_client.post(f"/manage/integrations/connectors/{zendesk.pk}/delete/")

    assert reply.status_code == 302
    assert not Connector.objects.exists()
    assert ChangeRecord.objects.get(action="connector.deleted").target_repr.startswith("Zendesk production")
    assert client.post(path, b"{}", content_type="application/json").status_code == 404


# --- Dead letters -------------------------------------------------------------------------------


def test_a_dead_letter_is_listed_and_replays_once_the_mapping_is_fixed(client, staff_client, zendesk):
    assert post_ticket(client, zendesk, "zendesk_ticket_unassigned.json").status_code == 400
    letter = DeadLetter.objects.get()
    page = staff_client.get(f"/manage/integrations/connectors/{zendesk.pk}/").content.decode()
    assert "No agent in the event" in page and "joe@example.org" in page
    assert "1 waiting" in staff_client.get("/manage/integrations/").content.decode()

    still = staff_client.post(f"/manage/integrations/connectors/{zendesk.pk}/dead-letters/{letter.pk}/replay/")
    assert still.status_code == 302 and not Interaction.objects.exists()
    letter.refresh_from_db()
    assert letter.outcome == "failed" and letter.waiting

    staff_client.post(f"/manage/integrations/connectors/{zendesk.pk}/", options(zendesk, fallback_agent="unassigned"))
    staff_client.post(f"/manage/integrations/connectors/{zendesk.pk}/dead-letters/{letter.pk}/replay/")

    interaction = Interaction.objects.get()
    assert (interaction.source, interaction.external_id, interaction.agent.external_id) == (
        "zendesk",
        "35437",
        "unassigned",
    )
    assert interaction.channel == "email" and interaction.customer_email == "joe@example.org"
    assert interaction.occurred_at.isoformat() == "2026-11-30T09:20:00+00:00"
    letter.refresh_from_db()
    assert (letter.outcome, letter.interaction) == ("stored", interaction)

    staff_client.post(f"/manage/integrations/connectors/{zendesk.pk}/dead-letters/{letter.pk}/replay/")
    assert Interaction.objects.count() == 1
    letter.refresh_from_db()
    assert letter.outcome == "duplicate"


def test_a_dead_letter_can_be_discarded(client, staff_client, zendesk):
    post_ticket(client, zendesk, "zendesk_ticket_unassigned.json")
    letter = DeadLetter.objects.get()

    reply = staff_client.post(f"/manage/integrations/connectors/{zendesk.pk}/dead-letters/{letter.pk}/discard/")

    assert reply.status_code == 302
    assert not DeadLetter.objects.exists()


def test_a_dead_letter_of_another_connector_is_404(staff_client, zendesk, intercom):
    letter = DeadLetter.objects.create(connector=intercom, received_at=timezone.now(), error="x", body="{}")

    reply = staff_client.post(f"/manage/integrations/connectors/{zendesk.pk}/dead-letters/{letter.pk}/discard/")

    assert reply.status_code == 404
    assert DeadLetter.objects.exists()


# --- Admins only --------------------------------------------------------------------------------


@pytest.fixture
def letter(zendesk):
    return DeadLetter.objects.create(connector=zendesk, received_at=timezone.now(), error="No agent", body="{}")


def urls(connector, letter):
    base = f"/manage/integrations/connectors/{connector.pk}"
    return [
        ("get", "/manage/integrations/"),
        ("get", f"{base}/"),
        ("post", "/manage/integrations/"),
        ("post", f"{base}/"),
        ("post", f"{base}/new-url/"),
        ("post", f"{base}/delete/"),
        ("post", f"{base}/dead-letters/{letter.pk}/replay/"),
        ("post", f"{base}/dead-letters/{letter.pk}/discard/"),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, zendesk, letter):
    for method, url in urls(zendesk, letter):
        reply = getattr(client, method)(url, {"name": "Sneaky", "platform": "zendesk"})
        assert reply.status_code == 302 and reply["Location"].startswith("/login/"), url


@pytest.mark.parametrize("role", ["supervisor_client", "agent_client"])
def test_supervisors_and_agents_get_403_and_change_nothing(request, role, zendesk, letter):
    client = request.getfixturevalue(role)
    key = zendesk.url_key
    for method, url in urls(zendesk, letter):
        reply = getattr(client, method)(url, {"action": "secret", "signing_secret": "sneaky", "name": "Sneaky"})
        assert reply.status_code == 403, url
    zendesk.refresh_from_db()
    assert (zendesk.url_key, zendesk.signing_secret, zendesk.name) == (key, ZENDESK_SECRET, "Zendesk production")
    assert Connector.objects.count() == 1 and DeadLetter.objects.count() == 1
    assert not ChangeRecord.objects.filter(action__startswith="connector.").exists()
