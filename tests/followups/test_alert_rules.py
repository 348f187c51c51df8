"""Alert rules: each condition on crafted answers and buckets, and the quiet period."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from analytics import breakdowns, buckets
from followups import rules
from followups.models import AlertFiring, AlertQuietKey, AlertRule
from followups.signals import alert_fired
from tests.factories import AgentFactory, ResponseFactory


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    rules.forget_cached_rules()
    yield
    rules.forget_cached_rules()


def rule(**fields) -> AlertRule:
    fields.setdefault("name", "Watch")
    fields.setdefault("channels", ["inapp"])
    return AlertRule.objects.create(**fields)


def subjects() -> list[str]:
    return list(AlertFiring.objects.order_by("pk").values_list("subject", flat=True))


# --- On an answer ------------------------------------------------------------------------------


def test_score_at_or_below_on_the_chosen_question(answer):
    rule(name="Agent score low", conditions={"score_max": 4, "question": "agent"}, quiet_minutes=1)
    answer(9, 8)  # agent 8: no
    answer(2, 9)  # company low, but the rule watches the agent question
    low = answer(9, 3)
    assert subjects() == ["Agent score low: an answer matched"]
    firing = AlertFiring.objects.get()
    assert firing.event_key == f"response:{low.pk}"
    assert "company 9, agent 3" in firing.text and "Budi Santoso" in firing.text


def test_either_question_and_the_case_link(answer):
    rule(name="Any low", conditions={"score_max": 6, "question": "either"})
    response = answer(5, 9)
    firing = AlertFiring.objects.get()
    # The built-in rule opened the case first; the alert links to it.
    assert firing.case_id == response.followup_case.pk
    assert firing.url.endswith(f"/dashboard/cases/{response.followup_case.pk}/")


def test_an_interaction_tag(answer):
    rule(name="VIP", conditions={"tag": "vip"})
    answer(9, 9)
    answer(9, 9, interaction__tags=["VIP", "renewal"])
    assert subjects() == ["VIP: an answer matched"]


def test_a_customer_attribute(answer):
    rule(name="Spanish chats", conditions={"attribute": "channel", "attribute_value": "chat"})
    answer(9, 9, interaction__channel="phone")
    answer(9, 9, interaction__channel="chat")
    rule(name="Spanish", conditions={"attribute": "language", "attribute_value": "es"})
    answer(9, 9, language="es")
    assert subjects() == ["Spanish chats: an answer matched", "Spanish: an answer matched"]


def test_all_conditions_must_hold(answer):
    rule(name="Unhappy VIP", conditions={"score_max": 6, "tag": "vip"})
    answer(3, 3)  # low but not VIP
    answer(9, 9, interaction__tags=["vip"])  # VIP but happy
    answer(3, 3, interaction__tags=["vip"])
    assert subjects() == ["Unhappy VIP: an answer matched"]


def test_a_theme_applies_only_when_answers_carry_themes(answer):
    watch = rule(name="Billing theme", conditions={"theme": "billing"})
    response = answer(3, 3, why="Charged twice on my bill")
    assert not hasattr(response, "themes")
    assert rules.answer_matches(watch.conditions, response) is False
    response.themes = ["billing", "wait_time"]  # what analytics' themes will attach
    assert rules.answer_matches(watch.conditions, response) is True
    response.themes = ["wait_time"]
    assert rules.answer_matches(watch.conditions, response) is False


def test_department_scope_and_inactive_rules(answer, claims):
    rule(name="Claims only", conditions={"score_max": 6}, department=claims)
    rule(name="Switched off", conditions={"score_max": 6}, active=False)
    answer(1, 1)  # Budi works in Billing
    assert subjects() == []


def test_every_firing_sends_alert_fired_with_the_contract_payload(answer, billing):
    received = []

    def listener(sender, alert, **kwargs):
        received.append(alert)

    alert_fired.connect(listener)
    try:
        watch = rule(name="Low", conditions={"score_max": 6})
        response = answer(2, 2)
    finally:
        alert_fired.disconnect(listener)
    assert received == [
        {
            "rule": "Low",
            "rule_id": watch.pk,
            "subject": "Low: an answer matched",
            "text": AlertFiring.objects.get().text,
            "url": AlertFiring.objects.get().url,
            "case_id": response.followup_case.pk,
            "agent": "Budi Santoso",
            "department": "billing",
        }
    ]


# --- Quiet period --------------------------------------------------------------------------------


def test_one_alert_per_quiet_period_then_again_with_what_was_held_back(answer):
    watch = rule(name="Low", conditions={"score_max": 6}, quiet_minutes=30)
    for _ in range(3):
        answer(2, 2)
    assert AlertFiring.objects.count() == 1
    assert AlertQuietKey.objects.get(rule=watch).held_back == 2

    AlertQuietKey.objects.filter(rule=watch).update(last_fired_at=timezone.now() - timedelta(minutes=31))
    answer(2, 2)
    assert AlertFiring.objects.count() == 2
    assert "2 more matches kept quiet before this" in AlertFiring.objects.first().text


def test_one_event_alerts_once_even_after_the_quiet_period(billing):
    watch = rule(name="Once", conditions={"score_max": 6}, quiet_minutes=1)
    first = rules.fire(watch, event_key="response:1", quiet_key="rule", subject="s", text="t")
    later = timezone.now() + timedelta(minutes=5)
    again = rules.fire(watch, event_key="response:1", quiet_key="rule", subject="s", text="t", now=later)
    assert first is not None and again is None
    assert AlertFiring.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_matches_fire_once(postgres_tx):
    """Eight processes' worth of simultaneous matches: the locked quiet row lets one through."""
    watch = rule(name="Race", conditions={"score_max": 6}, quiet_minutes=60)
    barrier = threading.Barrier(8)
    results = []

    def match(n: int) -> None:
        try:
            barrier.wait()
            results.append(rules.fire(watch, event_key=f"response:{n}", quiet_key="rule", subject="s", text="t"))
        finally:
            connection.close()

    threads = [threading.Thread(target=match, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for r in results if r is not None) == 1
    assert AlertFiring.objects.count() == 1
    assert AlertQuietKey.objects.get(rule=watch).held_back == 7


# --- On an agent, on a department (periodic) -----------------------------------------------------


def _answers(agent, *, days_ago: int, score: int, count: int, tags=()):
    when = timezone.now() - timedelta(days=days_ago)
    for _ in range(count):
        ResponseFactory(
            invitation__interaction__agent=agent,
            invitation__interaction__occurred_at=when,
            invitation__interaction__tags=list(tags),
            company_score=score,
            agent_score=score,
        )


@pytest.fixture
def slipping(billing):
    """Budi: 20 promoters five to eight weeks ago, 20 detractors in the last four weeks.
    Siti: steady. Buckets and breakdowns rebuilt as the nightly reconcile does."""
    budi = AgentFactory(name="Budi Santoso", department=billing)
    siti = AgentFactory(name="Siti Rahma", department=billing)
    _answers(budi, days_ago=40, score=10, count=20, tags=["vip"])
    _answers(budi, days_ago=10, score=2, count=20, tags=["vip"])
    _answers(siti, days_ago=40, score=9, count=15)
    _answers(siti, days_ago=10, score=9, count=15)
    buckets.rebuild()
    breakdowns.rebuild()
    return budi


def test_an_agent_down_beyond_the_noise(slipping, django_capture_on_commit_callbacks):
    rule(name="Agent slipping", kind=AlertRule.Kind.AGENT, conditions={"weeks": 4, "min_responses": 10})
    with django_capture_on_commit_callbacks(execute=True):
        assert rules.evaluate_periodic() == 1
    firing = AlertFiring.objects.get()
    assert firing.agent == slipping
    assert firing.subject == "Agent slipping: Budi Santoso's NPS dropped"
    assert "-100 (n = 20" in firing.text and "down from 100 (n = 20" in firing.text
    assert "beyond the noise" in firing.text
    # The next hourly run, same period: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert rules.evaluate_periodic() == 0


def test_an_agent_with_too_few_answers_is_not_alerted(slipping):
    rule(name="Strict", kind=AlertRule.Kind.AGENT, conditions={"weeks": 4, "min_responses": 30})
    assert rules.evaluate_periodic() == 0


def test_a_department_drop_and_a_driver_drop(slipping, billing, django_capture_on_commit_callbacks):
    rule(name="Department", kind=AlertRule.Kind.DEPARTMENT, conditions={"weeks": 4, "min_responses": 10})
    rule(name="VIPs", kind=AlertRule.Kind.DEPARTMENT, conditions={"weeks": 4, "driver": "tag=vip"})
    rule(name="Renewals", kind=AlertRule.Kind.DEPARTMENT, conditions={"weeks": 4, "driver": "tag=renewal"})
    with django_capture_on_commit_callbacks(execute=True):
        assert rules.evaluate_periodic() == 2
    assert sorted(subjects()) == ["Department: Billing dropped", "VIPs: Billing dropped on tag=vip"]
    assert all(f.department == billing for f in AlertFiring.objects.all())
