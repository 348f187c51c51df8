"""The customer's survey page: /s/<token>/ and its thank-you page. No login, no JavaScript."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from surveys import services
from surveys.forms import ResponseForm
from surveys.models import WHY_MAX_LENGTH, Invitation
from surveys.wording import survey_wording

CLOSED_STATUS = {"answered": 409, "expired": 410, "closed": 410, "not_found": 404}
# Stricter than the site-wide policy (which lets Plotly's inline styles through): these pages
# use no inline script and no inline style at all.
SURVEY_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _language(request: HttpRequest, invitation: Invitation | None) -> str:
    # The invitation's language first; LocaleMiddleware already chose from Accept-Language.
    return (invitation.language if invitation else "") or translation.get_language() or "en"


def _render(request: HttpRequest, template: str, context: dict, *, language: str, status: int = 200) -> HttpResponse:
    with translation.override(language):
        response = render(
            request, template, {**context, "lang": language, "company": settings.COMPANY_NAME}, status=status
        )
    response.headers["Content-Language"] = language
    response.headers["Content-Security-Policy"] = SURVEY_CSP
    return response


def _closed(request: HttpRequest, reason: str, *, language: str, invitation: Invitation | None = None) -> HttpResponse:
    context = {"reason": reason, "agent": invitation.interaction.agent.first_name if invitation else ""}
    return _render(request, "survey/closed.html", context, language=language, status=CLOSED_STATUS[reason])


@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    language = _language(request, invitation)
    if invitation is None:
        return _closed(request, "not_found", language=language)
    try:
        services.check_answerable(invitation)
    except services.SurveyClosed as closed:
        return _closed(request, closed.reason, language=language, invitation=invitation)

    status = 200
    if request.method == "POST":
        form = ResponseForm(request.POST)
        if form.is_valid():
            try:
                services.submit_response(invitation=invitation, language=language, **form.cleaned_data)
            except services.SurveyClosed as closed:
                return _closed(request, closed.reason, language=language, invitation=invitation)
            return redirect("survey-thanks", token=token)
        status = 400
    else:
        form = ResponseForm()
        services.mark_opened(invitation)

    agent = invitation.interaction.agent.first_name
    wording = survey_wording(survey=invitation.interaction.survey, language=language, agent_first_name=agent)
    context = {"form": form, "wording": wording, "agent": agent, "scale": range(11), "why_max": WHY_MAX_LENGTH}
    return _render(request, "survey/page.html", context, language=language, status=status)


@never_cache
@require_http_methods(["GET"])
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    language = _language(request, invitation)
    if invitation is None:
        return _closed(request, "not_found", language=language)
    if invitation.status != Invitation.Status.ANSWERED:
        return redirect("survey-page", token=token)
    context = {"agent": invitation.interaction.agent.first_name}
    return _render(request, "survey/thanks.html", context, language=language)
