"""The integrations app's models: imports from files (in integrations/imports/models.py)."""

from integrations.imports.models import ImportIssue, ImportJob

__all__ = ["ImportIssue", "ImportJob"]
