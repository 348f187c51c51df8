"""DATABASE_REPLICA_URL: the NPS API's and dashboards' reads of the derived tables go to the
replica; writes, logins and anything read inside a transaction stay on the primary.

A process started with DATABASE_REPLICA_URL set (here pointing at the same test database
through its own connection, as a streaming replica would serve the same rows) answers a
real API request; each database alias records the SQL it ran.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta

from django.utils import timezone

from analytics import buckets
from tests.analytics.champion_data import bulk_answers
from tests.conftest import BASE_DIR, subprocess_database_url
from tests.factories import AgentFactory

SCRIPT = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from analytics.models import NpsBucket

key, since, until = sys.argv[1:4]
client = Client(HTTP_AUTHORIZATION=f"Token {key}")
used = {}
with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica"]) as replica:
    response = client.get(f"/api/v1/nps/?group_by=agent&question=agent&since={since}&until={until}")
used["api_status"] = response.status_code
used["api_rows"] = [row["responses"] for row in response.json()]
used["api_primary"] = [q["sql"] for q in primary.captured_queries]
used["api_replica"] = [q["sql"] for q in replica.captured_queries]

with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica"]) as replica:
    with transaction.atomic():
        in_transaction = NpsBucket.objects.filter(scope="company").count()
    row = NpsBucket.objects.filter(scope="company").first()  # read from the replica...
    row.save(update_fields=["responses"])  # ...written back to the primary
used["in_transaction"] = in_transaction
used["rw_primary"] = [q["sql"] for q in primary.captured_queries]
used["rw_replica"] = [q["sql"] for q in replica.captured_queries]
used["routers"] = settings.DATABASE_ROUTERS
print(json.dumps(used))
"""


def run_with_replica(*args: str) -> dict:
    url = subprocess_database_url()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_REPLICA_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "nps_project.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_with_a_replica_the_nps_api_reads_buckets_there_and_writes_stay_on_the_primary(postgres_tx, api_key):
    agent = AgentFactory()
    when = timezone.now() - timedelta(days=2)
    bulk_answers([(agent, 10, 9), (agent, 3, 10), (agent, 8, 2)], when=when)
    buckets.rebuild()
    today = timezone.localdate()

    used = run_with_replica(api_key, str(today - timedelta(days=30)), str(today))

    assert used["routers"] == ["nps_project.db_router.ReplicaRouter"]
    assert used["api_status"] == 200
    assert 3 in used["api_rows"]  # the agent's three answers, read from the replica's buckets
    assert any("analytics_npsbucket" in sql for sql in used["api_replica"])
    assert not any("analytics_npsbucket" in sql for sql in used["api_primary"])
    assert any("surveys_apitoken" in sql for sql in used["api_primary"])  # authentication stays on the primary
    assert not any("surveys_apitoken" in sql for sql in used["api_replica"])
    # Inside a transaction on the primary, and for every write, the primary is used.
    assert used["in_transaction"] >= 1
    assert any(sql.startswith("SELECT COUNT") and "analytics_npsbucket" in sql for sql in used["rw_primary"])
    assert any(sql.startswith("UPDATE") and "analytics_npsbucket" in sql for sql in used["rw_primary"])
    assert not any(sql.startswith("UPDATE") for sql in used["rw_replica"])
    assert any(sql.startswith("SELECT") and "analytics_npsbucket" in sql for sql in used["rw_replica"])
