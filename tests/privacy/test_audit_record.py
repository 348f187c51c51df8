"""privacy.audit.record: who did it (a user, or an integration's API token), from where."""

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from agents.models import Department
from privacy import audit
from privacy.models import ChangeRecord
from surveys.models import ApiToken
from surveys.services_tokens import create_api_token

pytestmark = pytest.mark.django_db


def test_a_signed_in_user_is_the_actor_with_their_address():
    user = get_user_model().objects.create_user("ana")
    request = RequestFactory().post("/manage/departments/", REMOTE_ADDR="203.0.113.7")
    request.user = user
    department = Department.objects.create(code="billing", name="Billing")

    entry = audit.record("department.created", target=department, request=request, details={"name": "Billing"})

    stored = ChangeRecord.objects.get(pk=entry.pk)
    assert (stored.actor, stored.actor_name, stored.ip_address) == (user, "ana", "203.0.113.7")
    assert (stored.target_type, stored.target_id, stored.target_repr) == (
        "agents.department",
        str(department.pk),
        str(department),
    )
    assert stored.details == {"name": "Billing"}


def test_an_api_token_is_named_as_the_actor_without_a_user():
    create_api_token(name="zendesk")
    token = ApiToken.objects.get(name="zendesk")
    request = RequestFactory().post("/api/v1/webhooks/", REMOTE_ADDR="198.51.100.4")
    request.user = token

    entry = audit.record("webhook.created", request=request, target_type="webhook", target_repr="https://x.example")

    assert entry.actor is None
    assert entry.actor_name == f"api-token:{token.name}"
    assert entry.ip_address == "198.51.100.4"
