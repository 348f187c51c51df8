"""The customer's recovery re-survey: /r/<token>/, one 0–10 question after a resolved case.
Public, no login, no JavaScript; it looks and behaves like the survey page."""

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from followups import recovery
from followups.models import RecoverySurvey
from surveys.forms import SCORE_CHOICES
from surveys.views_public import CLOSED_STATUS, SURVEY_CSP


class RecoveryForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a score from 0 to 10."),
            "invalid_choice": _("Please choose a score from 0 to 10."),
        },
    )


def _language(recovery_survey: RecoverySurvey | None) -> str:
    return (recovery_survey.language if recovery_survey else "") or translation.get_language() or "en"


def _render(request: HttpRequest, template: str, context: dict, *, language: str, status: int = 200) -> HttpResponse:
    with translation.override(language):
        company = settings.COMPANY_NAME
        question = gettext("How likely are you to recommend %(company)s to a friend or colleague?") % {
            "company": company
        }
        response = render(
            request,
            template,
            {**context, "lang": language, "company": company, "question": question},
            status=status,
        )
    response.headers["Content-Language"] = language
    response.headers["Content-Security-Policy"] = SURVEY_CSP
    return response


def _closed(request: HttpRequest, reason: str, *, language: str) -> HttpResponse:
    return _render(request, "survey/closed.html", {"reason": reason}, language=language, status=CLOSED_STATUS[reason])


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_page(request: HttpRequest, token: str) -> HttpResponse:
    survey = recovery.recovery_for_token(token)
    language = _language(survey)
    if survey is None:
        return _closed(request, "not_found", language=language)
    try:
        recovery.check_answerable(survey)
    except recovery.RecoveryClosed as closed:
        return _closed(request, closed.reason, language=language)
    status = 200
    if request.method == "POST":
        form = RecoveryForm(request.POST)
        if form.is_valid():
            try:
                recovery.answer(survey, score=form.cleaned_data["score"])
            except recovery.RecoveryClosed as closed:
                return _closed(request, closed.reason, language=language)
            return redirect("recovery-thanks", token=token)
        status = 400
    else:
        form = RecoveryForm()
    return _render(
        request, "survey/recovery.html", {"form": form, "scale": range(11)}, language=language, status=status
    )


@never_cache
@require_http_methods(["GET"])
def recovery_thanks(request: HttpRequest, token: str) -> HttpResponse:
    survey = recovery.recovery_for_token(token)
    language = _language(survey)
    if survey is None:
        return _closed(request, "not_found", language=language)
    if survey.answered_at is None:
        return redirect("recovery-page", token=token)
    return _render(request, "survey/recovery_thanks.html", {}, language=language)
