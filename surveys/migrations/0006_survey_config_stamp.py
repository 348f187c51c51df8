"""A stamp that changes whenever what the ingest reads of the surveys changes.

surveys/survey_config.py keeps, per web process, the active assignment rules, the default
survey and the current version of each survey, and uses them only while this stamp is the
one it read them under. Triggers, not application code, move the stamp: every write to
surveys_survey, surveys_surveyassignment or surveys_surveyversion (the editor, the admin,
queryset.update(), bulk_create, a shell, a data migration) sets it to a fresh number of a
sequence, in the writing transaction, so the new stamp becomes visible exactly when the
change does. A sequence never gives a number twice, even when a transaction rolls back,
so a stamp seen once never comes back with other contents behind it.

PostgreSQL only: on SQLite (the embedded single-process mode) nothing is cached.
"""

from django.db import migrations

TABLES = ("surveys_survey", "surveys_surveyassignment", "surveys_surveyversion")

CREATE = """
CREATE SEQUENCE IF NOT EXISTS surveys_config_stamp_seq;
CREATE TABLE IF NOT EXISTS surveys_config_stamp (id smallint PRIMARY KEY CHECK (id = 1), stamp bigint NOT NULL);
INSERT INTO surveys_config_stamp (id, stamp) VALUES (1, nextval('surveys_config_stamp_seq'))
ON CONFLICT (id) DO NOTHING;
CREATE OR REPLACE FUNCTION surveys_bump_config_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO surveys_config_stamp (id, stamp) VALUES (1, nextval('surveys_config_stamp_seq'))
    ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
    RETURN NULL;
END;
$$;
"""

TRIGGER = """
DROP TRIGGER IF EXISTS {table}_config_stamp ON {table};
CREATE TRIGGER {table}_config_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION surveys_bump_config_stamp();
"""

# The sequence stays: if the migration is applied again, stamps go on from where they were
# and never repeat one a running process may still keep.
DROP = "DROP FUNCTION IF EXISTS surveys_bump_config_stamp() CASCADE; DROP TABLE IF EXISTS surveys_config_stamp;"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE)
    for table in TABLES:
        schema_editor.execute(TRIGGER.format(table=table))


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0005_response_promoter_idx"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
