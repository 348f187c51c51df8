"""Followups listens to surveys and analytics: a detractor answer opens a follow-up case.

Connected in FollowupsConfig.ready(). Cases open when the bucket flush that follows an
answer announces the keys it recomputed (`analytics.signals.buckets_flushed`), so the
customer's request never pays for them; the periodic sweep catches any a lost flush missed.
Answer alert rules run on `surveys.signals.response_submitted`, after the answer committed.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from analytics.signals import buckets_flushed
from followups import rules, services
from followups.models import AlertRule
from surveys.signals import response_submitted


@receiver(buckets_flushed, dispatch_uid="followups-open-cases")
def open_followup_cases(sender, keys, **kwargs) -> None:
    """The detractor answers among the flushed buckets' answers open their cases."""
    services.open_cases_on(keys)


@receiver(response_submitted, dispatch_uid="followups-alert-rules")
def evaluate_alert_rules(sender, response, **kwargs) -> None:
    """Answer rules (/manage/alerts/); an alert links to the answer's case when it is already open."""
    rules.evaluate_answer(response)


@receiver(post_save, sender=AlertRule, dispatch_uid="followups-forget-rules")
@receiver(post_delete, sender=AlertRule, dispatch_uid="followups-forget-rules-deleted")
def forget_rules(sender, **kwargs) -> None:
    rules.forget_cached_rules()
