"""The integrations app's models: connectors in (models_connectors), webhooks out
(models_webhooks), imports from files (imports/models.py)."""

from integrations.imports.models import ImportIssue, ImportJob
from integrations.models_connectors import Connector, DeadLetter
from integrations.models_webhooks import (
    TEST_EVENT,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    WebhookSubscriptionQuerySet,
)

__all__ = [
    "TEST_EVENT",
    "Connector",
    "DeadLetter",
    "ImportIssue",
    "ImportJob",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "WebhookSubscriptionQuerySet",
]
