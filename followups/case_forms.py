"""The forms of the case pages. Field checks live here; the rules of a case (which status
may follow which, an outcome to close) live in followups/services.py and are reported on
the same fields."""

from collections.abc import Iterable

from django import forms

from agents.models import Department
from followups import services
from followups.models import CaseAlertMode, FollowUpCase, NotificationPreference

TEXT_MAX = services.TEXT_MAX_LENGTH
ACTIVE_FILTER = ""


def _text(label: str, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
        error_messages={
            "required": "Write a note before saving.",
            "max_length": f"Keep it to {TEXT_MAX} characters or fewer (this has %(show_value)d).",
        },
    )


class StatusForm(forms.Form):
    prefix = "status"

    status = forms.ChoiceField(label="New status")
    outcome = _text("Outcome", help_text="Required to resolve or close: what was done and what the customer said.")
    note = _text("Note (optional)")
    send_recovery = forms.BooleanField(
        required=False, label="Send the customer a one-question recovery survey (only when resolving)"
    )

    def __init__(self, *args, case: FollowUpCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        following = services.NEXT_STATUSES.get(case.status, ())
        self.fields["status"].choices = [("", "Choose…"), *((s, FollowUpCase.Status(s).label) for s in following)]
        self.fields["status"].error_messages["invalid_choice"] = "Choose one of the statuses listed."
        self.fields["status"].error_messages["required"] = "Choose the new status."
        if not hasattr(case, "recovery") and FollowUpCase.Status.RESOLVED in following:
            return
        del self.fields["send_recovery"]

    def clean(self) -> dict:
        data = super().clean()
        if "status" not in data:
            return data
        errors = services.status_change_errors(
            self.case,
            status=data["status"],
            outcome=data.get("outcome", ""),
            note=data.get("note", ""),
            send_recovery=data.get("send_recovery", False),
        )
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
        return data


class NoteForm(forms.Form):
    prefix = "note"

    text = _text("Note", required=True)


class AssignForm(forms.Form):
    prefix = "assign"

    assignee = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Nobody (unassigned)", label="Assign to"
    )

    def __init__(self, *args, case: FollowUpCase, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = services.assignable_users(case)
        field.label_from_instance = lambda user: user.get_full_name() or user.get_username()
        field.error_messages["invalid_choice"] = "Choose a supervisor of this department or an admin."
        field.initial = case.assignee_id


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[(ACTIVE_FILTER, "Open or contacted"), *FollowUpCase.Status.choices, ("all", "All statuses")],
    )
    department = forms.ChoiceField(required=False)
    assignee = forms.ChoiceField(required=False, label="Assigned to")
    overdue = forms.BooleanField(required=False, label="Overdue only")

    def __init__(self, *args, departments: Iterable[Department], assignees: Iterable, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {d.code: d for d in departments}
        self.fields["department"].choices = [
            ("", "All my departments"),
            *((c, d.name) for c, d in self.departments.items()),
        ]
        self.fields["department"].error_messages["invalid_choice"] = "That department is not one you can see."
        self.fields["assignee"].choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Nobody (unassigned)"),
            *((str(u.pk), u.get_full_name() or u.get_username()) for u in assignees),
        ]
        self.fields["assignee"].error_messages["invalid_choice"] = "Choose someone from the list."


class AlertPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["case_alerts", "weekly_digest"]
        widgets = {"case_alerts": forms.RadioSelect}
        labels = {
            "case_alerts": "Email me about new cases in my departments",
            "weekly_digest": "Send me the weekly digest (last week's NPS, cases and comments)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_alerts"].choices = CaseAlertMode.choices
