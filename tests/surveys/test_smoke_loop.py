"""The survey loop end to end through the public interfaces: API → link → page → Response."""

import pytest
from django.core import mail

from surveys.models import Response

pytestmark = pytest.mark.django_db


def test_posted_interaction_becomes_a_link_the_customer_answers(api, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(
            "/api/v1/interactions/",
            {
                "external_id": "call-1",
                "channel": "phone",
                "agent": "a-1",
                "agent_name": "Budi Santoso",
                "department": "billing",
                "customer": {"email": "sari@example.com", "language": "id"},
            },
            format="json",
        )
    assert reply.status_code == 201, reply.content
    url = reply.json()["invitation"]["url"]
    path = url.removeprefix("http://127.0.0.1:8000")
    assert len(mail.outbox) == 1 and url in mail.outbox[0].body

    page = client.get(path)
    assert page.status_code == 200
    assert "Budi" in page.content.decode()

    answer = client.post(path, {"company_score": "9", "agent_score": "10", "why": "Cepat dan ramah"})
    assert answer.status_code == 302
    stored = Response.objects.get()
    assert (stored.company_score, stored.agent_score, stored.why, stored.language) == (9, 10, "Cepat dan ramah", "id")
    assert stored.department.code == "billing"
    assert client.get(answer["Location"]).status_code == 200
