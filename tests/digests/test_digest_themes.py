"""Weekly digests name the theme that cost the most points and the one that grew most."""

from datetime import timedelta

from analytics.tasks import send_weekly_digests
from analytics.themes import tagging
from analytics.themes.defaults import ensure_defaults


def test_admin_and_supervisor_digests_name_the_costliest_and_the_growing_theme(boss, sam, budi, answers, week, outbox):
    ensure_defaults()
    before = week.start - timedelta(days=3)
    answers(budi, before, [(9, 9, "friendly agent"), (10, 10, "lovely"), (3, 3, "the refund never came")])
    answers(
        budi,
        week.start + timedelta(days=2),
        [(1, 1, "waited an hour on hold"), (2, 2, "on hold forever"), (10, 10, "great"), (9, 9, "nice agent")],
    )
    tagging.tag_pending()

    send_weekly_digests.delay("admin")
    send_weekly_digests.delay("supervisor")

    assert len(outbox) == 2
    for email in outbox:
        assert "Cost the most: Wait time" in email.body
        assert "Grew most: Wait time: 50 % of comments, +50.0 points" in email.body
        assert "/dashboard/themes/?" in email.body
        assert "Cost the most: Wait time" in email.alternatives[0][0]
