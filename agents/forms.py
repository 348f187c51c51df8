"""Admin-area forms for people and structure: departments, agents and their moves, users' roles."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils import timezone

from agents.models import Agent, Department
from agents.services import local_day


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class DepartmentForm(forms.ModelForm):
    target_nps = forms.IntegerField(
        label="Target NPS",
        required=False,
        min_value=-100,
        max_value=100,
        help_text="The NPS this department aims for, from −100 to 100; drawn on its charts. Blank: none.",
        error_messages={
            "min_value": "An NPS is never below −100.",
            "max_value": "An NPS is never above 100.",
        },
    )
    supervisors = forms.ModelMultipleChoiceField(
        queryset=_users(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="They see this department's dashboards and follow up its detractors.",
    )

    class Meta:
        model = Department
        fields = ["name", "code", "target_nps", "supervisors"]
        help_texts = {
            "code": "Integrations send this code with each interaction; changing it breaks them.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisors"].queryset = _users()
        self.fields["supervisors"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.username})"


class MoveForm(forms.Form):
    to_department = forms.ModelChoiceField(
        label="Move to", queryset=Department.objects.order_by("name"), empty_label="Choose a department…"
    )
    effective_from = forms.DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="First day in the new department. Interactions on and after it count there; earlier ones "
        "stay where they happened. A future date takes effect on that day.",
        error_messages={"required": "Choose the first day in the new department.", "invalid": "Enter a date."},
    )
    note = forms.CharField(label="Note", max_length=200, required=False, help_text="Optional, such as the reason.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = local_day(timezone.now())


class AgentForm(forms.ModelForm):
    class Meta:
        model = Agent
        fields = ["name", "active"]
        help_texts = {"active": "Inactive agents stay in the reports of the periods they worked."}


class RoleFields(forms.Form):
    """A user's role, as the dashboards derive it: admin (staff), supervisor (departments), agent."""

    is_staff = forms.BooleanField(
        label="Admin", required=False, help_text="Configures surveys, people and tokens; sees every department."
    )
    departments = forms.ModelMultipleChoiceField(
        label="Supervises",
        queryset=Department.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Sees these departments' dashboards and follows up their detractors.",
    )
    agent = forms.ModelChoiceField(
        label="Is the agent",
        queryset=Agent.objects.order_by("name"),
        required=False,
        empty_label="Not an agent",
        help_text="Links the login to an agent, who then sees their own NPS page.",
    )

    def clean_agent(self):
        agent = self.cleaned_data.get("agent")
        user = getattr(self, "instance", None)
        if agent and agent.user_id and (user is None or agent.user_id != user.pk):
            raise forms.ValidationError(f"{agent} is already linked to the login {agent.user.get_username()}.")
        return agent


class UserRoleForm(RoleFields, forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email", "is_active", "is_staff"]
        help_texts = {"is_active": "Inactive users cannot sign in."}

    def __init__(self, *args, editor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        if self.instance.pk:
            self.fields["departments"].initial = list(self.instance.supervised_departments.values_list("pk", flat=True))
            self.fields["agent"].initial = Agent.objects.filter(user=self.instance).values_list("pk", flat=True).first()

    def clean(self):
        data = super().clean()
        if self.editor is not None and self.instance.pk == self.editor.pk:
            if not data.get("is_staff"):
                self.add_error("is_staff", "You cannot remove your own admin role; ask another admin.")
            if not data.get("is_active"):
                self.add_error("is_active", "You cannot deactivate your own login.")
        return data


class NewUserForm(RoleFields, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "first_name", "last_name", "email", "is_staff"]
