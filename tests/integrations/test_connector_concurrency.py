"""A platform that retries while the first delivery is still being stored (Zendesk and
Twilio both retry on timeouts) still gets exactly one interaction: PostgreSQL, real threads."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from integrations.models_connectors import Connector
from surveys.models import Interaction
from surveys.services import default_survey
from tests.integrations.conftest import INTERCOM_SECRET, intercom_signature, path_of, payload

THREADS = 8


@pytest.fixture
def connector(postgres_tx) -> Connector:
    default_survey()
    return Connector.objects.create(name="Intercom", platform="intercom", signing_secret=INTERCOM_SECRET)


def test_parallel_deliveries_of_one_conversation_store_it_once(connector):
    body = payload("intercom_conversation_admin_closed.json")

    def deliver(_: int) -> int:
        try:
            reply = Client().post(
                path_of(connector),
                body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE=intercom_signature(INTERCOM_SECRET, body),
            )
            return reply.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = sorted(pool.map(deliver, range(THREADS)))

    assert statuses.count(201) == 1 and statuses.count(200) == THREADS - 1, statuses
    assert Interaction.objects.filter(source="intercom", external_id="147258369").count() == 1
