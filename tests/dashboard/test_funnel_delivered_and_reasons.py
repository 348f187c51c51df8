"""The overview's survey funnel: interactions → invited → delivered (and delivery failed)
→ opened → answered, and a bar per reason customers were not surveyed; all rebuilt from
the raw interactions and invitations."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics import breakdowns
from analytics.dashboard import queries
from analytics.models import FunnelBucket
from surveys.models import Invitation
from tests.dashboard.test_extra_questions_charted import last_90_days
from tests.factories import AgentFactory, InteractionFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db

S = Invitation.Status


@pytest.fixture
def invitations(db):
    agent = AgentFactory()
    when = timezone.now() - timedelta(days=3)

    def invite(**fields):
        return InvitationFactory(interaction=InteractionFactory(agent=agent, occurred_at=when), **fields)

    invite(status=S.SENT)  # delivered, not opened
    invite(status=S.OPENED, opened_at=when)  # delivered and opened
    ResponseFactory(invitation=invite(status=S.ANSWERED, opened_at=when))  # delivered, answered
    invite(status=S.FAILED, sent_at=None, attempts=5)  # delivery failed
    invite(status=S.PENDING, sent_at=None)  # not sent yet
    for reason in ("fatigue", "fatigue", "sample_reached", "not_requested", "too_old", "channel_disabled"):
        invite(status=S.SUPPRESSED, suppressed_reason=reason, sent_at=None)
    InteractionFactory(agent=agent, occurred_at=when)  # no invitation row at all
    breakdowns.rebuild()
    return agent


def test_the_funnel_counts_delivered_failed_and_each_reason(invitations):
    funnel = queries.funnel(last_90_days())
    assert funnel["interactions"] == 12
    assert (funnel["invited"], funnel["delivered"], funnel["failed"]) == (5, 3, 1)
    assert (funnel["opened"], funnel["answered"]) == (2, 1)
    assert funnel["suppressed"] == 6
    assert (funnel["fatigue"], funnel["sample_reached"], funnel["not_requested"]) == (2, 1, 1)
    assert (funnel["too_old"], funnel["channel_disabled"], funnel["survey_inactive"]) == (1, 1, 0)


def test_the_overview_draws_the_steps_and_the_reasons(client, admin_user, invitations):
    client.force_login(admin_user)
    html = client.get("/dashboard/").content.decode()
    assert 'id="funnel-data"' in html and 'id="not-surveyed-data"' in html
    assert "5 invited: 3 delivered, <strong>1 failed</strong>" in html
    assert '<th scope="row">Delivery failed</th><td class="num">1</td>' in html
    assert '<th scope="row">– Customer surveyed recently (fatigue)</th><td class="num">2</td>' in html
    assert "Survey inactive" in html  # listed in the table with 0, left out of the chart


def test_the_failed_step_is_drawn_in_the_colour_of_loss(client, admin_user, invitations):
    from analytics.figures import COLOURS

    client.force_login(admin_user)
    figure = client.get("/dashboard/").context["funnel_figure"]
    bar = figure["data"][0]
    assert bar["type"] == "bar"
    assert bar["y"] == ["Interactions", "Invited", "Delivered", "Delivery failed", "Opened", "Answered"]
    assert bar["x"] == [12, 5, 3, 1, 2, 1]
    assert bar["marker"]["color"][3] == COLOURS["detractor"]
    assert COLOURS["detractor"] not in bar["marker"]["color"][:3] + bar["marker"]["color"][4:]


def test_rebuild_nps_restores_the_funnel_from_the_raw_rows(invitations):
    expected = queries.funnel(last_90_days())
    FunnelBucket.objects.update(delivered=0, failed=0, fatigue=0, sample_reached=0)
    call_command("rebuild_nps", stdout=StringIO())
    assert queries.funnel(last_90_days()) == expected
