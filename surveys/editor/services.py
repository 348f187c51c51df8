"""The survey editor's use cases: build and check its forms, save a survey with its wording,
questions and rules in one transaction (then freeze a new version if what it asks changed),
duplicate it, switch it on or off, make it the default."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count

from agents.models import Department
from surveys.assignment import conflicting_rules
from surveys.editor.forms import (
    QuestionFormSetFactory,
    RuleFormSet,
    SurveyForm,
    TranslationFormSet,
    question_key,
)
from surveys.models import (
    Channel,
    Survey,
    SurveyAssignment,
    SurveyQuestion,
    SurveyTranslation,
    SurveyVersion,
)
from surveys.versions import snapshot
from surveys.wording import LANGUAGE_CODE, builtin_templates, language_name, normalise_language

BUILTIN_LANGUAGES = [code for code, _name in settings.LANGUAGES]
WORDING_FIELDS = ("company_question", "agent_question", "why_prompt")


class EditorError(Exception):
    """An action on a survey that cannot be done; the message says why, for the admin."""


@dataclass
class Editor:
    survey: Survey | None
    form: SurveyForm
    translations: TranslationFormSet
    questions: QuestionFormSetFactory
    rules: RuleFormSet
    languages: list[str]

    @property
    def formsets(self):
        return (self.translations, self.questions, self.rules)

    def all_forms(self) -> list:
        return [self.form, *(form for formset in self.formsets for form in formset.forms)]


@dataclass(frozen=True)
class Saved:
    survey: Survey
    version: SurveyVersion
    new_version: bool
    created: bool


def posted_languages(data, prefix: str = "translations") -> list[str]:
    """The language codes of the wording rows being posted (not deleted), in order."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 50)
    except (TypeError, ValueError):
        return []
    codes = []
    for i in range(total):
        code = normalise_language(data.get(f"{prefix}-{i}-language"))
        if code and not data.get(f"{prefix}-{i}-DELETE") and code not in codes:
            codes.append(code)
    return codes


def _prefill(survey: Survey | None) -> list[dict]:
    """Wording rows a survey starts with: the built-in wording for each language we speak,
    for a new survey or one that never had wording of its own."""
    if survey is not None and survey.translations.exists():
        return []
    return [{"language": code, **builtin_templates(code)} for code in BUILTIN_LANGUAGES]


def build_editor(data=None, *, survey: Survey | None = None) -> Editor:
    instance = survey or Survey(name="", active=True, is_default=not Survey.objects.filter(is_default=True).exists())
    prefill = _prefill(survey)
    translations = TranslationFormSet(data, instance=instance, prefix="translations", initial=prefill)
    translations.extra = len(prefill) + 1
    if data is None:
        for form in translations.initial_forms:  # show the built-in text where the admin left it blank
            builtin = builtin_templates(form.instance.language)
            if form.instance.language in BUILTIN_LANGUAGES:
                for name in WORDING_FIELDS:
                    if not getattr(form.instance, name):
                        form.initial[name] = builtin[name]
        languages = [form.instance.language for form in translations.initial_forms] + [p["language"] for p in prefill]
    else:
        languages = posted_languages(data)
    default = normalise_language(data.get("default_language") if data is not None else instance.default_language)
    default = default if LANGUAGE_CODE.match(default) else "en"
    choices = list(dict.fromkeys([*languages, default]))
    form = SurveyForm(data, instance=instance, languages=choices or [default])
    form.fields["default_language"].error_messages["invalid_choice"] = (
        "Choose one of the survey's languages; add a wording row for it first."
    )
    question_languages = list(dict.fromkeys([default, *languages])) if default in languages else languages
    questions = QuestionFormSetFactory(
        data,
        instance=instance,
        prefix="questions",
        languages=question_languages or [default],
        default_language=default,
        queryset=SurveyQuestion.objects.filter(survey=instance) if instance.pk else SurveyQuestion.objects.none(),
    )
    rules = RuleFormSet(data, instance=instance, prefix="rules")
    return Editor(
        survey=survey,
        form=form,
        translations=translations,
        questions=questions,
        rules=rules,
        languages=question_languages or [default],
    )


