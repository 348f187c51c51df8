"""Shared pieces of the survey-page browser tests: an invitation to open, a console watch."""

from playwright.sync_api import Page

from surveys.models import Invitation
from tests.factories import AgentFactory, InvitationFactory

PHONE = {"width": 375, "height": 812}


def invitation_for(*, language: str = "id", agent_name: str = "Budi Santoso") -> Invitation:
    """An answerable invitation from `agent_name`, in `language` ("" = none given)."""
    agent = AgentFactory(name=agent_name)
    return InvitationFactory(interaction__agent=agent, interaction__language=language, language=language)


def survey_path(invitation: Invitation) -> str:
    return f"/s/{invitation.token}/"


def console_errors(page: Page) -> list[str]:
    """Collect console errors and page errors (a CSP violation shows up here) as they happen."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
