"""The integrations app's Celery tasks (autodiscovered here): imports from a file."""

from integrations.imports.tasks import dry_run_import, run_import

__all__ = ["dry_run_import", "run_import"]