def used_keys(survey: Survey | None) -> set[str]:
    """Every question key the survey has used, now or in an earlier version."""
    if survey is None or not survey.pk:
        return set()
    keys = set(survey.questions.values_list("key", flat=True))
    for content in survey.versions.values_list("content", flat=True):
        keys |= {q["key"] for q in content.get("questions", [])}
    return keys


def is_valid(editor: Editor) -> bool:
    """Check every form, then the rules that span them; errors land next to the fields."""
    valid = editor.form.is_valid()
    for formset in editor.formsets:
        valid = formset.is_valid() and valid
    return _check_wording(editor) and _check_questions(editor) and _check_rules(editor) and valid


def _check_wording(editor: Editor) -> bool:
    ok = True
    rows: dict[str, object] = {}
    for form in editor.translations.live_forms():
        code = form.cleaned_data.get("language") if hasattr(form, "cleaned_data") else None
        if not code:
            continue
        if code in rows:
            form.add_error("language", f"{language_name(code)} ({code}) is already above; keep one row per language.")
            ok = False
        else:
            rows[code] = form
    default = editor.form.cleaned_data.get("default_language") if hasattr(editor.form, "cleaned_data") else None
    if default:
        row = rows.get(default)
        if row is None:
            editor.form.add_error(
                "default_language",
                f"{language_name(default)} ({default}) has no wording: add a row for it, or choose another default.",
            )
            ok = False
        else:
            name = language_name(default)
            for field, what in (("company_question", "company"), ("agent_question", "agent")):
                if field in row.cleaned_data and not row.cleaned_data[field]:
                    row.add_error(
                        field,
                        f"Write the {what} question in {name}: it is the default language, read by every "
                        "customer whose language the survey does not have.",
                    )
                    ok = False
    return ok


def _check_questions(editor: Editor) -> bool:
    ok = True
    taken = used_keys(editor.survey)
    current = {}
    if editor.survey is not None:
        current = dict(editor.survey.questions.values_list("key", "pk"))
    wanted: set[str] = set()
    for form in editor.questions.live_forms():
        if form.instance.pk or not hasattr(form, "cleaned_data"):
            continue
        key = form.cleaned_data.get("new_key")
        if not key:
            continue
        if key in taken or key in wanted:
            still = key in current
            form.add_error(
                "new_key",
                f"The key {key} is {'taken by another question' if still else 'used by an earlier question'}"
                " of this survey; choose another so answers keep their meaning.",
            )
            ok = False
        wanted.add(key)
    return ok


def _check_rules(editor: Editor) -> bool:
    ok = True
    seen: set[tuple[int | None, str]] = set()
    forms_by_rule = {}
    for form in editor.rules.live_forms():
        if not hasattr(form, "cleaned_data") or form.errors:
            continue
        department = form.cleaned_data.get("department")
        rule = (department.pk if department else None, form.cleaned_data.get("channel") or "")
        if rule in seen:
            form.add_error(None, "This rule is already in the list.")
            ok = False
        seen.add(rule)
        forms_by_rule[rule] = form
    active = editor.form.cleaned_data.get("active") if hasattr(editor.form, "cleaned_data") else False
    if active:
        for rule, other in conflicting_rules(survey=editor.survey, rules=list(seen)).items():
            forms_by_rule[rule].add_error(
                None,
                f"{describe_rule(*rule)} already goes to the survey “{other.name}”. Remove the rule there "
                "first, or deactivate that survey.",
            )
            ok = False
    return ok


def describe_rule(department_id: int | None, channel: str) -> str:
    parts = []
    if department_id:
        parts.append(Department.objects.filter(pk=department_id).values_list("name", flat=True).first() or "?")
    if channel:
        parts.append(f"{Channel(channel).label} interactions")
    return " + ".join(parts) if parts else "Every interaction"


@transaction.atomic
def save(editor: Editor, *, by: AbstractBaseUser | None) -> Saved:
    """Store what a valid editor holds, all or nothing, and freeze a version if the wording
    or the questions changed."""
    created = editor.survey is None
    form = editor.form
    if form.cleaned_data.get("is_default"):  # the flag moves here from the old default survey
        others = Survey.objects.select_for_update().filter(is_default=True)
        if form.instance.pk:
            others = others.exclude(pk=form.instance.pk)
        others.update(is_default=False)
    survey = form.save()
    _save_wording(survey, editor)
    _save_questions(survey, editor)
    _save_rules(survey, editor)
    before = survey.versions.order_by("-number").values_list("number", flat=True).first()
    version = snapshot(survey, by=by)
    return Saved(survey=survey, version=version, new_version=version.number != before, created=created)


