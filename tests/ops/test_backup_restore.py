"""The README's backup and restore, for real: `pg_dump -Fc` of the database, `pg_restore`
into a fresh scratch database, and what comes back is what went in (row counts, rows, and
survey links that still open with the same keys)."""

import os
import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from surveys import tokens
from tests.conftest import service_missing
from tests.factories import InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = [
    "agents_department",
    "agents_agent",
    "surveys_survey",
    "surveys_interaction",
    "surveys_invitation",
    "surveys_response",
    "surveys_apitoken",
    "auth_user",
    "django_migrations",
]


@pytest.fixture
def binaries():
    for tool in ("pg_dump", "pg_restore"):
        if not shutil.which(tool):
            service_missing(f"needs {tool} (apt-get install -y postgresql-client) for the backup test")


def conninfo(name: str) -> dict:
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"],
        "password": db["PASSWORD"] or "",
        "dbname": name,
    }


def tool_env() -> dict[str, str]:
    info = conninfo("")
    return {
        **os.environ,
        "PGHOST": info["host"],
        "PGPORT": info["port"],
        "PGUSER": info["user"],
        "PGPASSWORD": info["password"],
    }


@pytest.fixture
def scratch_database():
    name = f"nps_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(**conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def counts(name: str) -> dict[str, int]:
    with psycopg.connect(**conninfo(name)) as db:
        query = sql.SQL("SELECT count(*) FROM {}")
        return {table: db.execute(query.format(sql.Identifier(table))).fetchone()[0] for table in TABLES}


def migrations(name: str) -> list[tuple[str, str]]:
    with psycopg.connect(**conninfo(name)) as db:
        return db.execute("SELECT app, name FROM django_migrations ORDER BY app, name").fetchall()


def test_a_pg_dump_restores_into_an_empty_database_with_everything_in_it(
    postgres_tx, binaries, scratch_database, tmp_path, api_key
):
    answers = [ResponseFactory(company_score=n, agent_score=10 - n, why=f"Reason {n} – ñ, ü, 日本") for n in range(6)]
    unanswered = InvitationFactory()
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "nps.dump"

    subprocess.run(["pg_dump", "-Fc", "-d", source, "-f", str(dump)], env=tool_env(), check=True, timeout=300)
    restore = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "-d", scratch_database, str(dump)],
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert restore.returncode == 0, restore.stderr
    before, after = counts(source), counts(scratch_database)
    assert after == before
    assert after["surveys_response"] == 6 and after["surveys_apitoken"] == 1
    with psycopg.connect(**conninfo(scratch_database)) as db:
        rows = db.execute(
            "SELECT invitation_id, company_score, agent_score, why FROM surveys_response ORDER BY invitation_id"
        ).fetchall()
        assert rows == sorted((a.invitation_id, a.company_score, a.agent_score, a.why) for a in answers)
        # With the same SURVEY_TOKEN_KEY the link the customer holds still finds its invitation.
        (token_hash,) = db.execute(
            "SELECT token_hash FROM surveys_invitation WHERE id = %s", [unanswered.pk]
        ).fetchone()
        assert token_hash == tokens.hash_token(unanswered.token)
    # The schema came along: the restored database has every migration applied.
    assert migrations(scratch_database) == migrations(source)
