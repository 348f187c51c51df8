"""Forms of the coaching page: a note, a goal, closing a goal, kudos."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from analytics.themes.models import Theme
from followups.coaching_models import KUDOS_MESSAGE_MAX_CHARS, NOTE_MAX_CHARS, CoachingGoal


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Private: only the supervisors of this agent's department and admins read it.",
    )


class GoalForm(forms.Form):
    kind = forms.ChoiceField(label="Goal", choices=CoachingGoal.Kind.choices, initial=CoachingGoal.Kind.NPS)
    target_nps = forms.IntegerField(label="Target NPS (agent question)", min_value=-100, max_value=100, required=False)
    theme_key = forms.ChoiceField(label="Theme", required=False)
    target_share = forms.IntegerField(
        label="At most this % of comments complain about it", min_value=0, max_value=100, required=False
    )
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="What to work on (the agent sees it)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme_key"].choices = [("", "—"), *((t.key, t.name()) for t in Theme.objects.filter(active=True))]
        if not self.is_bound:
            self.fields["due_on"].initial = timezone.localdate() + timedelta(weeks=6)

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == CoachingGoal.Kind.NPS and data.get("target_nps") is None:
            self.add_error("target_nps", "Give the NPS to reach, from −100 to 100.")
        if kind == CoachingGoal.Kind.THEME:
            if not data.get("theme_key"):
                self.add_error("theme_key", "Choose the theme to improve.")
            if data.get("target_share") is None:
                self.add_error("target_share", "Give the share of comments to stay under, from 0 to 100.")
        due = data.get("due_on")
        if due is not None and due <= timezone.localdate():
            self.add_error("due_on", "The due date must be after today.")
        return data


class CloseGoalForm(forms.Form):
    status = forms.ChoiceField(choices=[(CoachingGoal.Status.MET, "Met"), (CoachingGoal.Status.DROPPED, "Dropped")])


class KudosForm(forms.Form):
    response = forms.TypedChoiceField(label="Promoter's comment", coerce=int)
    message = forms.CharField(label="Your words (optional)", max_length=KUDOS_MESSAGE_MAX_CHARS, required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {r.pk: r for r in candidates}
        self.fields["response"].choices = [
            (r.pk, f"{r.occurred_at:%-d %b}: {r.agent_score}/10 · {r.why[:120]}") for r in candidates
        ]
