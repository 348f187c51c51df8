"""The scoping walk: a supervisor of one department opens every page, CSV and API endpoint
of the project, and reads every email they get, and never meets an agent of another
department by name or external id (those agents may only appear as counts).

Every URL pattern is taken from Django's resolver, so a page added later is walked without
anyone remembering to add it here. A pattern with path parameters is filled with the ids of
objects the supervisor may and may not see (FILLERS); a pattern that cannot be filled must
say why in UNWALKED, otherwise the walk fails and names it.
"""

import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from agents.models import Agent
from agents.roles import ADMIN, Viewer
from analytics import breakdowns, buckets, champions, digests, plan_tracking
from analytics.digest_content import last_complete_week
from analytics.models import DigestAudience, PlanAction, WeeklyDigest
from followups import alerts as followup_alerts
from followups import services as followups
from followups.models import CaseAlertMode, CoachingGoal, CoachingNote, FollowUpCase, Kudos, NotificationPreference
from integrations.models import Connector, WebhookSubscription
from surveys.models import ApiToken, Response, Survey
from surveys.services_tokens import create_api_token
from tests.analytics.champion_data import add_answers, concentrated_company

pytestmark = pytest.mark.usefixtures("postgres")

User = get_user_model()

# Patterns the walk cannot fill, each with its reason. Everything else must be walked.
UNWALKED = {
    "survey-page": "public: one customer's own survey link (a secret token); no dashboard data",
    "survey-thanks": "public: one customer's own survey link (a secret token); no dashboard data",
    "recovery-page": "public: one customer's recovery re-survey link (a secret token)",
    "recovery-thanks": "public: one customer's recovery re-survey link (a secret token)",
    "connector-receive": "machine endpoint: a platform POSTs signed events to a secret key; no page",
    "password_reset_confirm": "public: a one-time password-reset link (a secret token); no dashboard data",
    "break-glass": "public: a one-time break-glass sign-in link (a secret token) printed by manage.py",
}
UNWALKED_NAMESPACES = {
    "admin": "Django admin: staff only; a supervisor is sent to its login (checked in the walk)",
}

# Query strings tried on every walked URL (besides none): the CSV a page offers, and the
# parameters that regroup or widen what a page or endpoint shows.
PAGE_QUERIES = [
    {"format": "csv"},
    {"download": "1"},
    {"question": "company", "interval": "month", "status": "all", "show": "all", "category": "detractor"},
]
API_QUERIES = [
    {"format": "csv"},
    {"group_by": "agent"},
    {"group_by": "agent", "question": "company"},
    {"group_by": "department"},
    {"group_by": "company"},
    {"top_n": "200", "min_responses": "1"},
    {"page_size": "1000"},
]


# --- The data: Billing (the supervisor's) and three other departments ---------------------------


