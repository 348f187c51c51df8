"""Answers placed in time for the coaching tests (the queue compares the last complete week
with the 13 weeks before it)."""

from datetime import datetime, timedelta

from agents.models import Agent
from analytics.buckets import day_start
from analytics.digest_content import last_complete_week
from tests.analytics.champion_data import add_answers, levels


def last_week_day(offset: int = 2) -> datetime:
    """Noon on a day of the last complete week (Monday + offset)."""
    return day_start(last_complete_week().start + timedelta(days=offset)) + timedelta(hours=12)


def weeks_before(weeks: int) -> datetime:
    """Noon on the same weekday `weeks` weeks before the last complete week."""
    return last_week_day() - timedelta(weeks=weeks)


def answer(agent: Agent, promoters: int = 0, passives: int = 0, detractors: int = 0, *, when: datetime) -> None:
    """Store answers on the agent question with exactly these category counts."""
    add_answers(agent, levels(promoters, passives, detractors), when=when)
