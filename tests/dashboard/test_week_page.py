"""The Monday view at /dashboard/week/: who may open it, what a supervisor reads (only their
departments, said so), the sentences on real buckets, the cases of the week, the CSV, and
the weekly digest's link to it."""

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from analytics import breakdowns, buckets
from analytics.digest_content import last_complete_week
from analytics.tasks import send_weekly_digests
from followups import services as followups
from followups.models import FollowUpCase
from surveys.models import Interaction, Response
from tests.analytics.champion_data import add_answers
from tests.factories import AgentFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def _noon(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def week():
    return last_complete_week()


@pytest.fixture
def company(week, django_capture_on_commit_callbacks):
    """Billing drops beyond the noise last week, on transferred calls; Claims holds steady.
    One detractor case of each department from last week's answers, both overdue now, and
    one of Billing's from the week before."""
    billing = DepartmentFactory(code="billing", name="Billing")
    claims = DepartmentFactory(code="claims", name="Claims")
    budi = AgentFactory(name="Budi Santoso", external_id="budi-1", department=billing)
    rina = AgentFactory(name="Rina Rookie", external_id="rina-1", department=billing)
    carl = AgentFactory(name="Carl Outsider", external_id="carl-7731", department=claims)
    before, last = _noon(week.previous.start + timedelta(days=2)), _noon(week.start + timedelta(days=2))
    add_answers(budi, [10] * 30, company_scores=[10] * 25 + [3] * 5, when=before)
    add_answers(budi, [3] * 20 + [10] * 10, company_scores=[2] * 20 + [9] * 10, when=last)
    Interaction.objects.filter(agent=budi, occurred_at=last, response__company_score__lt=7).update(transfers=2)
    add_answers(rina, [10, 10], when=before)
    add_answers(rina, [2, 3], company_scores=[2, 3], when=last)
    for when in (before, last):
        add_answers(carl, [9] * 20 + [8] * 5, company_scores=[9] * 20 + [7] * 5, when=when)
    add_answers(carl, [1], company_scores=[1], when=last)
    buckets.rebuild()
    breakdowns.rebuild()
    with django_capture_on_commit_callbacks(execute=True):
        for agent in (budi, carl):
            case = followups.open_case_for(
                Response.objects.filter(agent=agent, occurred_at=last, company_score__lt=7).order_by("pk")[0]
            )
            FollowUpCase.objects.filter(pk=case.pk).update(due_at=last + timedelta(days=1))
        # A case of the week before, still open and not yet due: not one of last week's.
        followups.open_case_for(Response.objects.filter(agent=budi, occurred_at=before, company_score__lt=7)[0])
    return {"billing": billing, "claims": claims, "budi": budi, "carl": carl}


@pytest.fixture
def supervisor(company):
    user = User.objects.create_user("sam", email="sam@example.com", first_name="Sam")
    company["billing"].supervisors.add(user)
    return user


@pytest.fixture
def admin(company):
    return User.objects.create_user("boss", email="boss@example.com", is_staff=True, is_superuser=True)


# --- Who may open it --------------------------------------------------------------------------------


def test_an_agent_is_sent_to_their_own_page_and_a_stranger_to_the_login(client, company):
    assert client.get("/dashboard/week/")["Location"].startswith("/login/")
    user = User.objects.create_user("budi")
    company["budi"].user = user
    company["budi"].save()
    client.force_login(user)
    reply = client.get("/dashboard/week/")
    assert reply.status_code == 302 and reply["Location"] == "/dashboard/me/"


def test_a_user_without_a_role_is_refused(client, company):
    client.force_login(User.objects.create_user("nobody"))
    assert client.get("/dashboard/week/").status_code == 403


def test_a_supervisor_cannot_ask_for_another_department(client, supervisor):
    client.force_login(supervisor)
    assert client.get("/dashboard/week/?department=billing").status_code == 200
    assert client.get("/dashboard/week/?department=claims").status_code == 403


def test_the_nav_links_to_the_monday_view(client, supervisor):
    client.force_login(supervisor)
    html = client.get("/dashboard/").content.decode()
    assert 'href="/dashboard/week/"' in html and "This week" in html


# --- What a supervisor reads ------------------------------------------------------------------------


def test_a_supervisor_reads_their_departments_drop_beyond_the_noise_mostly_on_transfers(client, supervisor, week):
    client.force_login(supervisor)
    reply = client.get("/dashboard/week/")
    html = reply.content.decode()
    assert reply.status_code == 200
    assert f"This week: {week.label}" in html
    assert "Your departments:</strong>" not in html  # the scope is one sentence: "Your departments: Billing."
    assert "Your departments: Billing." in html
    # Billing on the company question (Budi's 30 answers and Rina's 2 each week): 27 promoters
    # and 5 detractors of 32 the week before (+68.75), 10 and 22 last week (−37.5).
    news = html.split('id="news-h"')[1].split("</section>")[0]
    assert "Billing −106 points (" in news
    assert "on the company question against the week before" in news
    assert "mostly on transfers" in news
    # Rina's two answers are too few to tell: listed as such, never among the movers.
    movers = html.split('id="movers-h"')[1].split("</section>")[0]
    assert "Budi Santoso" in movers and "Rina Rookie" not in movers
    assert "1 agent had too few answers to tell" in movers


def test_a_supervisor_never_sees_another_departments_agents_or_figures(client, supervisor):
    client.force_login(supervisor)
    html = client.get("/dashboard/week/").content.decode()
    assert "Carl Outsider" not in html and "carl-7731" not in html and "Claims" not in html
    rows = list(csv.reader(io.StringIO(client.get("/dashboard/week/?format=csv").content.decode("utf-8-sig"))))
    names = {row[2] for row in rows[1:]}
    assert names == {"Your departments", "Billing", "Budi Santoso", "Rina Rookie"}


def test_an_admin_sees_the_whole_company_and_every_department(client, admin):
    client.force_login(admin)
    html = client.get("/dashboard/week/").content.decode()
    assert f"Whole company: {settings.COMPANY_NAME}." in html
    assert "Carl Outsider" in html and "Claims" in html and "Billing −106 points" in html
    # Claims moved within the noise: listed compactly, not as news.
    news = html.split('id="news-h"')[1].split("</section>")[0]
    assert "Claims" in news.split("Within noise")[1]
    assert "Claims" not in news.split("Within noise")[0]


def test_an_admin_narrowed_to_one_department_reads_it_by_name(client, admin):
    client.force_login(admin)
    html = client.get("/dashboard/week/?department=claims").content.decode()
    assert "One department: Claims." in html
    assert "Budi Santoso" not in html


def test_the_cases_of_the_week_and_those_overdue_now_are_counted_for_the_scope(client, supervisor, company):
    client.force_login(supervisor)
    html = client.get("/dashboard/week/").content.decode()
    tile = html.split('class="tile week-cases"')[1].split("</div>")[0]
    assert "from the week's answers, 1 still open" in tile
    assert "1 overdue now" in tile
    overdue = FollowUpCase.objects.get(department=company["billing"], due_at__lt=timezone.now())
    assert f'href="/dashboard/cases/{overdue.pk}/"' in tile
    assert "Carl Outsider" not in tile


def test_the_csv_has_both_questions_both_comparisons_and_the_noise_verdict(client, admin):
    client.force_login(admin)
    reply = client.get("/dashboard/week/?format=csv")
    assert reply.status_code == 200 and reply["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    billing = {row["question"]: row for row in rows if row["level"] == "department" and row["key"] == "billing"}
    assert set(billing) == {"company", "agent"}
    company_question = billing["company"]
    assert company_question["responses"] == "32" and company_question["previous_week_responses"] == "32"
    assert float(company_question["change_vs_previous_week"]) == pytest.approx(-106.2)
    assert float(company_question["change_vs_previous_week_high"]) < 0
    assert company_question["beyond_noise_vs_previous_week"] == "yes"
    assert company_question["baseline_13_weeks_responses"] == "32"


# --- Other weeks --------------------------------------------------------------------------------------


def test_an_earlier_week_opens_by_date_and_a_week_not_over_answers_400(client, admin, week):
    client.force_login(admin)
    earlier = client.get(f"/dashboard/week/?week={week.previous.start + timedelta(days=3)}")
    assert earlier.status_code == 200
    assert f"This week: {week.previous.label}" in earlier.content.decode()
    assert f"week={(week.previous.start + timedelta(days=3)).isoformat()}" in earlier.content.decode()  # CSV link
    assert client.get(f"/dashboard/week/?week={week.end + timedelta(days=1)}").status_code == 400
    assert client.get("/dashboard/week/?week=2026-02-30").status_code == 400


def test_the_weekly_digests_link_to_the_monday_view_of_their_week(supervisor, admin, week, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    for audience in ("admin", "supervisor"):
        send_weekly_digests.delay(audience)
    link = f"{settings.PUBLIC_BASE_URL}/dashboard/week/?week={week.start.isoformat()}"
    assert sorted(email.to[0] for email in mail.outbox) == ["boss@example.com", "sam@example.com"]
    for email in mail.outbox:
        assert link in email.body
        assert link in email.alternatives[0][0]
