import pytest
from django.core.cache import cache

from tests.accounts.fake_oidc import FakeProvider
from tests.accounts.helpers import make_user


@pytest.fixture
def admin_user(db):
    return make_user("ada", is_staff=True, email="ada@example.com")


@pytest.fixture
def provider(settings):
    """A fake OpenID provider on 127.0.0.1, with the app's OIDC_* settings pointing at it."""
    fake = FakeProvider()
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    cache.clear()
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Lockout tests type many passwords: hash them cheaply (PBKDF2 takes about a second here)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
