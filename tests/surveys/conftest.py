"""The role logins of the admin-area tests live in tests/conftest.py (shared with tests/integrations)."""
