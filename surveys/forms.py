"""The customer's answer form: two 0–10 scores and an optional why."""

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import WHY_MAX_LENGTH

SCORE_CHOICES = [(str(n), str(n)) for n in range(11)]


class ResponseForm(forms.Form):
    company_score = forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a score from 0 to 10."),
            "invalid_choice": _("Please choose a score from 0 to 10."),
        },
    )
    agent_score = forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
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
        error_messages={"max_length": _("Please keep your answer to %(limit_value)d characters or fewer.")},
    )
