"""The alert rule form of /manage/alerts/: the rule's conditions as plain fields, stored
as AlertRule.conditions (see followups/models.py for the shape)."""

from django import forms
from django.contrib.auth import get_user_model

from followups.channels import UnsafeURL, check_webhook_url
from followups.models import AlertRule
from followups.rules import ANSWER_ATTRIBUTES

CONDITION_FIELDS = {
    AlertRule.Kind.ANSWER: ("score_max", "question", "tag", "attribute", "attribute_value", "theme"),
    AlertRule.Kind.AGENT: ("weeks", "min_responses"),
    AlertRule.Kind.DEPARTMENT: ("weeks", "min_responses", "driver"),
}


class AlertRuleForm(forms.ModelForm):
    score_max = forms.IntegerField(
        label="Score at or below", required=False, min_value=0, max_value=10, help_text="0–10; empty: any score."
    )
    question = forms.ChoiceField(
        label="On the question",
        choices=[("either", "Either question"), ("company", "Company"), ("agent", "Agent")],
        required=False,
    )
    tag = forms.CharField(label="Interaction tag", max_length=60, required=False, help_text="For example vip.")
    attribute = forms.ChoiceField(
        label="Customer attribute",
        choices=[("", "—"), *((a, a.capitalize()) for a in ANSWER_ATTRIBUTES)],
        required=False,
    )
    attribute_value = forms.CharField(
        label="equals", max_length=40, required=False, help_text="For example es or chat."
    )
    theme = forms.CharField(
        label="Theme", max_length=40, required=False, help_text="A theme key; applies once answers carry themes."
    )
    weeks = forms.IntegerField(label="Over weeks", min_value=1, max_value=26, required=False, initial=4)
    min_responses = forms.IntegerField(
        label="With at least answers", min_value=1, max_value=10000, required=False, initial=10
    )
    driver = forms.CharField(
        label="Driver (optional)",
        max_length=80,
        required=False,
        help_text="dimension=value, e.g. tag=vip or transfers=2+.",
    )
    slack_url = forms.URLField(
        label="Slack incoming-webhook URL", max_length=500, required=False, assume_scheme="https"
    )
    teams_url = forms.URLField(
        label="Teams incoming-webhook URL", max_length=500, required=False, assume_scheme="https"
    )
    channels = forms.MultipleChoiceField(
        choices=AlertRule.Channel.choices, widget=forms.CheckboxSelectMultiple, label="Send to"
    )

    class Meta:
        model = AlertRule
        fields = ["name", "active", "kind", "department", "quiet_minutes", "email_to", "slack_url", "teams_url"]
        widgets = {"email_to": forms.SelectMultiple(attrs={"size": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email_to"].queryset = get_user_model().objects.filter(is_active=True).exclude(email="")
        self.fields["quiet_minutes"].min_value = 1
        if self.instance.pk:
            for name, value in self.instance.conditions.items():
                if name in self.fields:
                    self.initial[name] = value
            self.initial["channels"] = self.instance.channels

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == AlertRule.Kind.ANSWER:
            if not any(data.get(f) not in (None, "") for f in ("score_max", "tag", "attribute", "theme")):
                self.add_error("score_max", "Give at least one condition: a score, a tag, an attribute or a theme.")
            if data.get("attribute") and not data.get("attribute_value"):
                self.add_error("attribute_value", "Give the value the attribute must have.")
        driver = data.get("driver") or ""
        if kind == AlertRule.Kind.DEPARTMENT and driver and "=" not in driver:
            self.add_error("driver", "Write the driver as dimension=value, e.g. tag=vip.")
        channels = data.get("channels") or []
        for channel, field in ((AlertRule.Channel.SLACK, "slack_url"), (AlertRule.Channel.TEAMS, "teams_url")):
            url = data.get(field)
            if channel in channels and not url:
                self.add_error(field, "Give the incoming-webhook URL for this channel.")
            elif url:
                try:
                    check_webhook_url(url)
                except UnsafeURL as exc:
                    self.add_error(field, str(exc))
        if (data.get("quiet_minutes") or 0) < 1:
            self.add_error("quiet_minutes", "The quiet period is at least one minute.")
        return data

    def save(self, commit: bool = True) -> AlertRule:
        rule = super().save(commit=False)
        data = self.cleaned_data
        rule.conditions = {name: data[name] for name in CONDITION_FIELDS[rule.kind] if data.get(name) not in (None, "")}
        if rule.kind == AlertRule.Kind.ANSWER and "score_max" in rule.conditions:
            rule.conditions.setdefault("question", data.get("question") or "either")
        rule.channels = list(data["channels"])
        if commit:
            rule.save()
            self.save_m2m()
        return rule
