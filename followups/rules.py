"""Alert rules: decide whether an answer, an agent or a department matches a rule, and fire
it at most once per quiet period.

Two guarantees, both held by the database rather than a check-then-insert:
- one event alerts once: AlertFiring is unique per (rule, event key), the event being an
  answer ("response:<id>") or an agent/department and period ("agent:<id>:<until>");
- quiet period: the rule's AlertQuietKey row (the rule itself for answer rules, the agent or
  the department otherwise) is locked while deciding, so concurrent matches in several
  workers see each other and only the first within `quiet_minutes` fires.

Answer rules run in the response_submitted receiver (after the answer committed): active
rules are read at most every ALERT_RULES_CACHE_SECONDS per process. Agent and department
rules run hourly from beat on analytics' buckets. Every firing is delivered by a Celery task
(followups.tasks.deliver_alert) and announced with followups.signals.alert_fired.

The score ≤ FOLLOWUP_DETRACTOR_MAX case and its supervisor email stay the built-in rule
(followups/services.py); these rules come on top.
"""

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from agents.models import Agent, Department
from analytics import nps, selectors
from analytics.models import DriverBucket
from followups.models import AlertFiring, AlertQuietKey, AlertRule, FollowUpCase
from followups.signals import alert_fired
from nps_project.enqueue import enqueue_on_commit
from surveys.models import Response

ANSWER_ATTRIBUTES = ("language", "channel")
QUESTIONS = ("company", "agent", "either")
DEFAULT_WEEKS = 4
DEFAULT_MIN_RESPONSES = 10

_cache: dict = {"at": 0.0, "rules": None}


def forget_cached_rules() -> None:
    """Drop this process's cached answer rules (a rule was saved here)."""
    _cache["rules"] = None


def active_answer_rules() -> list[AlertRule]:
    now = time.monotonic()
    if _cache["rules"] is None or now - _cache["at"] > settings.ALERT_RULES_CACHE_SECONDS:
        _cache["rules"] = list(AlertRule.objects.filter(active=True, kind=AlertRule.Kind.ANSWER))
        _cache["at"] = now
    return _cache["rules"]


# --- Conditions on an answer -----------------------------------------------------------------


def answer_matches(conditions: dict, response: Response) -> bool:
    """Every condition given holds for the answer (an empty rule matches nothing)."""
    checks = []
    score_max = conditions.get("score_max")
    if score_max is not None:
        question = conditions.get("question", "either")
        scores = {
            "company": [response.company_score],
            "agent": [response.agent_score],
            "either": [response.company_score, response.agent_score],
        }[question]
        checks.append(any(score is not None and score <= score_max for score in scores))
    if tag := conditions.get("tag"):
        checks.append(tag.lower() in {str(t).lower() for t in (response.interaction.tags or [])})
    if attribute := conditions.get("attribute"):
        value = getattr(response, attribute, None) if attribute in ANSWER_ATTRIBUTES else None
        checks.append(value is not None and str(value).lower() == str(conditions.get("attribute_value", "")).lower())
    if theme := conditions.get("theme"):
        # Themes are found in why-texts by analytics (built in parallel); the condition only
        # applies once responses carry them.
        themes = getattr(response, "themes", None)
        checks.append(themes is not None and theme in _theme_keys(themes))
    return bool(checks) and all(checks)


def _theme_keys(themes) -> set[str]:
    if hasattr(themes, "all"):
        themes = themes.all()
    return {getattr(theme, "key", theme) for theme in themes}


def evaluate_answer(response: Response) -> list[AlertFiring]:
    """Fire every active answer rule the response matches (in its department scope)."""
    fired = []
    for rule in active_answer_rules():
        if rule.department_id and rule.department_id != response.department_id:
            continue
        if not answer_matches(rule.conditions, response):
            continue
        case_id = FollowUpCase.objects.filter(response_id=response.pk).values_list("pk", flat=True).first()
        agent = response.agent
        text = (
            f"{agent} ({response.department}) got company {response.company_score}, "
            f"agent {response.agent_score} on {response.get_channel_display().lower()}."
        )
        if response.why:
            text += f"\n“{response.why[:300]}”"
        url = reverse("dashboard-case", args=[case_id]) if case_id else reverse("dashboard-agent", args=[agent.pk])
        firing = fire(
            rule,
            event_key=f"response:{response.pk}",
            quiet_key="rule",
            subject=f"{rule.name}: an answer matched",
            text=text,
            url=settings.PUBLIC_BASE_URL + url,
            department_id=response.department_id,
            agent_id=response.agent_id,
            case_id=case_id,
        )
        if firing:
            fired.append(firing)
    return fired


