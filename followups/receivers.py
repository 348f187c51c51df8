"""Followups listens to surveys: a detractor answer opens a follow-up case.

Connected in FollowupsConfig.ready(); surveys sends response_submitted after the answer
has committed and never knows who listens.
"""

from django.dispatch import receiver

from followups import services
from surveys.signals import response_submitted


@receiver(response_submitted, dispatch_uid="followups-open-case")
def open_followup_case(sender, response, **kwargs) -> None:
    """A detractor answer opens a follow-up case (the sweep catches any this misses)."""
    services.open_case_for(response)
