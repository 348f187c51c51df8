"""Load a large, realistic data set into a dedicated PostgreSQL database for the NPS benchmarks.

    .venv/bin/python bench/load_responses.py [--responses 1000000] [--force]

20 departments, 500 agents (some moved department a year ago), and N interactions, each
with an answered invitation and a response, spread over the two years before today, loaded
with COPY. Scores vary by department, agent and channel. Idempotent: a database that
already holds N loaded responses is left alone; --force drops and recreates it.

The database is NPS_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/nps_bench),
never the ambient DATABASE_URL: the loader drops what it loads into.
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/nps_bench"
SOURCE = "bench-load"  # Interaction.source of loaded rows; the freshness bench uses another
DEPARTMENTS = 20
AGENTS = 500
DAYS = 730
CHUNK = 50_000
DERIVED_TABLES = ("analytics_npsbucket", "analytics_scorehistogram", "analytics_funnelbucket", "analytics_driverbucket")
CHANNELS = [("phone", 0.5, 0.2), ("chat", 0.25, 0.0), ("email", 0.15, -0.3), ("sms", 0.10, -0.5)]
TAGS = ["[]", "[]", '["billing"]', '["outage"]', '["refund"]', '["onboarding"]', '["billing", "refund"]']
WHY = ["", "", "", "Quick and friendly.", "Took too long.", "Solved my problem.", "Had to call twice."]


def database_url() -> str:
    return os.environ.get("NPS_BENCH_DATABASE_URL", DEFAULT_URL)


def setup_django(url: str) -> None:
    """Point Django at the bench database (and nothing else) before it configures itself."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nps_project.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def ensure_database(url: str, *, force: bool) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to load into {name!r}: the bench database's name must contain 'bench'.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and force:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def loaded_responses() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM surveys_interaction WHERE source = %s", [SOURCE])
        return cursor.fetchone()[0]


def create_structure(rng: random.Random) -> tuple[list[tuple], int]:
    """Departments, agents and the default survey; returns per agent
    (agent_id, department_id now, department_id before the move, skill) and the survey id."""
    from agents.models import Agent, Department
    from surveys.services import default_survey

    departments = []
    for n in range(DEPARTMENTS):
        department, _ = Department.objects.get_or_create(
            code=f"bench-d{n:02}", defaults={"name": f"Bench department {n:02}", "target_nps": 40}
        )
        departments.append((department.pk, rng.gauss(0, 0.45)))
    agents = []
    for n in range(AGENTS):
        department_id, department_skill = departments[n % DEPARTMENTS]
        agent, _ = Agent.objects.get_or_create(
            external_id=f"bench-a{n:03}", defaults={"name": f"Agent {n:03}", "department_id": department_id}
        )
        moved = rng.random() < 0.05
        before = departments[rng.randrange(DEPARTMENTS)][0] if moved else department_id
        agents.append((agent.pk, department_id, before, department_skill + rng.gauss(0, 0.6)))
    return agents, default_survey().pk


def score(rng: random.Random, mean: float, spread: float) -> int:
    return min(10, max(0, round(rng.gauss(mean, spread))))


def generate(rng: random.Random, n: int, agents: list[tuple], survey_id: int, first_id: int):
    """Yield chunks of COPY text for (interactions, invitations, responses), ordered by time."""
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=DAYS)
    moved_at = end - timedelta(days=365)
    span = DAYS * 86400
    offsets = sorted(rng.random() for _ in range(n))
    channel_names = [c for c, _, _ in CHANNELS]
    channel_weights = [w for _, w, _ in CHANNELS]
    channel_effect = {c: e for c, _, e in CHANNELS}
    interactions, invitations, responses = [], [], []
    for i, offset in enumerate(offsets):
        pk = first_id + i
        day_start = start + timedelta(days=int(offset * DAYS))
        occurred = day_start + timedelta(seconds=7 * 3600 + int((offset * span) % 86400 * 0.55))
        agent_id, department_now, department_before, skill = agents[rng.randrange(AGENTS)]
        department_id = department_before if occurred < moved_at else department_now
        channel = rng.choices(channel_names, channel_weights)[0]
        agent_score = score(rng, 8.4 + skill + channel_effect[channel], 1.8)
        company_score = score(rng, 7.6 + 0.35 * (agent_score - 8.4), 1.7)
        at = occurred.isoformat()
        answered = (occurred + timedelta(minutes=5 + rng.randrange(600))).isoformat()
        email = f"c{pk}@example.com" if channel != "sms" else ""
        phone = f"+1555{pk:07}" if channel in ("phone", "sms") else ""
        interactions.append(
            f"{pk}\t{SOURCE}\tb{pk}\t{channel}\t{at}\t{agent_id}\t{department_id}\t{survey_id}\t{email}\t{phone}\t"
            f"\ten\t{rng.randrange(30, 1800)}\t{rng.randrange(0, 300)}\t{min(3, int(rng.expovariate(2.5)))}\t"
            f"{'t' if rng.random() < 0.8 else 'f'}\t{rng.choice(TAGS)}\t{at}\n"
        )
        invitations.append(f"{pk}\t{pk}\tanswered\t\tlink\ten\t{at}\t{at}\t{at}\t{answered}\t{answered}\t1\t\t{at}\n")
        responses.append(
            f"{pk}\t{pk}\t{pk}\t{agent_id}\t{department_id}\t{channel}\t{at}\t{company_score}\t{agent_score}\t"
            f"{rng.choice(WHY)}\t{{}}\ten\t{answered}\n"
        )
        if len(responses) == CHUNK:
            yield "".join(interactions), "".join(invitations), "".join(responses)
            interactions, invitations, responses = [], [], []
    if responses:
        yield "".join(interactions), "".join(invitations), "".join(responses)


