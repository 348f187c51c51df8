"""Celery tasks of people and structure: thin wrappers around services."""

from celery import shared_task

from agents import services


@shared_task
def apply_agent_moves() -> int:
    """Hourly: agents whose move to another department starts today switch department."""
    return services.apply_due_moves()
