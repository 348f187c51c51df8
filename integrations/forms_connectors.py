"""The admins' forms for connectors: platform and options, the signing secret."""

from django import forms
from django.core.validators import validate_slug

from agents.models import Department
from integrations.models_connectors import Connector
from surveys.models import Channel

FIELD_HELP = {
    Connector.Platform.ZENDESK: (
        "Empty: the ticket's group. Or the ID of the ticket field (drop-down) that holds the department, "
        "e.g. 360001234567: the body template on this page then includes it."
    ),
    Connector.Platform.INTERCOM: (
        "Empty: the team the conversation is assigned to. Or the name of a conversation data attribute."
    ),
    Connector.Platform.TWILIO: "Empty: the task queue's name. Or the name of a task attribute (TaskAttributes).",
}


class DepartmentMapField(forms.CharField):
    """`platform value = department code` per line, kept as a dict."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "\n".join(f"{key} = {code}" for key, code in value.items())
        return value

    def to_python(self, value):
        mapping = {}
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, code = line.partition("=")
            key, code = key.strip(), code.strip()
            if not sep or not key or not code:
                raise forms.ValidationError(f"Line {number}: write it as “platform value = department code”.")
            try:
                validate_slug(code)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"Line {number}: “{code}” is not a department code (letters, digits, - and _)."
                ) from None
            if len(code) > 50:
                raise forms.ValidationError(f"Line {number}: a department code has at most 50 characters.")
            mapping[key] = code
        return mapping


class ConnectorForm(forms.ModelForm):
    department_map = DepartmentMapField(
        label="Department mapping",
        required=False,
        help_text="One per line: the platform's value = our department code, e.g. “Billing Support = billing” "
        "or an Intercom team id “5017691 = billing”. Unmapped values become a code of their own.",
    )

    class Meta:
        model = Connector
        fields = [
            "name",
            "platform",
            "default_department",
            "channel",
            "invite",
            "department_field",
            "language_field",
            "fallback_agent",
            "department_map",
            "active",
        ]
        labels = {
            "name": "Name",
            "platform": "Platform",
            "default_department": "Default department",
            "channel": "Channel",
            "invite": "Invite customers to the survey",
            "department_field": "Department comes from",
            "language_field": "Language comes from",
            "fallback_agent": "Agent when the event names none",
            "active": "Receiving (off: every event is refused with 404)",
        }
        help_texts = {
            "name": "For you: which account or workspace, e.g. “Zendesk production”.",
            "default_department": "When the event names none; empty: the agent's current department.",
            "channel": "Empty: from the platform (ticket via, conversation source, task channel).",
            "invite": "Off: interactions are recorded for coverage and drivers, nobody is invited.",
            "fallback_agent": "An agent id, e.g. “unassigned” or “bot”, for tickets closed without an assignee. "
            "Empty: such events wait in the dead letters.",
            "language_field": "Empty: the requester's language (Zendesk), the “language” attribute (Intercom, Twilio).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_department"].queryset = Department.objects.order_by("name")
        self.fields["channel"].choices = [("", "From the platform"), *Channel.choices]
        if self.instance.pk:
            self.fields.pop("platform", None)  # a connector's URL and secret belong to one platform
            self.fields["department_field"].help_text = FIELD_HELP[self.instance.platform]


class NewConnectorForm(ConnectorForm):
    signing_secret = forms.CharField(
        label="Signing secret",
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text="From the platform: Zendesk's webhook signing secret, the Intercom app's client secret or the "
        "Twilio auth token. You can add it later (Zendesk shows it only once the webhook exists).",
    )

    class Meta(ConnectorForm.Meta):
        fields = ["name", "platform", "signing_secret", "default_department", "channel", "invite"]


class SecretForm(forms.Form):
    signing_secret = forms.CharField(
        label="New signing secret",
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": "Paste the secret the platform shows."},
    )

    def clean_signing_secret(self) -> str:
        return self.cleaned_data["signing_secret"].strip()
