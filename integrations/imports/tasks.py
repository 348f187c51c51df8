"""Celery tasks of imports from a file: thin wrappers around integrations.imports.services."""

from celery import shared_task

from integrations.imports import services


@shared_task(acks_late=True)
def dry_run_import(job_id: int) -> None:
    """Validate every row of the job's file (runs again from the start if redelivered)."""
    services.run_dry_run(job_id)


@shared_task(acks_late=True)
def run_import(job_id: int) -> None:
    """Store the job's valid rows (resumes after the last chunk stored if redelivered)."""
    services.run_import(job_id)