COPY_COLUMNS = (
    (
        "surveys.Interaction",
        "id, source, external_id, channel, occurred_at, agent_id, department_id, survey_id, customer_email, "
        "customer_phone, customer_name, language, handle_seconds, wait_seconds, transfers, resolved, tags, created_at",
    ),
    (
        "surveys.Invitation",
        "id, interaction_id, status, suppressed_reason, method, language, send_after, expires_at, sent_at, "
        "opened_at, answered_at, attempts, last_error, created_at",
    ),
    (
        "surveys.Response",
        "id, invitation_id, interaction_id, agent_id, department_id, channel, occurred_at, company_score, "
        "agent_score, why, extra_answers, language, submitted_at",
    ),
)


def copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def copy_plan() -> list[tuple[str, str]]:
    """Per table: the COPY statement and the constant tail of every line. Columns the loader
    does not generate but the schema requires (NOT NULL, no database default) get the model
    field's default, so a field added later does not break the loader."""
    from django.apps import apps
    from django.db.models import NOT_PROVIDED

    plan = []
    for label, listed in COPY_COLUMNS:
        model = apps.get_model(label)
        columns = [c.strip() for c in listed.split(",")]
        extra, values = [], []
        for field in model._meta.concrete_fields:
            if field.column in columns or field.null or field.db_default is not NOT_PROVIDED:
                continue
            if not field.has_default():
                sys.exit(f"{label}.{field.name} is required and has no default: teach the loader to fill it.")
            extra.append(field.column)
            values.append(copy_text(field.get_default()))
        sql = f"COPY {model._meta.db_table} ({', '.join(columns + extra)}) FROM STDIN"
        plan.append((sql, "".join(f"\t{v}" for v in values)))
    return plan


def load(url: str, n: int, seed: int) -> None:
    import psycopg

    rng = random.Random(seed)
    agents, survey_id = create_structure(rng)
    with psycopg.connect(url) as conn:
        first_id = 1 + max(
            conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            for table in ("surveys_interaction", "surveys_invitation", "surveys_response")
        )
        # The rows are generated consistent; skipping the deferred foreign-key triggers
        # (superuser only) saves millions of checks at commit.
        conn.execute("SET session_replication_role = replica")
        written = 0
        plan = copy_plan()
        for chunk in generate(rng, n, agents, survey_id, first_id):
            for (sql, tail), text in zip(plan, chunk, strict=True):
                with conn.cursor().copy(sql) as copy:
                    copy.write(text.replace("\n", tail + "\n") if tail else text)
            written += chunk[2].count("\n")
            print(f"\r  {written:,} / {n:,} responses", end="", flush=True)
        print()
        for table in ("surveys_interaction", "surveys_invitation", "surveys_response"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("surveys_interaction", "surveys_invitation", "surveys_response"):
            conn.execute(f"VACUUM ANALYZE {table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=1_000_000, help="How many responses (default 1,000,000).")
    parser.add_argument("--force", action="store_true", help="Drop and recreate the bench database first.")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    url = database_url()
    ensure_database(url, force=args.force)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    have = loaded_responses()
    if have == args.responses:
        print(f"{urlsplit(url).path.lstrip('/')} already holds {have:,} loaded responses; --force reloads.")
        return
    if have:
        sys.exit(f"The database holds {have:,} loaded responses, not {args.responses:,}: run with --force.")
    started = time.monotonic()
    print(f"Loading {args.responses:,} responses ({AGENTS} agents, {DEPARTMENTS} departments, {DAYS} days)…")
    load(url, args.responses, args.seed)
    loaded = time.monotonic() - started
    import psycopg

    from analytics import breakdowns, buckets

    result = buckets.rebuild()
    breakdowns.rebuild()
    # Fresh statistics for the derived tables too: planned with none (the tables were empty
    # when last analysed), the one-year API query sorts 330,000 rows on disk instead of hashing.
    with psycopg.connect(url, autocommit=True) as conn:
        for table in DERIVED_TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
    print(
        f"Loaded in {loaded:.0f} s; rebuilt {result.buckets:,} NPS buckets in {result.seconds:.1f} s "
        f"(total {time.monotonic() - started:.0f} s)."
    )


if __name__ == "__main__":
    main()
