"""The customer's answer form: two 0–10 scores, the survey's extra questions, an optional why."""

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import SCALE_BOUNDS, TEXT_ANSWER_MAX_LENGTH, WHY_MAX_LENGTH, QuestionKind
from surveys.validators import validate_no_control_characters
from surveys.wording import ExtraQuestion

SCORE_CHOICES = [(str(n), str(n)) for n in range(11)]
TOO_LONG = _("Please keep your answer to %(limit_value)d characters or fewer.")
SCALE_ERRORS = {
    QuestionKind.CSAT: _("Please choose an answer from 1 to 5."),
    QuestionKind.CES: _("Please choose an answer from 1 to 7."),
}
# The ends of each scale, as the customer reads them under the answers.
SCALE_ENDS = {
    QuestionKind.CSAT: (_("1 = very dissatisfied"), _("5 = very satisfied")),
    QuestionKind.CES: (_("1 = very difficult"), _("7 = very easy")),
}


def _yes(value: str) -> bool:
    return value == "yes"


class ResponseForm(forms.Form):
    company_score = forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.HiddenInput,  # templates/survey/_scale.html draws the radio buttons
        error_messages={
            "required": _("Please choose a score from 0 to 10."),
            "invalid_choice": _("Please choose a score from 0 to 10."),
        },
    )
    agent_score = forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.HiddenInput,  # templates/survey/_scale.html draws the radio buttons
        error_messages={
            "required": _("Please choose a score from 0 to 10."),
            "invalid_choice": _("Please choose a score from 0 to 10."),
        },
    )
    why = forms.CharField(
        required=False,
        max_length=WHY_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[validate_no_control_characters],
        error_messages={"max_length": TOO_LONG},
    )

    def __init__(self, *args, questions: list[ExtraQuestion] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question.field_name] = extra_field(question)

    def extra_answers(self) -> dict:
        """The extra questions the customer answered, by question key (unanswered ones left out)."""
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(question.field_name)
            if value is not None and value != "":
                answers[question.key] = value
        return answers

    def extra_fields(self) -> list[tuple[ExtraQuestion, forms.BoundField]]:
        return [(question, self[question.field_name]) for question in self.questions]


class _SharedFields(dict):
    """The form's own fields are never changed per instance (extra questions are added as
    new fields), so each form gets a shallow copy instead of Django's deep copy of every
    field, widget and choice list: most of the CPU of building the form."""

    def __deepcopy__(self, memo) -> dict:
        return dict(self)


ResponseForm.base_fields = _SharedFields(ResponseForm.base_fields)


def extra_field(question: ExtraQuestion) -> forms.Field:
    if question.kind in SCALE_BOUNDS:
        low, high = SCALE_BOUNDS[question.kind]
        message = SCALE_ERRORS[question.kind]
        return forms.TypedChoiceField(
            choices=[(str(n), str(n)) for n in range(low, high + 1)],
            coerce=int,
            empty_value=None,
            required=question.required,
            widget=forms.RadioSelect,
            error_messages={"required": message, "invalid_choice": message},
        )
    if question.kind == QuestionKind.YES_NO:
        message = _("Please answer yes or no.")
        return forms.TypedChoiceField(
            choices=[("yes", _("Yes")), ("no", _("No"))],
            coerce=_yes,
            empty_value=None,
            required=question.required,
            widget=forms.RadioSelect,
            error_messages={"required": message, "invalid_choice": message},
        )
    return forms.CharField(
        required=question.required,
        max_length=TEXT_ANSWER_MAX_LENGTH,
        strip=True,
        validators=[validate_no_control_characters],
        error_messages={"required": _("Please answer this question."), "max_length": TOO_LONG},
    )
