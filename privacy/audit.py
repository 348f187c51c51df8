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
    actor_name: str = "",
) -> ChangeRecord:
    """Record that `actor` (or the request's user) did `action` to `target`.

    `action` is a dotted verb ("survey.updated", "token.created", "export.downloaded");
    `details` holds what changed (field names and new values; never secrets or passwords).
    `actor_name` names a non-user actor (an API token) when there is no `actor`.
    """
    user = getattr(request, "user", None) if request is not None else None
    if actor is None and isinstance(user, AbstractBaseUser) and user.is_authenticated:
        actor = user
    elif actor is None and not actor_name and user is not None and getattr(user, "prefix", None):
        actor_name = f"api-token:{getattr(user, 'name', user)}"  # an integration's ApiToken (surveys.authentication)
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_repr = target_repr or str(target)
    return ChangeRecord.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_name=actor.get_username() if actor is not None else actor_name[:150],
        ip_address=client_ip(request),
        action=action,
        target_type=target_type,
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=target_repr[:MAX_REPR],
        details=details or {},
    )


def record_export(request: HttpRequest, *, name: str) -> ChangeRecord:
    """A download of data (a dashboard CSV, the answers export, the API's CSV): who took which
    file with which filters. The query string holds filters only, never personal data."""
    query = {key: request.GET.getlist(key) for key in request.GET if key not in ("format", "download")}
    params = {key: values[0] if len(values) == 1 else values for key, values in query.items()}
    return record(
        "export.downloaded",
        request=request,
        target_type="export",
        target_repr=name,
        details={"path": request.path, "filters": params},
    )
