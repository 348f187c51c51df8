"""Coaching on the agent's page (an analytics page) without analytics importing followups:
agent_detail.html loads this library. Goals with their progress and the kudos received are
shown to whoever sees the page (the agent themself, their supervisors, admins); notes never
are, only a link to the coaching page for those who coach."""

from django import template

from agents.models import Agent
from agents.roles import Viewer
from followups import coaching_selectors
from followups.coaching_services import can_coach

register = template.Library()
KUDOS_SHOWN = 10


@register.inclusion_tag("dashboard/_coaching_panel.html")
def coaching_panel(agent: Agent, viewer: Viewer) -> dict:
    return {
        "agent": agent,
        "goals": coaching_selectors.goals_of(agent, open_only=True),
        "kudos": list(coaching_selectors.kudos_of(agent)[:KUDOS_SHOWN]),
        "coach": can_coach(viewer, agent),
    }
