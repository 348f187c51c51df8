"""The survey editor's pages, for admins: /manage/surveys/. Thin: forms and services do the work."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from agents.roles import staff_required
from agents.views_manage import manage_render
from privacy import audit
from surveys.assignment import PRECEDENCE
from surveys.editor import preview, services
from surveys.models import Survey, SurveyVersion
from surveys.versions import languages_of, latest_version, live_content
from surveys.views_public import Branding, page_context, render_survey, response_form
from surveys.wording import builtin_templates, language_name

PREVIEW_AGENT = "Alex"


@staff_required
def survey_list(request: HttpRequest) -> HttpResponse:
    rows = services.survey_rows()
    default = next((survey for survey, _version in rows if survey.is_default), None)
    return manage_render(
        request, "editor/survey_list.html", {"rows": rows, "default": default, "precedence": PRECEDENCE}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk) if pk else None
    editor = services.build_editor(request.POST if request.method == "POST" else None, survey=survey)
    status = 200
    if request.method == "POST":
        if services.is_valid(editor):
            with transaction.atomic():
                saved = services.save(editor, by=request.user)
                audit.record(
                    "survey.created" if saved.created else "survey.updated",
                    target=saved.survey,
                    request=request,
                    details={
                        "version": saved.version.number,
                        "new_version": saved.new_version,
                        "changed": sorted(editor.form.changed_data),
                    },
                )
            messages.success(request, _saved_message(saved))
            return redirect("manage-survey-edit", pk=saved.survey.pk)
        status = 400
    return manage_render(request, "editor/survey_form.html", _editor_context(request, editor), status=status)


def _saved_message(saved: services.Saved) -> str:
    if saved.created:
        return f"Survey “{saved.survey.name}” created (version {saved.version.number})."
    if saved.new_version:
        return (
            f"Saved as version {saved.version.number}. Invitations made from now on ask this version; "
            "customers invited earlier still see the version they were sent."
        )
    return "Saved. The wording and questions did not change, so the version stays the same."


def _editor_context(request: HttpRequest, editor: services.Editor) -> dict:
    survey = editor.survey
    version = latest_version(survey) if survey else None
    preview_url = reverse("manage-survey-preview", args=[survey.pk]) if survey else reverse("manage-survey-preview-new")
    versions = []
    if survey:
        versions = list(
            SurveyVersion.objects.filter(survey=survey).annotate(answers=Count("responses")).order_by("-number")[:5]
        )
    return {
        "editor": editor,
        "survey": survey,
        "version": version,
        "versions": versions,
        "preview_url": preview_url,
        "preview_languages": [(code, language_name(code)) for code in editor.languages],
        "placeholders": {code: builtin_templates(code) for code in services.BUILTIN_LANGUAGES},
        "errors": _error_summary(editor),
    }


def _error_summary(editor: services.Editor) -> list[tuple[str, str]]:
    """(field id, message) for every error, for the list at the top of the page."""
    if not editor.form.is_bound:
        return []
    found = []
    sections = {"translations": "wording", "questions": "questions", "rules": "who"}
    for formset in editor.formsets:
        for error in formset.non_form_errors():
            found.append((sections[formset.prefix], str(error)))
    forms = [editor.form] + [
        form
        for formset in editor.formsets
        for form in formset.forms
        if not (formset.can_delete and formset._should_delete_form(form))
    ]
    for form in forms:
        for name, errors in form.errors.items():
            if name in form.fields:
                anchor, label = form[name].auto_id, form.fields[name].label
            else:
                anchor, label = (f"{form.prefix}-box" if form.prefix else "survey-editor"), ""
            for error in errors:
                found.append((anchor, f"{label}: {error}" if label else str(error)))
    return found


@staff_required
@require_POST
def survey_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    with transaction.atomic():
        copy = services.duplicate(survey, by=request.user)
        audit.record("survey.duplicated", target=copy, request=request, details={"from": survey.pk})
    messages.success(request, f"Copied “{survey.name}”. The copy is inactive until you switch it on.")
    return redirect("manage-survey-edit", pk=copy.pk)


@staff_required
@require_POST
def survey_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        with transaction.atomic():
            services.set_active(survey, active=active)
            audit.record("survey.activated" if active else "survey.deactivated", target=survey, request=request)
    except services.EditorError as error:
        messages.error(request, str(error))
    else:
        if active:
            messages.success(request, f"“{survey.name}” is active.")
        elif survey.is_default:
            messages.warning(
                request,
                f"“{survey.name}” is inactive. It is the default survey, so interactions no other "
                "survey's rule assigns are not surveyed until you switch it on again.",
            )
        else:
            messages.success(request, f"“{survey.name}” is inactive; its interactions get the default survey.")
    return redirect("manage-surveys")


@staff_required
@require_POST
def survey_make_default(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    with transaction.atomic():
        services.make_default(survey)
        audit.record("survey.made_default", target=survey, request=request)
    messages.success(request, f"“{survey.name}” is now the default survey.")
    return redirect("manage-surveys")


@staff_required
def survey_versions(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    versions = (
        SurveyVersion.objects.filter(survey=survey)
        .select_related("created_by")
        .annotate(answers=Count("responses", distinct=True), invited=Count("invitations", distinct=True))
        .order_by("-number")
    )
    return manage_render(request, "editor/survey_versions.html", {"survey": survey, "versions": versions})


# --- The preview -------------------------------------------------------------------------------


@staff_required
@xframe_options_sameorigin
@require_http_methods(["GET", "POST"])
def survey_preview(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The customer's page with sample data: no token, nothing stored.

    GET shows a saved version (?version=N, default the current one) in ?lang=; a POST from
    the editor (`_editor`) shows its unsaved changes; a POST of answers checks them.
    """
    survey = get_object_or_404(Survey, pk=pk) if pk else None
    base_url = request.path
    if request.method == "POST" and "_editor" in request.POST:
        editor = services.build_editor(request.POST, survey=survey)
        content, brand = preview.preview_content(editor)
        branding = Branding(**brand)
        languages = languages_of(content)
        language = _pick(request.POST.get("preview_language"), languages)
        label = "your unsaved changes"
        switcher = []
    else:
        if survey is None:
            content = {
                "default_language": "en",
                "wording": {code: builtin_templates(code) for code in services.BUILTIN_LANGUAGES},
                "questions": [],
            }
            label = "a new survey"
        else:
            version = _version(survey, request.GET.get("version"))
            content = version.content
            label = f"{survey.name}, version {version.number}"
        branding = Branding.of(survey)
        languages = list(dict.fromkeys(languages_of(content) + services.BUILTIN_LANGUAGES))
        language = _pick(request.GET.get("lang"), languages, fallback=content.get("default_language"))
        params = {k: v for k, v in request.GET.items() if k != "lang"}
        switcher = [
            (code, language_name(code), f"{base_url}?{urlencode({**params, 'lang': code})}") for code in languages
        ]
    answers = request.POST if request.method == "POST" and "_editor" not in request.POST else None
    form = response_form(answers, content=content, language=language, agent=PREVIEW_AGENT, company=branding.name)
    checked = answers is not None and form.is_valid()
    context = page_context(form=form, content=content, language=language, agent=PREVIEW_AGENT, company=branding.name)
    context["preview"] = {"label": label, "languages": switcher, "checked": checked}
    context["form_action"] = f"{base_url}?{urlencode({'lang': language, **_version_param(request)})}"
    status = 400 if answers is not None and not checked else 200
    return render_survey(
        request,
        "survey/page.html",
        context,
        language=language,
        branding=branding,
        status=status,
        frame_ancestors="'self'",
    )


def _version(survey: Survey, number: str | None) -> SurveyVersion:
    if number and number.isdigit():
        return get_object_or_404(SurveyVersion, survey=survey, number=int(number))
    # A survey made outside the editor may have no version yet: show it as it is, store nothing.
    return latest_version(survey) or SurveyVersion(survey=survey, number=1, content=live_content(survey))


def _version_param(request: HttpRequest) -> dict:
    number = request.GET.get("version", "")
    return {"version": number} if number.isdigit() else {}


def _pick(code: str | None, languages: list[str], *, fallback: str | None = None) -> str:
    if code in languages:
        return code
    return fallback if fallback in languages else (languages[0] if languages else "en")
