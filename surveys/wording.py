"""What the customer reads: the survey's own wording, or the built-in translated default."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from surveys.models import Survey

SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}


@dataclass(frozen=True)
class Wording:
    company_question: str
    agent_question: str
    why_prompt: str


def supported_language(code: str | None) -> str:
    """'id-ID' → 'id'; '' when the language is not one we speak."""
    if not code:
        return ""
    code = code.strip().lower().replace("_", "-")
    if code in SUPPORTED_LANGUAGES:
        return code
    base = code.split("-")[0]
    return base if base in SUPPORTED_LANGUAGES else ""


def survey_wording(*, survey: Survey, language: str, agent_first_name: str) -> Wording:
    """Wording in `language`; fields an admin left blank fall back to the built-in text."""
    company = settings.COMPANY_NAME
    custom = next((t for t in survey.translations.all() if t.language == language), None)
    with translation.override(language):
        defaults = Wording(
            company_question=_("How likely are you to recommend %(company)s to a friend or colleague?")
            % {"company": company},
            agent_question=_("How likely are you to recommend %(agent)s, the agent who helped you?")
            % {"agent": agent_first_name},
            why_prompt=_("Why did you give these scores? (optional)"),
        )
    if custom is None:
        return defaults

    def fill(text: str, default: str) -> str:
        if not text.strip():
            return default
        return text.replace("{agent}", agent_first_name).replace("{company}", company)

    return Wording(
        company_question=fill(custom.company_question, defaults.company_question),
        agent_question=fill(custom.agent_question, defaults.agent_question),
        why_prompt=fill(custom.why_prompt, defaults.why_prompt),
    )