# --- Agent and department rules (periodic) -----------------------------------------------------


@dataclass(frozen=True)
class Periods:
    since: date
    until: date
    before_since: date
    before_until: date


def periods(weeks: int, *, today: date) -> Periods:
    """The last `weeks` complete days·7 up to yesterday, and the same length before."""
    until = today - timedelta(days=1)
    since = until - timedelta(days=7 * weeks - 1)
    return Periods(since, until, since - timedelta(days=7 * weeks), since - timedelta(days=1))


def _describe(counts: nps.Counts) -> str:
    low, high = nps.interval(counts)
    return f"{nps.nps(counts):.0f} (n = {counts.responses}, 95 % {low:.0f} to {high:.0f})"


def dropped(current: nps.Counts, previous: nps.Counts, minimum: int) -> bool:
    """Down by more than the noise, with enough answers in both periods."""
    if current.responses < minimum or previous.responses < minimum:
        return False
    return nps.nps(current) < nps.nps(previous) and nps.change_is_real(current, previous)


def _drop_text(what: str, current: nps.Counts, previous: nps.Counts, p: Periods) -> str:
    low, high = nps.change_interval(current, previous)
    change = nps.nps(current) - nps.nps(previous)
    return (
        f"{what}: {_describe(current)} from {p.since:%d %b} to {p.until:%d %b}, "
        f"down from {_describe(previous)}; change {change:+.0f} (95 % {low:+.0f} to {high:+.0f}), beyond the noise."
    )


def _agent_counts(since: date, until: date, department_id: int | None) -> dict[int, nps.Counts]:
    totals: dict[int, nps.Counts] = {}
    for row in selectors.agent_counts(since=since, until=until):
        if department_id is None or row.department_key == department_id:
            totals[row.agent_key] = totals.get(row.agent_key, nps.Counts()) + row.agent
    return totals


def evaluate_agent_rule(rule: AlertRule, *, today: date) -> list[AlertFiring]:
    weeks = int(rule.conditions.get("weeks") or DEFAULT_WEEKS)
    minimum = int(rule.conditions.get("min_responses") or DEFAULT_MIN_RESPONSES)
    p = periods(weeks, today=today)
    current = _agent_counts(p.since, p.until, rule.department_id)
    previous = _agent_counts(p.before_since, p.before_until, rule.department_id)
    fired = []
    for agent in Agent.objects.filter(pk__in=current.keys()).select_related("department"):
        now_counts, before = current[agent.pk], previous.get(agent.pk, nps.Counts())
        if not dropped(now_counts, before, minimum):
            continue
        firing = fire(
            rule,
            event_key=f"agent:{agent.pk}:{p.until}",
            quiet_key=f"agent:{agent.pk}",
            subject=f"{rule.name}: {agent}'s NPS dropped",
            text=_drop_text(f"{agent}, agent question", now_counts, before, p),
            url=settings.PUBLIC_BASE_URL + reverse("dashboard-agent", args=[agent.pk]),
            department_id=agent.department_id,
            agent_id=agent.pk,
        )
        fired += [firing] if firing else []
    return fired


def _department_counts(since: date, until: date, driver: str) -> dict[int, nps.Counts]:
    if driver:
        dimension, _, value = driver.partition("=")
        rows = (
            DriverBucket.objects.filter(grain="day", dimension=dimension, value=value, day__range=(since, until))
            .values("department_key")
            .annotate(p=Sum("company_promoters"), a=Sum("company_passives"), d=Sum("company_detractors"))
        )
        return {row["department_key"]: nps.Counts(row["p"] or 0, row["a"] or 0, row["d"] or 0) for row in rows}
    codes = {d.code: d.pk for d in Department.objects.all()}
    return {
        codes[row.key]: row.counts
        for row in selectors.nps_by(group_by="department", question="company", since=since, until=until)
        if row.key in codes
    }


def evaluate_department_rule(rule: AlertRule, *, today: date) -> list[AlertFiring]:
    weeks = int(rule.conditions.get("weeks") or DEFAULT_WEEKS)
    minimum = int(rule.conditions.get("min_responses") or DEFAULT_MIN_RESPONSES)
    driver = rule.conditions.get("driver", "")
    p = periods(weeks, today=today)
    current = _department_counts(p.since, p.until, driver)
    previous = _department_counts(p.before_since, p.before_until, driver)
    fired = []
    for department in Department.objects.filter(pk__in=current.keys()):
        if rule.department_id and department.pk != rule.department_id:
            continue
        now_counts, before = current[department.pk], previous.get(department.pk, nps.Counts())
        if not dropped(now_counts, before, minimum):
            continue
        what = f"{department.name}, company question" + (f", answers with {driver}" if driver else "")
        firing = fire(
            rule,
            event_key=f"department:{department.pk}:{driver}:{p.until}",
            quiet_key=f"department:{department.pk}",
            subject=f"{rule.name}: {department.name} dropped" + (f" on {driver}" if driver else ""),
            text=_drop_text(what, now_counts, before, p),
            url=settings.PUBLIC_BASE_URL + reverse("dashboard-departments"),
            department_id=department.pk,
        )
        fired += [firing] if firing else []
    return fired


