"""Survey versions: what a survey asks, frozen whenever an admin changes it.

The editable rows (SurveyTranslation, SurveyQuestion) are the survey as it is now; a
SurveyVersion is a snapshot of them. Invitations record the version current when they
are made and the customer's page shows that version, so a customer who got a link before
an edit answers the questions they were sent, and the response records which ones.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import OuterRef, Subquery

from surveys.models import Survey, SurveyVersion


def live_content(survey: Survey) -> dict:
    """The survey's wording and extra questions as they are now, in the version format."""
    return {
        "default_language": survey.default_language,
        "wording": {
            t.language: {
                "company_question": t.company_question,
                "agent_question": t.agent_question,
                "why_prompt": t.why_prompt,
            }
            for t in survey.translations.order_by("language")
        },
        "questions": [
            {"key": q.key, "kind": q.kind, "required": q.required, "text": dict(q.text)}
            for q in survey.questions.order_by("position", "pk")
        ],
    }


def latest_version(survey: Survey | int) -> SurveyVersion | None:
    survey_id = survey.pk if isinstance(survey, Survey) else survey
    return SurveyVersion.objects.filter(survey_id=survey_id).order_by("-number").first()


def snapshot(survey: Survey, *, by: AbstractBaseUser | None = None) -> SurveyVersion:
    """Store a new version if the survey's content changed since the latest; return the current one.

    The survey row is locked so that two saves never take the same version number.
    """
    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk).first()
        content = live_content(survey)
        latest = latest_version(survey)
        if latest is not None and latest.content == content:
            return latest
        return SurveyVersion.objects.create(
            survey=survey,
            number=(latest.number + 1) if latest else 1,
            content=content,
            created_by=by if by is not None and by.is_authenticated else None,
        )


def current_version(survey: Survey) -> SurveyVersion:
    """The version new invitations of `survey` use (created on first use if none exists)."""
    return latest_version(survey) or snapshot(survey)


def languages_of(content: dict) -> list[str]:
    """The languages a version has wording for, its default language first."""
    default = content.get("default_language") or "en"
    return [default, *sorted(lang for lang in content.get("wording", {}) if lang != default)]


def current_versions(surveys) -> dict[int, SurveyVersion]:
    """current_version for several surveys at once, by survey id: one query for the latest
    of each (a survey without any version gets its first one)."""
    by_id = {survey.pk: survey for survey in surveys}
    newest = SurveyVersion.objects.filter(survey_id=OuterRef("survey_id")).order_by("-number").values("number")[:1]
    found = {
        v.survey_id: v
        for v in SurveyVersion.objects.filter(survey_id__in=list(by_id), number=Subquery(newest)).order_by()
    }
    for survey_id, survey in by_id.items():
        if survey_id not in found:
            found[survey_id] = snapshot(survey)
    return found
