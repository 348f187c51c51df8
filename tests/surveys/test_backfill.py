"""Loading history never surveys old customers: `invite: false` and max_invite_age_hours.

Both record the interaction (it counts in coverage and the funnel) without an invitation,
with the reason `not_requested` or `too_old`, on the single and the bulk endpoint alike.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from analytics import breakdowns
from analytics.dashboard import queries
from analytics.dashboard.common import Filters
from surveys.models import Interaction, Invitation, Survey
from surveys.services import default_survey
from tests.surveys.editor_helpers import editor_data

pytestmark = pytest.mark.django_db

SINGLE = "/api/v1/interactions/"
BULK = "/api/v1/interactions/bulk/"


def hours_ago(hours: float) -> str:
    return (timezone.now() - timedelta(hours=hours)).isoformat()


def item(n: int, **fields) -> dict:
    return {"external_id": f"hist-{n}", "channel": "phone", "agent": "a-1", **fields}


def post_single(api, body: dict) -> dict:
    reply = api.post(SINGLE, body, format="json")
    assert reply.status_code == 201, reply.content
    return reply.json()


def post_bulk(api, batch: list[dict]) -> list[dict]:
    reply = api.post(BULK, batch, format="json")
    assert reply.status_code == 200, reply.content
    return [r["body"] for r in reply.json()["results"]]


def last_30_days() -> Filters:
    today = timezone.localdate()
    return Filters(
        since=today - timedelta(days=30),
        until=today,
        department=None,
        channel="",
        question="agent",
        interval="week",
        department_ids=None,
    )


def assert_recorded_not_invited(body: dict, reason: str) -> None:
    assert body["invitation"] is None
    assert body["suppressed_reason"] == reason
    stored = Invitation.objects.get(interaction_id=body["id"])
    assert (stored.status, stored.suppressed_reason, stored.token_hash) == ("suppressed", reason, None)


# --- invite: false ---------------------------------------------------------------------------


def test_invite_false_records_the_interaction_without_inviting_on_the_single_endpoint(
    api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = post_single(api, item(1, invite=False, customer={"email": "sari@example.com"}))

    assert_recorded_not_invited(body, "not_requested")
    assert Interaction.objects.get(pk=body["id"]).customer_email == "sari@example.com"
    assert mail.outbox == []


def test_invite_false_per_item_in_a_bulk_request(api, django_capture_on_commit_callbacks):
    batch = [
        item(1, invite=False, customer={"email": "a@example.com"}),
        item(2, customer={"email": "b@example.com"}),
        item(3, invite=False, customer={"phone": "+62 812 0000 0003"}),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        bodies = post_bulk(api, batch)

    assert_recorded_not_invited(bodies[0], "not_requested")
    assert bodies[1]["suppressed_reason"] is None and bodies[1]["invitation"]["url"]
    assert Invitation.objects.get(interaction_id=bodies[1]["id"]).status == "sent"
    assert_recorded_not_invited(bodies[2], "not_requested")
    assert [m.to for m in mail.outbox] == [["b@example.com"]]


def test_invite_must_be_a_boolean(api):
    reply = api.post(SINGLE, item(1, invite="maybe"), format="json")

    assert reply.status_code == 400
    assert set(reply.json()) == {"invite"}
    assert not Interaction.objects.exists()


def test_a_not_requested_interaction_does_not_wear_the_customer_out(api):
    """Only real invitations start the fatigue window."""
    post_single(api, item(1, invite=False, customer={"email": "sari@example.com"}))

    later = post_single(api, item(2, customer={"email": "sari@example.com"}))

    assert later["suppressed_reason"] is None


# --- max_invite_age_hours --------------------------------------------------------------------


def test_an_interaction_older_than_72_hours_is_recorded_but_never_invited(api, django_capture_on_commit_callbacks):
    assert default_survey().max_invite_age_hours == 72
    with django_capture_on_commit_callbacks(execute=True):
        old = post_single(api, item(1, occurred_at=hours_ago(73), customer={"email": "old@example.com"}))
        recent = post_single(api, item(2, occurred_at=hours_ago(71), customer={"email": "new@example.com"}))

    assert_recorded_not_invited(old, "too_old")
    assert recent["suppressed_reason"] is None
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_a_backfill_in_bulk_invites_only_what_is_recent(api, django_capture_on_commit_callbacks):
    batch = [item(n, occurred_at=hours_ago(24 * (n + 1)), customer={"email": f"c{n}@example.com"}) for n in range(6)]

    with django_capture_on_commit_callbacks(execute=True):
        bodies = post_bulk(api, batch)

    assert [b["suppressed_reason"] for b in bodies] == [None, None, "too_old", "too_old", "too_old", "too_old"]
    assert sorted(m.to[0] for m in mail.outbox) == ["c0@example.com", "c1@example.com"]


def test_the_age_limit_is_the_surveys_own(api):
    survey = default_survey()
    survey.max_invite_age_hours = 2
    survey.save()

    bodies = post_bulk(api, [item(1, occurred_at=hours_ago(3)), item(2, occurred_at=hours_ago(1))])

    assert [b["suppressed_reason"] for b in bodies] == ["too_old", None]


def test_an_age_limit_of_0_invites_whatever_the_age(api):
    Survey.objects.filter(pk=default_survey().pk).update(max_invite_age_hours=0)

    body = post_single(api, item(1, occurred_at=hours_ago(24 * 300)))

    assert body["suppressed_reason"] is None


def test_not_requested_wins_over_too_old(api):
    body = post_single(api, item(1, invite=False, occurred_at=hours_ago(24 * 30)))

    assert body["suppressed_reason"] == "not_requested"


def test_a_replay_of_a_suppressed_interaction_answers_the_same_body(api):
    first = post_single(api, item(1, occurred_at=hours_ago(100)))

    again = api.post(SINGLE, item(1, occurred_at=hours_ago(1)), format="json")

    assert again.status_code == 200
    assert again.json() == first


# --- The survey editor -----------------------------------------------------------------------


def test_an_admin_sets_the_age_limit_in_the_survey_editor(staff_client, api):
    survey = default_survey()
    path = f"/manage/surveys/{survey.pk}/"
    page = staff_client.get(path).content.decode()
    assert 'name="max_invite_age_hours"' in page
    assert "never surveys old customers" in page

    data = editor_data(staff_client, path)
    assert data["max_invite_age_hours"] == "72"
    data["max_invite_age_hours"] = "24"
    reply = staff_client.post(path, data)

    assert reply.status_code == 302, reply.content.decode()[:2000]
    survey.refresh_from_db()
    assert survey.max_invite_age_hours == 24
    assert post_single(api, item(1, occurred_at=hours_ago(25)))["suppressed_reason"] == "too_old"


def test_a_negative_age_limit_is_refused_with_a_message(staff_client):
    survey = default_survey()
    path = f"/manage/surveys/{survey.pk}/"
    data = editor_data(staff_client, path)
    data["max_invite_age_hours"] = "-1"

    reply = staff_client.post(path, data)

    assert reply.status_code == 400
    assert "The age limit cannot be negative" in reply.content.decode()
    survey.refresh_from_db()
    assert survey.max_invite_age_hours == 72


# --- Coverage and the funnel count them as not surveyed ----------------------------------------


def test_the_funnel_counts_them_as_not_surveyed_with_their_reason_never_as_invited(api, admin_user, client):
    post_bulk(
        api,
        [
            item(1, occurred_at=hours_ago(1)),
            item(2, occurred_at=hours_ago(2), invite=False),
            item(3, occurred_at=hours_ago(24 * 5)),
            item(4, occurred_at=hours_ago(24 * 6)),
        ],
    )
    breakdowns.rebuild()

    funnel = queries.funnel(last_30_days())

    assert funnel["interactions"] == 4
    assert funnel["invited"] == 1
    assert (funnel["suppressed"], funnel["not_requested"], funnel["too_old"]) == (3, 1, 2)
    client.force_login(admin_user)
    html = client.get("/dashboard/").content.decode()
    assert "3 not surveyed: 1 not requested (recorded without an invitation); 2 too old to invite" in html
    assert '<th scope="row">Invited</th><td class="num">1</td>' in html


def test_agent_coverage_counts_backfilled_interactions(api):
    post_bulk(api, [item(n, occurred_at=hours_ago(24 * 4 + n)) for n in range(3)] + [item(9)])
    breakdowns.rebuild()

    rows = queries.funnel_by_agent(last_30_days())

    (row,) = rows.values()
    assert (row["interactions"], row["invited"], row["answered"]) == (4, 1, 0)