def evaluate_periodic(*, today: date | None = None) -> int:
    """Check every active agent and department rule; return how many alerts fired."""
    today = today or timezone.localdate()
    fired = 0
    for rule in AlertRule.objects.filter(active=True).exclude(kind=AlertRule.Kind.ANSWER):
        evaluate = evaluate_agent_rule if rule.kind == AlertRule.Kind.AGENT else evaluate_department_rule
        fired += len(evaluate(rule, today=today))
    return fired


# --- Firing ---------------------------------------------------------------------------------------


def fire(
    rule: AlertRule,
    *,
    event_key: str,
    quiet_key: str,
    subject: str,
    text: str,
    url: str = "",
    department_id: int | None = None,
    agent_id: int | None = None,
    case_id: int | None = None,
    now: datetime | None = None,
) -> AlertFiring | None:
    """Record and deliver one alert, unless this event already alerted or the rule is in its
    quiet period for `quiet_key`; None then (the quiet row counts what it held back)."""
    now = now or timezone.now()
    with transaction.atomic():
        AlertQuietKey.objects.get_or_create(rule=rule, key=quiet_key)
        quiet = AlertQuietKey.objects.select_for_update().get(rule=rule, key=quiet_key)
        if quiet.last_fired_at and now < quiet.last_fired_at + timedelta(minutes=rule.quiet_minutes):
            AlertQuietKey.objects.filter(pk=quiet.pk).update(held_back=F("held_back") + 1)
            return None
        if quiet.held_back:
            text += f"\n({quiet.held_back} more match{'es' if quiet.held_back != 1 else ''} kept quiet before this.)"
        try:
            with transaction.atomic():
                firing = AlertFiring.objects.create(
                    rule=rule,
                    event_key=event_key,
                    quiet_key=quiet_key,
                    at=now,
                    subject=subject[:200],
                    text=text,
                    url=url,
                    department_id=department_id,
                    agent_id=agent_id,
                    case_id=case_id,
                )
        except IntegrityError:
            return None  # this event alerted already
        quiet.last_fired_at, quiet.held_back = now, 0
        quiet.save(update_fields=["last_fired_at", "held_back"])
        from followups.tasks import deliver_alert  # tasks import this module

        enqueue_on_commit(deliver_alert, firing.pk)
        transaction.on_commit(partial(alert_fired.send_robust, sender=AlertRule, alert=payload(firing)))
    return firing


def payload(firing: AlertFiring) -> dict:
    """What followups.signals.alert_fired carries (integrations forward it as alert.fired)."""
    return {
        "rule": firing.rule.name,
        "rule_id": firing.rule_id,
        "subject": firing.subject,
        "text": firing.text,
        "url": firing.url,
        "case_id": firing.case_id,
        "agent": str(firing.agent) if firing.agent_id else None,
        "department": firing.department.code if firing.department_id else None,
    }


def deliver(firing_id: int) -> bool:
    """Send the firing to its rule's channels that have not succeeded yet; True when
    something may pass on a retry (timeout, 5xx, mail server down)."""
    from followups.channels import CHANNELS

    with transaction.atomic():
        firing = AlertFiring.objects.select_for_update().select_related("rule").get(pk=firing_id)
        results = dict(firing.channel_results)
        retry = False
        for name in firing.rule.channels:
            if results.get(name, {}).get("ok") or name not in CHANNELS:
                continue
            result = CHANNELS[name].notify(firing)
            tries = results.get(name, {}).get("tries", 0) + 1
            results[name] = {**result.as_dict(), "tries": tries}
            retry = retry or result.retry
        firing.channel_results = results
        firing.save(update_fields=["channel_results"])
    return retry


def inapp_alerts(department_ids: frozenset[int] | None, *, limit: int = 10) -> list[AlertFiring]:
    """Recent alerts of rules with the in-app channel, in the viewer's departments (None: all)."""
    in_app = [rule.pk for rule in AlertRule.objects.only("channels") if AlertRule.Channel.INAPP in rule.channels]
    firings = AlertFiring.objects.filter(rule_id__in=in_app).select_related("rule")
    if department_ids is not None:
        firings = firings.filter(department_id__in=department_ids)
    return list(firings[:limit])
