"""Which survey an interaction gets.

Rules of active surveys match by department and/or channel. The most specific rule wins:
department + channel, then department alone, then channel alone; two active surveys never
share a rule (the editor refuses it), and among equals the oldest survey wins so the answer
is always the same. Interactions no rule matches get the default survey, active or not (an
inactive default survey means: do not survey them).
"""

from django.db.models import Q

from agents.models import Department
from surveys.models import Survey, SurveyAssignment

PRECEDENCE = "department + channel > department > channel > default survey"


def matching_rules(*, department: Department | int | None, channel: str):
    department_id = department.pk if isinstance(department, Department) else department
    department_match = Q(department__isnull=True)
    if department_id is not None:
        department_match |= Q(department_id=department_id)
    return (
        SurveyAssignment.objects.filter(survey__active=True)
        .filter(department_match, Q(channel="") | Q(channel=channel))
        .select_related("survey")
    )


def survey_for(*, department: Department | int | None, channel: str) -> Survey:
    """The survey for an interaction of `department` on `channel`."""
    rule = best_rule(matching_rules(department=department, channel=channel))
    if rule is not None:
        return rule.survey
    from surveys.services import default_survey  # services import this module

    return default_survey()


def best_rule(rules) -> SurveyAssignment | None:
    """The most specific of matching rules; among equals the oldest survey's."""
    return min(rules, key=lambda r: (-r.specificity, r.survey_id), default=None)


def conflicting_rules(
    *, survey: Survey | None, rules: list[tuple[int | None, str]]
) -> dict[tuple[int | None, str], Survey]:
    """Rules in `rules` that another active survey already has: (department id, channel) → that survey."""
    if not rules:
        return {}
    taken = SurveyAssignment.objects.filter(survey__active=True).select_related("survey")
    if survey is not None and survey.pk:
        taken = taken.exclude(survey=survey)
    wanted = set(rules)
    return {(r.department_id, r.channel): r.survey for r in taken if (r.department_id, r.channel) in wanted}
