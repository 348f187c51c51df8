"""Admin-area form for the SSO group → role table."""

from django import forms

from accounts.models import GroupMapping
from agents.models import Department


class GroupMappingForm(forms.ModelForm):
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Supervisors of this group see these departments' dashboards and cases.",
    )

    class Meta:
        model = GroupMapping
        fields = ["claim_value", "role", "departments"]
        labels = {"claim_value": "Group", "role": "Role here"}

    def clean_claim_value(self) -> str:
        value = self.cleaned_data["claim_value"].strip()
        if not value:
            raise forms.ValidationError("Give the group as the provider sends it.")
        return value

    def clean(self) -> dict:
        data = super().clean()
        if data.get("role") == GroupMapping.Role.SUPERVISOR and not data.get("departments"):
            self.add_error("departments", "A supervisor group needs at least one department.")
        return data
