"""Follow-ups moved out of analytics without losing a row, a URL or a queued task."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from followups import models
from nps_project.celery import app as celery_app
from tests.factories import ResponseFactory

BEFORE_MOVE = [("analytics", "0010_default_themes"), ("followups", None)]
OLD_TABLES = {
    models.FollowUpCase: "analytics_followupcase",
    models.CaseEvent: "analytics_caseevent",
    models.CaseAlert: "analytics_casealert",
    models.NotificationPreference: "analytics_notificationpreference",
    models.RecoverySurvey: "analytics_recoverysurvey",
    models.PromoterContact: "analytics_promotercontact",
}


def test_the_moved_models_keep_their_tables():
    assert {model: model._meta.db_table for model in OLD_TABLES} == OLD_TABLES


def _latest(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_case_stored_before_the_move_is_there_after_it(postgres_tx):
    response = ResponseFactory(company_score=2, agent_score=3)
    executor = MigrationExecutor(connection)
    latest = _latest(executor)
    try:
        state = executor.migrate(BEFORE_MOVE)
        old_case = state.apps.get_model("analytics", "FollowUpCase")
        old_event = state.apps.get_model("analytics", "CaseEvent")
        now = timezone.now()
        stored = old_case.objects.create(
            response_id=response.pk,
            department_id=response.department_id,
            opened_at=now,
            due_at=now + timedelta(hours=48),
        )
        old_event.objects.create(case_id=stored.pk, at=now, kind="opened", text="Stored before the move")
        with pytest.raises(LookupError):
            state.apps.get_model("followups", "FollowUpCase")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

    case = models.FollowUpCase.objects.get(pk=stored.pk)
    assert case.response_id == response.pk
    assert [event.text for event in case.events.all()] == ["Stored before the move"]
    # surveys' side of the one-to-one still finds it
    assert response.__class__.objects.get(pk=response.pk).followup_case == case


def test_urls_keep_their_paths_and_names():
    assert reverse("dashboard-cases") == "/dashboard/cases/"
    assert reverse("dashboard-cases-mine") == "/dashboard/cases/mine/"
    assert reverse("dashboard-case-alerts") == "/dashboard/cases/alerts/"
    assert reverse("dashboard-case", args=[7]) == "/dashboard/cases/7/"
    assert reverse("dashboard-promoters") == "/dashboard/promoters/"
    assert reverse("dashboard-promoter-thank", args=[7]) == "/dashboard/promoters/7/thank/"
    assert reverse("recovery-page", args=["abc"]) == "/r/abc/"


@pytest.mark.parametrize(
    "name", ["send_case_alerts", "send_case_digest", "send_case_digests", "send_recovery_email", "sweep_followups"]
)
def test_old_task_names_still_run_the_moved_tasks(name):
    """Messages queued and beat entries written before the move name analytics.tasks.*."""
    old, new = celery_app.tasks[f"analytics.tasks.{name}"], celery_app.tasks[f"followups.tasks.{name}"]
    assert old.run.__module__ == new.run.__module__ == "followups.tasks"
    assert old.run.__name__ == new.run.__name__ == name


def test_beat_uses_the_new_task_names(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"followups.tasks.send_case_digests", "followups.tasks.sweep_followups"} <= tasks
    assert all(celery_app.tasks[f"followups.tasks.{name}"] for name in ("send_case_digests", "sweep_followups"))


def test_analytics_never_imports_followups():
    """Data flows agents ← surveys ← analytics ← followups."""
    root = Path(__file__).resolve().parents[2] / "analytics"
    offenders = [
        str(path.relative_to(root.parent))
        for path in root.rglob("*.py")
        if "migrations" not in path.parts
        and any(
            line.lstrip().startswith(("import followups", "from followups")) for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []
