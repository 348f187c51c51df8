"""The promoters page's partial index (answers with 9 or more on both questions, by department
and date). Built CONCURRENTLY: a plain CREATE INDEX would hold back every survey answer's
INSERT while it reads the whole table. On SQLite (the embedded mode) a plain index."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """CONCURRENTLY where the database has it (PostgreSQL), a plain CREATE INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("surveys", "0004_survey_max_invite_age_and_backfill_reasons"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="response",
            index=models.Index(
                condition=models.Q(("agent_score__gte", 9), ("company_score__gte", 9)),
                fields=["department", "occurred_at", "id"],
                include=("channel",),
                name="response_promoter_idx",
            ),
        ),
    ]
