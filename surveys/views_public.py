"""The customer's survey page: /s/<token>/ and its thank-you page. No login, no JavaScript."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from surveys import services
from surveys.forms import SCALE_ENDS, ResponseForm
from surveys.models import SCALE_BOUNDS, TEXT_ANSWER_MAX_LENGTH, WHY_MAX_LENGTH, Invitation, Survey
from surveys.validators import HEX_COLOUR, MIN_CONTRAST, WHITE, contrast_ratio, darker
from surveys.wording import extra_questions_for, supported_language, wording_for

CLOSED_STATUS = {"answered": 409, "expired": 410, "closed": 410, "not_found": 404}


@dataclass(frozen=True)
class Branding:
    """How the page looks for one survey: the name, logo and colour the customer knows."""

    name: str
    logo_url: str = ""
    accent_colour: str = ""
    privacy_url: str = ""

    @classmethod
    def of(cls, survey: Survey | None) -> "Branding":
        if survey is None:
            return cls(name=settings.COMPANY_NAME)
        return cls(
            name=survey.brand_name,
            logo_url=survey.logo_url,
            accent_colour=survey.accent_colour,
            privacy_url=survey.privacy_url,
        )

    @property
    def theme_query(self) -> str:
        return self.accent_colour.lstrip("#").lower() if self.accent_colour else ""


def survey_csp(branding: Branding, *, frame_ancestors: str = "'none'") -> str:
    """Stricter than the site-wide policy (which lets Plotly's inline styles through): these
    pages use no inline script and no inline style at all. A logo on another https host is
    the only outside resource allowed."""
    images = "'self' data:"
    if branding.logo_url.startswith("https://"):
        parts = urlsplit(branding.logo_url)
        images += f" https://{parts.netloc}"
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; object-src 'none'; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}"
    )


# The policy of a page without an outside logo (the recovery re-survey uses it too).
SURVEY_CSP = survey_csp(Branding(name=""))


def _language(request: HttpRequest, invitation: Invitation | None, content: dict | None = None) -> str:
    """The invitation's language; else the browser's first language the page can speak (the
    built-in ones and the survey's own); else the survey's default language."""
    if invitation is not None and invitation.language:
        return invitation.language
    if content is None:  # no survey to read (an unknown link): LocaleMiddleware's choice
        return translation.get_language() or settings.LANGUAGE_CODE
    known = list(content.get("wording", {}))
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        language = supported_language(code, also=known)
        if language:
            return language
    return content.get("default_language") or settings.LANGUAGE_CODE


def render_survey(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    language: str,
    branding: Branding,
    status: int = 200,
    frame_ancestors: str = "'none'",
) -> HttpResponse:
    with translation.override(language):
        response = render(
            request,
            template,
            {**context, "lang": language, "company": branding.name, "branding": branding},
            status=status,
        )
    response.headers["Content-Language"] = language
    response.headers["Content-Security-Policy"] = survey_csp(branding, frame_ancestors=frame_ancestors)
    return response


def page_context(*, form: ResponseForm, content: dict, language: str, agent: str, company: str) -> dict:
    """What survey/page.html needs to show one survey version's questions."""
    return {
        "form": form,
        "wording": wording_for(content, language=language, agent_first_name=agent, company=company),
        "agent": agent,
        "scale": range(11),
        "why_max": WHY_MAX_LENGTH,
        "text_max": TEXT_ANSWER_MAX_LENGTH,
        "extras": [
            {
                "question": question,
                "field": field,
                "scale": range(SCALE_BOUNDS[question.kind][0], SCALE_BOUNDS[question.kind][1] + 1)
                if question.kind in SCALE_BOUNDS
                else None,
                "ends": SCALE_ENDS.get(question.kind),
            }
            for question, field in form.extra_fields()
        ],
    }


def response_form(data, *, content: dict, language: str, agent: str, company: str) -> ResponseForm:
    questions = extra_questions_for(content, language=language, agent_first_name=agent, company=company)
    return ResponseForm(data, questions=questions)


def _content_of(invitation: Invitation) -> dict:
    """The content of the version the invitation asks, without pinning one (closed links)."""
    if invitation.survey_version_id is not None:
        return invitation.survey_version.content
    return {"default_language": invitation.interaction.survey.default_language, "wording": {}}


def _closed(request: HttpRequest, reason: str, *, language: str, invitation: Invitation | None = None) -> HttpResponse:
    context = {"reason": reason, "agent": invitation.interaction.agent.first_name if invitation else ""}
    branding = Branding.of(invitation.interaction.survey if invitation else None)
    return render_survey(
        request, "survey/closed.html", context, language=language, branding=branding, status=CLOSED_STATUS[reason]
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return _closed(request, "not_found", language=_language(request, None))
    try:
        services.check_answerable(invitation)
    except services.SurveyClosed as closed:
        language = _language(request, invitation, _content_of(invitation))
        return _closed(request, closed.reason, language=language, invitation=invitation)

    version = services.version_of(invitation)
    language = _language(request, invitation, version.content)
    branding = Branding.of(invitation.interaction.survey)
    agent = invitation.interaction.agent.first_name
    with translation.override(language):
        form = response_form(
            request.POST if request.method == "POST" else None,
            content=version.content,
            language=language,
            agent=agent,
            company=branding.name,
        )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_response(
                    invitation=invitation,
                    company_score=form.cleaned_data["company_score"],
                    agent_score=form.cleaned_data["agent_score"],
                    why=form.cleaned_data["why"],
                    extra_answers=form.extra_answers(),
                    language=language,
                    survey_version=version,
                )
            except services.SurveyClosed as closed:
                return _closed(request, closed.reason, language=language, invitation=invitation)
            return redirect("survey-thanks", token=token)
        status = 400
    else:
        services.mark_opened(invitation)

    context = page_context(form=form, content=version.content, language=language, agent=agent, company=branding.name)
    return render_survey(request, "survey/page.html", context, language=language, branding=branding, status=status)


@never_cache
@require_http_methods(["GET"])
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return _closed(request, "not_found", language=_language(request, None))
    if invitation.status != Invitation.Status.ANSWERED:
        return redirect("survey-page", token=token)
    language = _language(request, invitation, _content_of(invitation))
    context = {"agent": invitation.interaction.agent.first_name}
    branding = Branding.of(invitation.interaction.survey)
    return render_survey(request, "survey/thanks.html", context, language=language, branding=branding)


@require_GET
def theme_css(request: HttpRequest) -> HttpResponse:
    """A survey's accent colour as a stylesheet (the page allows no inline style).

    Everything in it comes from the query string, so it is cached for good."""
    colour = "#" + request.GET.get("accent", "")
    if not HEX_COLOUR.match(colour) or contrast_ratio(colour, WHITE) < MIN_CONTRAST:
        raise Http404("No such theme")
    colour = colour.lower()
    css = f":root {{ --accent: {colour}; --accent-dark: {darker(colour)}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
