"""Followups listens to surveys: a detractor answer opens a follow-up case.

Connected in FollowupsConfig.ready(); surveys sends response_submitted after the answer
has committed and never knows who listens.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from followups import rules, services
from followups.models import AlertRule
from surveys.signals import response_submitted


@receiver(response_submitted, dispatch_uid="followups-open-case")
def open_followup_case(sender, response, **kwargs) -> None:
    """A detractor answer opens a follow-up case (the sweep catches any this misses)."""
    services.open_case_for(response)


@receiver(response_submitted, dispatch_uid="followups-alert-rules")
def evaluate_alert_rules(sender, response, **kwargs) -> None:
    """Answer rules (/manage/alerts/), after the built-in case so an alert can link to it."""
    rules.evaluate_answer(response)


@receiver(post_save, sender=AlertRule, dispatch_uid="followups-forget-rules")
@receiver(post_delete, sender=AlertRule, dispatch_uid="followups-forget-rules-deleted")
def forget_rules(sender, **kwargs) -> None:
    rules.forget_cached_rules()
