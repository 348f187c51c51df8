"""Score histogram, survey funnel and drivers are rebuilt from the raw rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import breakdowns
from analytics.buckets import local_day
from analytics.models import DriverBucket, FunnelBucket, ScoreHistogram
from surveys.models import Invitation
from tests.factories import AgentFactory, InteractionFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db


def test_histogram_funnel_and_drivers_count_what_happened():
    agent = AgentFactory()
    when = timezone.now() - timedelta(days=3)
    day = local_day(when)

    def interaction(**kwargs):
        return InteractionFactory(agent=agent, occurred_at=when, channel="chat", **kwargs)

    ResponseFactory(
        invitation=InvitationFactory(
            status=Invitation.Status.ANSWERED,
            interaction=interaction(handle_seconds=100, transfers=0, resolved=True, tags=["refund", "billing"]),
        ),
        company_score=10,
        agent_score=9,
    )
    ResponseFactory(
        invitation=InvitationFactory(
            status=Invitation.Status.ANSWERED,
            interaction=interaction(handle_seconds=1500, transfers=3, resolved=False, tags=["refund"]),
        ),
        company_score=3,
        agent_score=6,
    )
    InvitationFactory(interaction=interaction(), opened_at=when)  # opened, not answered
    InvitationFactory(interaction=interaction(), status=Invitation.Status.SUPPRESSED, suppressed_reason="fatigue")
    interaction()  # no invitation row at all (e.g. posted before the survey loop existed)

    breakdowns.rebuild()

    histogram = ScoreHistogram.objects.get(day=day, department_key=agent.department_id, channel="chat")
    assert [getattr(histogram, f"company_{s}") for s in range(11)] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    assert [getattr(histogram, f"agent_{s}") for s in range(11)] == [0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]

    funnel = FunnelBucket.objects.get(grain="day", day=day, agent_key=agent.pk)
    assert (funnel.interactions, funnel.suppressed, funnel.invited, funnel.opened, funnel.answered) == (5, 1, 3, 3, 2)

    def driver(dimension, value):
        row = DriverBucket.objects.get(grain="day", dimension=dimension, value=value, day=day)
        return (row.agent_promoters, row.agent_passives, row.agent_detractors, row.responses)

    assert driver("handle_time", "under 3 min") == (1, 0, 0, 1)
    assert driver("handle_time", "over 20 min") == (0, 0, 1, 1)
    assert driver("transfers", "3+") == (0, 0, 1, 1)
    assert driver("resolved", "unresolved") == (0, 0, 1, 1)
    assert driver("tag", "refund") == (1, 0, 1, 2)
    assert driver("tag", "billing") == (1, 0, 0, 1)

    month = FunnelBucket.objects.get(grain="month", day=day.replace(day=1), agent_key=agent.pk)
    assert (month.interactions, month.answered) == (5, 2)

    assert breakdowns.rebuild(since=day, until=day).written == 0  # rebuilding again changes nothing
    assert DriverBucket.objects.filter(grain="day", dimension="tag").count() == 2
    tag_month = DriverBucket.objects.get(grain="month", dimension="tag", value="refund", day=day.replace(day=1))
    assert (tag_month.agent_promoters, tag_month.agent_detractors, tag_month.responses) == (1, 1, 2)


def test_a_ranged_rebuild_repairs_only_its_days_and_refreshes_the_funnel_months():
    agent = AgentFactory()
    now = timezone.now()
    days = [now - timedelta(days=70), now - timedelta(days=3)]  # two different months
    for when in days:
        ResponseFactory(
            invitation=InvitationFactory(
                status=Invitation.Status.ANSWERED,
                interaction=InteractionFactory(agent=agent, occurred_at=when, channel="chat"),
            ),
            company_score=9,
            agent_score=9,
        )
    breakdowns.rebuild()
    recent, old = local_day(days[1]), local_day(days[0])
    FunnelBucket.objects.filter(grain="day").update(answered=7)  # drift on both days
    FunnelBucket.objects.filter(grain="month").update(answered=99)
    ScoreHistogram.objects.filter(day=recent).delete()

    result = breakdowns.rebuild(since=recent, until=recent)

    assert FunnelBucket.objects.get(grain="day", day=recent).answered == 1
    assert FunnelBucket.objects.get(grain="day", day=old).answered == 7  # outside the range: untouched
    assert ScoreHistogram.objects.filter(day=recent).count() == 1
    # The month of the rebuilt day is summed again from its day rows, as stored.
    month = FunnelBucket.objects.get(grain="month", day=recent.replace(day=1))
    expected = sum(
        FunnelBucket.objects.filter(grain="day", day__gte=month.day, day__lt=recent + timedelta(days=1)).values_list(
            "answered", flat=True
        )
    )
    assert month.answered == expected
    assert FunnelBucket.objects.get(grain="month", day=old.replace(day=1)).answered == 99  # another month
    assert result.written == 3  # the funnel day row, the histogram row, the funnel month row
