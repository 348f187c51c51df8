"""The migration that introduced versions: every existing survey gets version 1 with its
wording, and the invitations and answers already stored point at it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from surveys.models import Invitation, Response, SurveyVersion

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("surveys", "0001_initial")]


def migrate(targets=None):
    """Migrate to `targets`, or forward to the latest migration of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """Whatever happens in the test, the tests after it find every migration applied."""
    yield
    migrate()


def test_existing_surveys_get_version_one_and_their_answers_point_at_it():
    old = migrate(BEFORE)
    department = old.get_model("agents", "Department").objects.create(code="billing", name="Billing")
    agent = old.get_model("agents", "Agent").objects.create(external_id="a-1", name="Budi", department=department)
    survey = old.get_model("surveys", "Survey").objects.create(name="Default survey", is_default=True)
    old.get_model("surveys", "SurveyTranslation").objects.create(
        survey=survey, language="id", company_question="Seberapa besar kemungkinan Anda merekomendasikan kami?"
    )
    now = timezone.now()
    interactions = [
        old.get_model("surveys", "Interaction").objects.create(
            external_id=f"call-{n}", channel="phone", occurred_at=now, agent=agent, department=department, survey=survey
        )
        for n in range(2)
    ]
    invitations = [
        old.get_model("surveys", "Invitation").objects.create(interaction=i, status="sent") for i in interactions
    ]
    old.get_model("surveys", "Response").objects.create(
        invitation=invitations[0],
        interaction=interactions[0],
        agent=agent,
        department=department,
        channel="phone",
        occurred_at=now,
        company_score=9,
        agent_score=10,
        language="id",
    )

    migrate()  # forward to the latest state, as a deployment would

    version = SurveyVersion.objects.get()
    assert (version.survey_id, version.number) == (survey.pk, 1)
    assert version.content["wording"]["id"]["company_question"].startswith("Seberapa besar")
    assert version.content["questions"] == []
    assert set(Invitation.objects.values_list("survey_version", flat=True)) == {version.pk}
    assert Response.objects.get().survey_version_id == version.pk
