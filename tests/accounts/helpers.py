"""Helpers of the sign-in tests."""

from tests.factories import UserFactory


def make_user(username: str, **fields):
    """A user whose password (TEST_PASSWORD) is hashed with the fast test hasher."""
    from django.contrib.auth.hashers import make_password

    from tests.factories import TEST_PASSWORD

    return UserFactory(username=username, password=make_password(TEST_PASSWORD), **fields)