def _save_wording(survey: Survey, editor: Editor) -> None:
    wanted = {}
    for form in editor.translations.live_forms():
        data = form.cleaned_data
        if data.get("language"):
            wanted[data["language"]] = {name: data.get(name, "") for name in WORDING_FIELDS}
    survey.translations.exclude(language__in=wanted).delete()
    for code, texts in wanted.items():
        SurveyTranslation.objects.update_or_create(survey=survey, language=code, defaults=texts)


def _save_questions(survey: Survey, editor: Editor) -> None:
    taken = used_keys(survey)
    live = editor.questions.live_forms()
    ordered = sorted(enumerate(live), key=lambda item: (item[1].cleaned_data.get("position") or 999, item[0]))
    keep = []
    for position, (_index, form) in enumerate(ordered, start=1):
        data = form.cleaned_data
        if form.instance.pk:
            question = form.instance
        else:
            key = question_key(data["kind"], wanted=data.get("new_key") or "", taken=taken)
            taken.add(key)
            question = SurveyQuestion(survey=survey, key=key, kind=data["kind"])
        question.required = bool(data.get("required"))
        question.position = position
        question.text = form.texts()
        question.save()
        keep.append(question.pk)
    survey.questions.exclude(pk__in=keep).delete()


def _save_rules(survey: Survey, editor: Editor) -> None:
    wanted = set()
    for form in editor.rules.live_forms():
        department = form.cleaned_data.get("department")
        wanted.add((department.pk if department else None, form.cleaned_data.get("channel") or ""))
    survey.rules.all().delete()
    SurveyAssignment.objects.bulk_create(
        SurveyAssignment(survey=survey, department_id=department_id, channel=channel)
        for department_id, channel in sorted(wanted, key=lambda r: (r[0] or 0, r[1]))
    )


# --- Actions from the survey list ---------------------------------------------------------------


@transaction.atomic
def duplicate(survey: Survey, *, by: AbstractBaseUser | None) -> Survey:
    """A copy to edit: same wording, questions and settings; inactive, not the default, no rules."""
    copy = Survey.objects.get(pk=survey.pk)
    copy.pk = None
    copy.name = f"Copy of {survey.name}"[:200]
    copy.is_default = False
    copy.active = False
    copy.save()
    SurveyTranslation.objects.bulk_create(
        SurveyTranslation(survey=copy, **{f: getattr(t, f) for f in ("language", *WORDING_FIELDS)})
        for t in survey.translations.all()
    )
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(survey=copy, key=q.key, kind=q.kind, required=q.required, position=q.position, text=q.text)
        for q in survey.questions.all()
    )
    snapshot(copy, by=by)
    return copy


@transaction.atomic
def set_active(survey: Survey, *, active: bool) -> None:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if active:
        rules = list(survey.rules.values_list("department_id", "channel"))
        conflicts = conflicting_rules(survey=survey, rules=rules)
        if conflicts:
            rule, other = next(iter(conflicts.items()))
            raise EditorError(
                f"“{survey.name}” cannot be activated: {describe_rule(*rule)} already goes to the active survey "
                f"“{other.name}”. Remove that rule from one of them first."
            )
    Survey.objects.filter(pk=survey.pk).update(active=active)


@transaction.atomic
def make_default(survey: Survey) -> None:
    Survey.objects.select_for_update().filter(is_default=True).exclude(pk=survey.pk).update(is_default=False)
    Survey.objects.filter(pk=survey.pk).update(is_default=True)


def survey_rows():
    """The survey list: each survey with its rules, its current version and how many answered."""
    surveys = list(
        Survey.objects.prefetch_related("rules__department").annotate(answers=Count("interactions__response"))
    )
    latest = {}
    for version in SurveyVersion.objects.filter(survey__in=surveys).order_by("survey_id", "number"):
        latest[version.survey_id] = version
    return [(survey, latest.get(survey.pk)) for survey in surveys]
