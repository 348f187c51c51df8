"""Integration API tokens: create one, returning the key that is shown only once."""

import secrets

from django.db import IntegrityError, transaction

from surveys.authentication import hash_api_key
from surveys.models import ApiToken


def create_api_token(*, name: str, created_by=None) -> str:
    """Store a new token named `name`; return its key. ValueError for a bad or taken name."""
    name = name.strip()
    if not name:
        raise ValueError("A token needs a name.")
    max_length = ApiToken._meta.get_field("name").max_length
    if len(name) > max_length:
        raise ValueError(f"A token name has at most {max_length} characters.")
    key = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            ApiToken.objects.create(name=name, prefix=key[:8], key_hash=hash_api_key(key), created_by=created_by)
    except IntegrityError as exc:
        raise ValueError(f"A token named {name!r} already exists.") from exc
    return key
