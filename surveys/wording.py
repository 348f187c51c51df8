"""What the customer reads: the survey's own wording, or the built-in translated default.

Admins write `{agent}` where the agent's first name goes and `{company}` for the name the
customer knows the company by (the survey's display name, else COMPANY_NAME).
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from surveys.models import Survey

SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}
PLACEHOLDERS = ("agent", "company")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Wording:
    company_question: str
    agent_question: str
    why_prompt: str


@dataclass(frozen=True)
class ExtraQuestion:
    key: str
    kind: str
    required: bool
    text: str
    language: str  # the language `text` is in (the default language when not written in the page's)

    @property
    def field_name(self) -> str:
        return f"q_{self.key}"


def normalise_language(code: str | None) -> str:
    return (code or "").strip().lower().replace("_", "-")


def supported_language(code: str | None, *, also: tuple[str, ...] | list[str] = ()) -> str:
    """'id-ID' → 'id'; '' when the language is neither one we speak nor one in `also`
    (the languages a survey has its own wording for)."""
    code = normalise_language(code)
    if not code:
        return ""
    known = SUPPORTED_LANGUAGES | set(also)
    if code in known:
        return code
    base = code.split("-")[0]
    return base if base in known else ""


def language_name(code: str) -> str:
    names = dict(settings.LANGUAGES)
    if code in names:
        return names[code]
    try:
        return translation.get_language_info(code)["name_local"]
    except KeyError:
        return code


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]


def fill(text: str, *, agent_first_name: str, company: str) -> str:
    return text.replace("{agent}", agent_first_name).replace("{company}", company)


def builtin_templates(language: str) -> dict[str, str]:
    """The built-in wording in `language`, placeholders left in (what the editor starts from)."""
    with translation.override(language):
        return {
            "company_question": _("How likely are you to recommend %(company)s to a friend or colleague?")
            % {"company": "{company}"},
            "agent_question": _("How likely are you to recommend %(agent)s, the agent who helped you?")
            % {"agent": "{agent}"},
            "why_prompt": _("Why did you give these scores? (optional)"),
        }


def wording_for(content: dict, *, language: str, agent_first_name: str, company: str) -> Wording:
    """Wording of a survey version in `language`; what an admin left blank (or a language
    without wording of its own) uses the built-in text."""
    wording = content.get("wording", {})
    custom = wording.get(language, {})
    builtin = builtin_templates(language)
    if language not in SUPPORTED_LANGUAGES:  # no built-in text in that language: the default language's
        default = content.get("default_language") or settings.LANGUAGE_CODE
        fallback = wording.get(default, {})
        builtin = {
            name: (fallback.get(name) or "").strip() or text for name, text in builtin_templates(default).items()
        }

    def pick(name: str) -> str:
        text = (custom.get(name) or "").strip() or builtin[name]
        return fill(text, agent_first_name=agent_first_name, company=company)

    return Wording(
        company_question=pick("company_question"), agent_question=pick("agent_question"), why_prompt=pick("why_prompt")
    )


def extra_questions_for(content: dict, *, language: str, agent_first_name: str, company: str) -> list[ExtraQuestion]:
    """The version's extra questions in `language`, else in its default language."""
    default = content.get("default_language") or "en"
    questions = []
    for q in content.get("questions", []):
        texts = q.get("text", {})
        used = language if (texts.get(language) or "").strip() else default
        if not (texts.get(used) or "").strip():
            used = next((lang for lang, text in texts.items() if text.strip()), language)
        text = fill(texts.get(used, ""), agent_first_name=agent_first_name, company=company)
        questions.append(ExtraQuestion(key=q["key"], kind=q["kind"], required=q["required"], text=text, language=used))
    return questions


def survey_wording(*, survey: Survey, language: str, agent_first_name: str) -> Wording:
    """Wording of the survey as it is now (not of a stored version)."""
    from surveys.versions import live_content

    return wording_for(
        live_content(survey), language=language, agent_first_name=agent_first_name, company=survey.brand_name
    )