def _answers_on(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def company(django_capture_on_commit_callbacks, settings) -> dict:
    """The concentrated company of the champion tests (15 of the top 20 in Retention, Billing
    with the low scorers the plan pairs them with), plus agents with distinctive names,
    answers with comments in last week, detractor cases with notes in both sides, promoters,
    a supervisor of Billing and an admin."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CHAMPION_MIN_RESPONSES = 10
    settings.DIGEST_AGENT_MIN_RESPONSES = 5
    departments = concentrated_company()
    billing, retention, claims = departments["billing"], departments["retention"], departments["claims"]
    supervisor = User.objects.create_user("walker", email="walker@example.com", first_name="Wanda")
    billing.supervisors.add(supervisor)
    User.objects.create_user("root", email="root@example.com", is_staff=True, is_superuser=True)
    NotificationPreference.objects.create(user=supervisor, case_alerts=CaseAlertMode.IMMEDIATE)

    week = last_complete_week()
    last_week = _answers_on(week.start + timedelta(days=2))
    zebulon = Agent.objects.create(external_id="zeb-outsider-7731", name="Zebulon Outsider", department=retention)
    xiomara = Agent.objects.create(external_id="xio-faraway-5520", name="Xiomara Faraway", department=claims)
    insider = Agent.objects.create(external_id="bud-insider-1002", name="Budi Insider", department=billing)
    add_answers(zebulon, [10] * 14, when=last_week)
    add_answers(xiomara, [9] * 6 + [2] * 6, company_scores=[9] * 6 + [1] * 6, when=last_week)
    add_answers(insider, [10] * 4 + [3] * 4 + [8] * 4, when=last_week)
    Response.objects.filter(agent=zebulon).update(why="Zebulon Outsider was wonderful, thank Zebulon")
    Response.objects.filter(agent=xiomara).update(why="Xiomara Faraway hung up on me")
    Response.objects.filter(agent=insider).update(why="Budi Insider helped a lot")
    ensure_contact = {"customer_email": "someone@example.com", "customer_phone": "+6281234567890"}
    for response in Response.objects.filter(agent__in=[xiomara, insider]).select_related("interaction"):
        for name, value in ensure_contact.items():
            setattr(response.interaction, name, value)
        response.interaction.save(update_fields=list(ensure_contact))

    with django_capture_on_commit_callbacks(execute=True):
        for response in Response.objects.filter(agent__in=[xiomara, insider], agent_score__lte=6)[:6]:
            case = followups.open_case_for(response)
            followups.add_note(case, f"Called back about {response.agent.name}", by=supervisor)
    buckets.rebuild()
    breakdowns.rebuild()
    snapshot = champions.refresh_snapshot()
    _accept_plan_items(snapshot.data["plan"], by=User.objects.get(username="root"))
    _coaching(supervisor, insider=insider, outsider=zebulon)

    survey = Survey.objects.first()
    create_api_token(name="walk-token")
    connector = Connector.objects.create(name="Zendesk", platform="zendesk")
    webhook = WebhookSubscription.objects.create(url="https://crm.example.com/hooks", events=["case.opened"])
    outsiders = Agent.objects.exclude(department=billing)
    forbidden = sorted({a.name for a in outsiders} | {a.external_id for a in outsiders})
    assert "Zebulon Outsider" in forbidden and len(forbidden) > 100
    return {
        "supervisor": supervisor,
        "week": week,
        "forbidden": forbidden,
        "own_agent": insider,
        "outsider_key": zebulon.external_id,
        "fill": _fillers(
            billing=billing, others=[retention, claims], survey=survey, connector=connector, webhook=webhook
        )
        | {"dashboard-digest-unsubscribe": [{"token": digests.unsubscribe_token(supervisor)}]},
    }


def _accept_plan_items(plan: list[dict], *, by) -> None:
    """Tracked plan items on the champions page and API: a move into Billing (the champion
    becomes Billing's), a pairing of a Retention champion with a Billing agent (shown to the
    supervisor as "an agent in Retention"), a pairing elsewhere (not shown at all)."""
    admin = Viewer(role=ADMIN)
    move = next(i for i in plan if i["action"] == "move" and i["target_department"] == "billing")
    pair = next(i for i in plan if i["action"] == "pair" and i["target_department"] == "billing")
    elsewhere = next(i for i in plan if i["target_department"] not in ("billing", move["from_department"]))
    for item in (move, pair, elsewhere):
        plan_tracking.accept(
            plan=plan, key=plan_tracking.item_key(item), start=timezone.localdate(), viewer=admin, by=by, request=None
        )


def _coaching(supervisor, *, insider: Agent, outsider: Agent) -> None:
    """A note, a goal and kudos on an agent of Billing and on one of Retention; the outsider's
    note names them (a supervisor of Billing must never read it)."""
    now, today = timezone.now(), timezone.localdate()
    for agent in (insider, outsider):
        CoachingNote.objects.create(agent=agent, author=None, created_at=now, text=f"Listened with {agent.name}")
        CoachingGoal.objects.create(
            agent=agent,
            created_at=now,
            kind="nps",
            target_nps=40,
            starts_on=today,
            due_on=today + timedelta(days=30),
            note=f"Goal for {agent.name}",
        )
        promoter = Response.objects.filter(agent=agent, agent_score__gte=9).exclude(why="").first()
        Kudos.objects.create(agent=agent, response=promoter, sent_at=now, message=f"Well done {agent.name}")


def _fillers(*, billing, others, survey, connector, webhook) -> dict[str, list[dict]]:
    """Path parameters per URL name: objects the supervisor may see, then ones they may not."""
    own_agents = list(Agent.objects.filter(department=billing).order_by("pk")[:2])
    other_agents = list(Agent.objects.filter(department__in=others).order_by("-pk")[:2])
    own_cases = list(FollowUpCase.objects.filter(department=billing)[:1])
    other_cases = list(FollowUpCase.objects.exclude(department=billing)[:1])
    promoters = [
        Response.objects.filter(department=billing, agent_score__gte=9, company_score__gte=9).first(),
        Response.objects.exclude(department=billing).filter(agent_score__gte=9, company_score__gte=9).first(),
    ]
    departments = [billing, *others]
    users = list(User.objects.order_by("pk"))
    tokens = list(ApiToken.objects.all())
    return {
        "dashboard-agent": [{"pk": a.pk} for a in own_agents + other_agents],
        "dashboard-case": [{"pk": c.pk} for c in own_cases + other_cases],
        "dashboard-promoter-thank": [{"pk": r.pk} for r in promoters],
        **{
            name: [{"pk": a.pk} for a in own_agents + other_agents]
            for name in (
                "dashboard-coaching-agent",
                "dashboard-coaching-note",
                "dashboard-coaching-goal",
                "dashboard-coaching-kudos",
            )
        },
        "dashboard-coaching-goal-close": [
            {"goal_pk": g.pk} for g in CoachingGoal.objects.order_by("agent__department__code", "pk")
        ],
        "manage-department": [{"pk": d.pk} for d in departments],
        "manage-agent": [{"pk": a.pk} for a in own_agents + other_agents],
        "manage-user": [{"pk": u.pk} for u in users],
        "manage-token-revoke": [{"pk": t.pk} for t in tokens],
        "manage-connector": [{"pk": connector.pk}],
        "manage-connector-rotate-url": [{"pk": connector.pk}],
        "manage-connector-delete": [{"pk": connector.pk}],
        "manage-connector-replay": [{"pk": connector.pk, "letter": 1}],
        "manage-connector-discard": [{"pk": connector.pk, "letter": 1}],
        "manage-webhook-delete": [{"pk": webhook.pk}],
        "manage-webhook-test": [{"pk": webhook.pk}],
        "manage-webhook-replay": [{"pk": 1}],
        "api-webhook": [{"pk": webhook.pk}],
        "dashboard-champions-stop": [{"pk": a.pk} for a in PlanAction.objects.order_by("pk")],
        # Admin-only pages: a supervisor must get 403 whatever the object (1 may or may not exist).
        **{
            name: [{"pk": 1}]
            for name in (
                "manage-theme",
                "manage-sso-group",
                "manage-sso-group-delete",
                "manage-import-job",
                "manage-import-status",
                "manage-import-rows",
                "manage-alert-rule",
                "manage-alert-rule-delete",
            )
        },
        **{
            name: [{"pk": survey.pk}]
            for name in (
                "manage-survey-edit",
                "manage-survey-preview",
                "manage-survey-versions",
                "manage-survey-duplicate",
                "manage-survey-active",
                "manage-survey-default",
            )
        },
    }


# --- Walking the resolver -----------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


def url_patterns() -> Iterator[tuple[str, str, str | None]]:
    """(route, name, namespace) of every pattern, routes joined from the root."""

    def walk(patterns, prefix: str, namespace: str | None):
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + route, entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                yield prefix + route, entry.name or "", namespace

    yield from walk(get_resolver().url_patterns, "", None)


def fill(route: str, values: dict) -> str:
    return "/" + PARAMETER.sub(lambda m: str(values[m.group("name")]), route)


def plan_walk(fillers: dict[str, list[dict]]) -> tuple[list[str], list[str]]:
    """The URLs to walk, and the patterns nobody knows how to fill (the walk fails on those)."""
    urls, unknown = [], []
    for route, name, namespace in url_patterns():
        if namespace in UNWALKED_NAMESPACES or name in UNWALKED:
            continue
        if route.startswith("^") or "(?P<" in route:
            unknown.append(f"{route} ({name}): a regular expression route")
        elif not PARAMETER.search(route):
            urls.append(fill(route, {}))
        elif name in fillers:
            urls.extend(fill(route, values) for values in fillers[name])
        else:
            unknown.append(f"{route} ({name or 'unnamed'}): add a filler or a reason to UNWALKED")
    return urls, unknown


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def leaks(text: str, forbidden: list[str]) -> list[str]:
    lowered = text.lower()
    found = []
    for word in forbidden:
        at = lowered.find(word.lower())
        if at >= 0:
            found.append(f"{word!r} in …{text[max(0, at - 80) : at + len(word) + 40]!r}…")
    return found


# --- The walk -----------------------------------------------------------------------------------


def test_supervisor_meets_no_other_departments_agent_on_any_page_csv_or_api(client, company):
    supervisor, forbidden = company["supervisor"], company["forbidden"]
    urls, unknown = plan_walk(company["fill"])
    assert not unknown, "URL patterns the scoping walk cannot fill:\n" + "\n".join(unknown)

    client.force_login(supervisor)
    wide = {"since": (company["week"].start - timedelta(days=700)).isoformat()}
    walked, found = [], []
    for url in urls:
        queries = API_QUERIES if url.startswith("/api/v1/") else PAGE_QUERIES
        for query in [{}, wide, *queries, *({**q, **wide} for q in queries)]:
            target = f"{url}?{urlencode(query)}" if query else url
            if "_auth_user_id" not in client.session:
                client.force_login(supervisor)
            response = client.get(target)
            assert response.status_code < 500, f"{target} answered {response.status_code}"
            walked.append((target, response.status_code))
            if 200 <= response.status_code < 300:
                found += [f"{target}: {leak}" for leak in leaks(body_of(response), forbidden)]
        # Asking for another department's agent by id: the id may be echoed, the name never.
        probe = f"{url}?{urlencode({'agent': company['outsider_key'], **wide})}"
        response = client.get(probe)
        assert response.status_code < 500, f"{probe} answered {response.status_code}"
        if 200 <= response.status_code < 300:
            names = [word for word in forbidden if " " in word]
            found += [f"{probe}: {leak}" for leak in leaks(body_of(response), names)]
    assert not found, "Other departments' agents shown to a supervisor:\n" + "\n".join(found[:40])
    print(f"scoping walk: {len(urls)} URLs, {len(walked)} requests, {len(found)} leaks")

    ok = {target for target, status in walked if status == 200}
    # The walk really saw the pages (not only refusals): the supervisor's own figures are there.
    for must in ("/dashboard/", "/dashboard/agents/", "/dashboard/champions/", "/api/v1/nps/?group_by=agent"):
        assert must in ok, f"{must} was not shown to the supervisor"
    own = client.get("/api/v1/nps/?group_by=agent").json()
    assert company["own_agent"].external_id in {row["key"] for row in own}
    champions_page = body_of(client.get("/dashboard/champions/"))
    assert "Retention" in champions_page  # other departments stay there, as counts
    # The tracked plan items were walked: Billing's own, and a Retention champion as a count.
    assert "Accepted plan items: did they work?" in champions_page and "an agent in Retention" in champions_page
    assert client.get("/admin/").status_code == 302  # the unwalked namespace refuses them


def test_the_walk_would_see_a_leak(client, company):
    """The detector is not blind: an admin, who may see everyone, meets them on the same pages."""
    client.force_login(User.objects.get(username="root"))
    for url in ("/dashboard/agents/?format=csv", "/dashboard/champions/", "/api/v1/nps/?group_by=agent"):
        assert leaks(body_of(client.get(url)), company["forbidden"]), url


def test_every_unwalked_pattern_still_exists():
    """UNWALKED must not hide a renamed page: each name listed is a real pattern."""
    names = {name for _route, name, _ns in url_patterns()}
    assert set(UNWALKED) <= names


# --- Emails -------------------------------------------------------------------------------------


def test_supervisor_digest_and_case_emails_name_no_other_departments_agent(company):
    supervisor, forbidden = company["supervisor"], company["forbidden"]
    alerts = [m for m in mail.outbox if supervisor.email in m.to]
    assert alerts, "the supervisor got no case alert"

    digest = WeeklyDigest.objects.create(
        recipient=supervisor, audience=DigestAudience.SUPERVISOR, week=company["week"].start
    )
    assert digests.send_digest(digest.pk) == "sent"
    NotificationPreference.objects.filter(user=supervisor).update(case_alerts=CaseAlertMode.HOURLY)
    own_detractor = Response.objects.filter(agent=company["own_agent"], agent_score__lte=6).exclude(
        followup_case__isnull=False
    )
    for response in own_detractor[:1]:
        followups.open_case_for(response)
    followup_alerts.send_digest(supervisor.pk)

    mine = [m for m in mail.outbox if supervisor.email in m.to]
    subjects = [m.subject for m in mine]
    assert any("Your departments' NPS" in s for s in subjects)
    assert company["own_agent"].name in "".join(_texts(m) for m in mine)
    found = [f"{m.subject}: {leak}" for m in mine for leak in leaks(_texts(m), forbidden)]
    assert not found, "Other departments' agents in the supervisor's emails:\n" + "\n".join(found)


def _texts(message) -> str:
    parts = [message.subject, message.body]
    parts += [content for content, _type in getattr(message, "alternatives", [])]
    return "\n".join(parts)
