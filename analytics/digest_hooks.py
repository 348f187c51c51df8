"""What other apps put into the weekly digest, without analytics importing them.

Data flows agents ← surveys ← analytics ← followups. The digest is analytics' (NPS of the
week), but two of its parts belong to followups: the open and overdue case lines, and the
user's choice to get the digest at all (stored on followups' NotificationPreference next to
the case alert choice, one settings row per user). Followups fills this registry in its
AppConfig.ready() (followups/digest_parts.py). Without it the digest has no case lines and
goes to everyone; switching it off is then refused rather than silently forgotten.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


def _no_preference_store(user: AbstractBaseUser, *, on: bool) -> None:
    raise ImproperlyConfigured("No app stores digest preferences (is followups installed?)")


@dataclass
class DigestParts:
    # department ids (None = every department) -> {"open": n, "overdue": n}; None: no case lines.
    case_counts: Callable[[frozenset[int] | None], dict] | None = None
    # users -> those of them who did not switch the digest off
    subscribed: Callable[[QuerySet], QuerySet] = lambda users: users
    wants_digest: Callable[[AbstractBaseUser], bool] = lambda user: True
    set_digest: Callable[..., None] = _no_preference_store
    # (agent, first day, last day) -> kudos sent to the agent in those days, as dicts with
    # why, agent_score, day, language, message, sent_by; None: no kudos lines.
    kudos: Callable[..., list[dict]] | None = None


parts = DigestParts()


def case_counts(department_ids: frozenset[int] | None) -> dict | None:
    """Open and overdue follow-up cases for the digest, or None when no app provides them."""
    return None if parts.case_counts is None else parts.case_counts(department_ids)


def kudos_lines(agent, since, until) -> list[dict]:
    """Kudos sent to the agent within [since, until] for their digest; [] when no app sends kudos."""
    return [] if parts.kudos is None else parts.kudos(agent, since, until)
