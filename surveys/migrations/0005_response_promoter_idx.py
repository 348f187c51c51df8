"""The promoters page's partial index (answers with 9 or more on both questions, by department
and date). Built CONCURRENTLY: a plain CREATE INDEX would hold back every survey answer's
INSERT while it reads the whole table."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("surveys", "0004_survey_max_invite_age_and_backfill_reasons"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="response",
            index=models.Index(
                condition=models.Q(("agent_score__gte", 9), ("company_score__gte", 9)),
                fields=["department", "occurred_at", "id"],
                include=("channel",),
                name="response_promoter_idx",
            ),
        ),
    ]
