"""Signal listeners: our events become webhook deliveries. Integrations listen; surveys,
analytics and follow-ups never call them.

Each listener is cheap: nothing at all when no subscription wants the event (a cached
check), otherwise one query for the payload and one INSERT, the tasks enqueued after commit.
"""

from django.dispatch import receiver

from followups.signals import alert_fired, case_opened, case_resolved
from integrations.models import WebhookEvent
from integrations.webhooks import events, services
from surveys.signals import response_submitted


def _record(event_type: str, data: dict | None) -> None:
    if data is not None:
        services.record_event(event_type, data)


@receiver(response_submitted, dispatch_uid="integrations-webhook-response-created")
def response_created(sender, response, **kwargs) -> None:
    if services.has_subscribers(WebhookEvent.RESPONSE_CREATED):
        _record(WebhookEvent.RESPONSE_CREATED, events.response_created(response.pk))


@receiver(case_opened, dispatch_uid="integrations-webhook-case-opened")
def case_was_opened(sender, case, **kwargs) -> None:
    if services.has_subscribers(WebhookEvent.CASE_OPENED):
        _record(WebhookEvent.CASE_OPENED, events.case_data(case.pk))


@receiver(case_resolved, dispatch_uid="integrations-webhook-case-resolved")
def case_was_resolved(sender, case, **kwargs) -> None:
    if services.has_subscribers(WebhookEvent.CASE_RESOLVED):
        _record(WebhookEvent.CASE_RESOLVED, events.case_data(case.pk))


@receiver(alert_fired, dispatch_uid="integrations-webhook-alert-fired")
def alert_was_fired(sender, alert, **kwargs) -> None:
    if services.has_subscribers(WebhookEvent.ALERT_FIRED):
        _record(WebhookEvent.ALERT_FIRED, events.alert_data(alert))
