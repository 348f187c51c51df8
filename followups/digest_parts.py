"""Followups' parts of the weekly digest (see analytics/digest_hooks.py for why they are
registered rather than imported): the case lines, the user's digest on/off choice and the
kudos an agent received that week."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from analytics import digest_hooks
from followups import coaching_selectors, services
from followups.models import NotificationPreference


def subscribed(users: QuerySet) -> QuerySet:
    return users.exclude(notification_preference__weekly_digest=False)


def wants_digest(user: AbstractBaseUser) -> bool:
    choice = NotificationPreference.objects.filter(user=user).values_list("weekly_digest", flat=True).first()
    return choice is not False


def set_digest(user: AbstractBaseUser, *, on: bool) -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults={"weekly_digest": on})


def register() -> None:
    digest_hooks.parts.case_counts = services.case_counts
    digest_hooks.parts.subscribed = subscribed
    digest_hooks.parts.wants_digest = wants_digest
    digest_hooks.parts.set_digest = set_digest
    digest_hooks.parts.kudos = coaching_selectors.kudos_lines
