"""The audit log of changes: surveys, departments, roles, users, tokens, connectors,
webhooks, exports and erasures. Every writer calls record(); entries are never changed.

Call it inside the transaction of the change it describes, so a change that rolls back
leaves no entry and a committed change always has one.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from privacy.models import ChangeRecord

MAX_REPR = 200


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from (REMOTE_ADDR: the proxy sets it via gunicorn's forwarded-allow-ips)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    target: models.Model | None = None,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
    target_type: str = "",
    target_repr: str = "",
) -> ChangeRecord:
    """Record that `actor` (or the request's user) did `action` to `target`.

    `action` is a dotted verb ("survey.updated", "token.created", "export.downloaded");
    `details` holds what changed (field names and new values; never secrets or passwords).
    """
    actor_name = actor.get_username() if actor is not None else ""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if isinstance(user, AbstractBaseUser) and user.is_authenticated:
            actor, actor_name = user, user.get_username()
        elif user is not None and getattr(user, "is_authenticated", False):
            actor_name = f"API token {user}"  # an integration: the token stands in for a user
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_repr = target_repr or str(target)
    return ChangeRecord.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_name=actor_name[:150],
        ip_address=client_ip(request),
        action=action,
        target_type=target_type,
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=target_repr[:MAX_REPR],
        details=details or {},
    )
