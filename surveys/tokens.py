"""Survey link tokens.

A token is HMAC-SHA256(SURVEY_TOKEN_KEY, nonce) where the nonce is 128 random bits from
`secrets`. The database keeps the nonce and SHA-256(token), never the token: a database dump
alone cannot open a survey, while the application (which holds the key) can rebuild the
link to resend it or to answer a replayed API call with the same body.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

NONCE_BYTES = 16  # 128 bits


def new_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES)


def token_for(nonce: str) -> str:
    digest = hmac.new(settings.SURVEY_TOKEN_KEY.encode(), bytes.fromhex(nonce), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before touching the database (43 url-safe base64 characters)."""
    return len(token) == 43 and all(c.isalnum() or c in "-_" for c in token)
