"""The survey editor's forms: the survey's settings, its wording per language, its extra
questions and the rules that assign interactions to it. Each form checks its own fields;
rules that span forms (the default language has both NPS questions, a rule no other
survey holds) are checked in surveys/editor/services.py."""

from django import forms
from django.conf import settings
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.text import slugify

from agents.models import Department
from surveys.models import Channel, QuestionKind, Survey, SurveyAssignment, SurveyQuestion, SurveyTranslation
from surveys.validators import FreeTextForm
from surveys.wording import LANGUAGE_CODE, PLACEHOLDERS, language_name, normalise_language, unknown_placeholders

MAX_LANGUAGES = 20
MAX_QUESTIONS = 10


def check_placeholders(text: str) -> str:
    unknown = unknown_placeholders(text)
    if unknown:
        names = " or ".join("{" + name + "}" for name in PLACEHOLDERS)
        raise forms.ValidationError(f"Unknown placeholder {{{unknown[0]}}}: use {names}.", code="placeholder")
    return text


class SurveyForm(FreeTextForm, forms.ModelForm):
    """Everything about a survey except its wording, questions and assignment rules."""

    link_expiry_days = forms.IntegerField(
        label="Link expiry (days)",
        min_value=1,
        max_value=365,
        error_messages={"min_value": "A link must stay valid for at least 1 day.", "required": "Say how many days."},
        help_text="Links stop working this many days after they are sent.",
    )
    fatigue_days = forms.IntegerField(
        label="Fatigue window (days)",
        min_value=0,
        max_value=3650,
        error_messages={
            "min_value": "The fatigue window cannot be negative. Use 0 to survey a customer after every contact.",
            "required": "Say how many days (0 for none).",
        },
        help_text="Do not invite the same email or phone again within this many days (0: no limit).",
    )
    send_delay_minutes = forms.IntegerField(
        label="Send delay (minutes)",
        min_value=0,
        max_value=7 * 24 * 60,
        error_messages={"min_value": "The delay cannot be negative.", "required": "Say how many minutes (0: at once)."},
        help_text="Wait this long after the interaction before sending (0: at once).",
    )
    agent_monthly_target = forms.IntegerField(
        label="Answers per agent per month",
        min_value=0,
        max_value=100_000,
        error_messages={"min_value": "The target cannot be negative.", "required": "Give a number (0: no target)."},
        help_text="Stop inviting an agent's customers for the rest of the month once this many answered "
        "(0: survey every interaction).",
    )
    max_invite_age_hours = forms.IntegerField(
        label="Invite only if reported within (hours)",
        min_value=0,
        max_value=24 * 365,
        error_messages={
            "min_value": "The age limit cannot be negative. Use 0 for no limit.",
            "required": "Say how many hours (0: no limit).",
        },
        help_text="An interaction reported more than this many hours after it happened is recorded "
        "(it counts in coverage and drivers) but its customer is never invited, so loading history "
        "never surveys old customers (0: no limit).",
    )
    reminder_after_hours = forms.IntegerField(
        label="Remind after (hours)",
        min_value=1,
        max_value=24 * 365,
        error_messages={"min_value": "Remind at least 1 hour after sending.", "required": "Say after how many hours."},
        help_text="Only email and SMS invitations are reminded, once, if still unanswered.",
    )
    privacy_url = forms.URLField(
        label="Privacy notice",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="An https:// link shown at the bottom of the customer's page.",
        error_messages={"invalid": "Enter a full https:// address."},
    )
    default_language = forms.ChoiceField(
        help_text="Customers whose language the survey does not have read this one; both NPS questions "
        "must be written in it."
    )

    class Meta:
        model = Survey
        fields = [
            "name",
            "active",
            "is_default",
            "default_language",
            "invite_phone",
            "invite_chat",
            "invite_email",
            "invite_sms",
            "send_delay_minutes",
            "link_expiry_days",
            "fatigue_days",
            "agent_monthly_target",
            "max_invite_age_hours",
            "reminder_enabled",
            "reminder_after_hours",
            "display_name",
            "logo_url",
            "accent_colour",
            "privacy_url",
        ]
        labels = {
            "is_default": "Default survey",
            "active": "Active",
            "invite_phone": "Phone calls",
            "invite_chat": "Chats",
            "invite_email": "Email tickets",
            "invite_sms": "SMS conversations",
            "display_name": "Display name",
            "accent_colour": "Accent colour",
            "logo_url": "Logo address",
        }
        help_texts = {
            "name": "For you and your team; customers do not see it.",
            "active": "An inactive survey invites no one; interactions its rules would catch get the default survey.",
            "is_default": "Interactions no rule assigns get the default survey. There is always exactly one.",
        }
        widgets = {
            "accent_colour": forms.TextInput(attrs={"placeholder": "#0B57D0", "size": 9, "maxlength": 7}),
            "logo_url": forms.TextInput(attrs={"placeholder": "https://… or /static/…"}),
            "privacy_url": forms.URLInput(attrs={"placeholder": "https://…"}),
            "display_name": forms.TextInput(attrs={"placeholder": settings.COMPANY_NAME}),
        }

    def __init__(self, *args, languages: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_language"].choices = [(code, f"{language_name(code)} ({code})") for code in languages]

    def _get_validation_exclusions(self):
        # Making this survey the default takes the flag from the old one when saving.
        return super()._get_validation_exclusions() | {"is_default"}

    def clean_accent_colour(self) -> str:
        colour = self.cleaned_data.get("accent_colour", "").strip()
        if colour and not colour.startswith("#"):
            colour = "#" + colour
        return colour.lower()

    def clean_is_default(self) -> bool:
        is_default = self.cleaned_data.get("is_default", False)
        if self.instance.pk and self.instance.is_default and not is_default:
            raise forms.ValidationError(
                "There is always exactly one default survey. To change it, make another survey the default.",
                code="default_required",
            )
        return is_default

    def clean(self) -> dict:
        data = super().clean()
        hours, days = data.get("reminder_after_hours"), data.get("link_expiry_days")
        if data.get("reminder_enabled") and hours and days and hours >= days * 24:
            self.add_error(
                "reminder_after_hours",
                f"The reminder would come after the link expires ({days} day{'s' if days > 1 else ''} = "
                f"{days * 24} hours). Remind sooner or keep links longer.",
            )
        channels = ("invite_phone", "invite_chat", "invite_email", "invite_sms")
        if data.get("active") and not any(data.get(name) for name in channels):
            self.add_error("invite_phone", "An active survey invites after at least one kind of interaction.")
        return data


class TranslationForm(FreeTextForm, forms.ModelForm):
    class Meta:
        model = SurveyTranslation
        fields = ["language", "company_question", "agent_question", "why_prompt"]
        labels = {
            "language": "Language code",
            "company_question": "Company question (0–10)",
            "agent_question": "Agent question (0–10)",
            "why_prompt": "Why question",
        }
        widgets = {
            "language": forms.TextInput(
                attrs={"size": 6, "maxlength": 10, "autocapitalize": "none", "placeholder": "ms, pt-br…"}
            ),
            "company_question": forms.Textarea(attrs={"rows": 4}),
            "agent_question": forms.Textarea(attrs={"rows": 4}),
            "why_prompt": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_language(self) -> str:
        code = normalise_language(self.cleaned_data.get("language"))
        if not LANGUAGE_CODE.match(code):
            raise forms.ValidationError("Use a language code such as en, id, es or pt-br.", code="language")
        return code

    def clean_company_question(self) -> str:
        return check_placeholders(self.cleaned_data.get("company_question", "").strip())

    def clean_agent_question(self) -> str:
        return check_placeholders(self.cleaned_data.get("agent_question", "").strip())

    def clean_why_prompt(self) -> str:
        return check_placeholders(self.cleaned_data.get("why_prompt", "").strip())

    def validate_unique(self) -> None:
        """Checked across the whole formset by the editor, with a clearer message."""

    @property
    def language_label(self) -> str:
        code = self["language"].value() or ""
        return f"{language_name(code)} ({code})" if code else "New language"


class PrefilledFormSet(BaseInlineFormSet):
    """Extra forms that start filled in (the built-in wording) count even if left as they are."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.initial_form_count() <= i < self.initial_form_count() + len(self.initial_extra or []):
            form.empty_permitted = False
            form.use_required_attribute = False
        return form

    def validate_unique(self) -> None:
        """Duplicates (a language twice, a rule twice) are reported by the editor next to the
        row that repeats, with a message that says what to do."""

    def live_forms(self) -> list[forms.Form]:
        """Forms that are filled in and not marked for deletion, after validation."""
        return [
            form
            for form in self.forms
            if form.has_changed() or not form.empty_permitted
            if not (self.can_delete and self._should_delete_form(form))
        ]


TranslationFormSet = inlineformset_factory(
    Survey,
    SurveyTranslation,
    form=TranslationForm,
    formset=PrefilledFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_LANGUAGES,
    validate_max=True,
)


class QuestionForm(FreeTextForm, forms.ModelForm):
    """One extra question; its text per language comes as text_<language> fields."""

    new_key = forms.SlugField(
        label="Answer key",
        required=False,
        max_length=40,
        help_text="Names the answer in exports; fixed once saved. Blank: made from the kind.",
    )

    class Meta:
        model = SurveyQuestion
        fields = ["kind", "required", "position"]
        labels = {"kind": "Kind", "required": "Required", "position": "Order"}
        widgets = {"position": forms.NumberInput(attrs={"min": 1, "max": 99, "class": "narrow"})}

    def __init__(self, *args, languages: list[str], default_language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = languages
        self.default_language = default_language
        self.fields["kind"].choices = [("", "Choose a kind…"), *QuestionKind.choices]
        self.fields["position"].required = False
        existing = bool(self.instance.pk)
        if existing:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = "Fixed once saved: to ask something else, remove this and add a question."
            del self.fields["new_key"]
        for code in languages:
            self.fields[f"text_{code}"] = forms.CharField(
                label=f"Question in {language_name(code)} ({code})",
                required=False,
                max_length=300,
                initial=(self.instance.text or {}).get(code, "") if existing else "",
                widget=forms.TextInput(attrs={"lang": code}),
            )

    def text_fields(self):
        return [self[f"text_{code}"] for code in self.languages]

    def clean(self) -> dict:
        data = super().clean()
        for code in self.languages:
            name = f"text_{code}"
            text = (data.get(name) or "").strip()
            try:
                data[name] = check_placeholders(text)
            except forms.ValidationError as error:
                self.add_error(name, error)
        if not self.fields["kind"].disabled and not data.get("kind"):
            self.add_error("kind", "Choose what kind of question this is.")
        default = f"text_{self.default_language}"
        if default in self.fields and not (data.get(default) or "").strip() and default not in self.errors:
            self.add_error(
                default,
                f"Write the question in {language_name(self.default_language)}, the survey's default language.",
            )
        return data

    def texts(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"text_{code}"] for code in self.languages if self.cleaned_data.get(f"text_{code}")
        }

    def validate_unique(self) -> None:
        """Keys are made and checked by the editor when it saves."""


class QuestionFormSet(PrefilledFormSet):
    def __init__(self, *args, languages: list[str], default_language: str, **kwargs):
        self.languages = languages
        self.default_language = default_language
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "languages": self.languages,
            "default_language": self.default_language,
        }

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if not form.instance.pk:
            form.fields["position"].initial = i + 1  # a new question goes last
        return form

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            languages=self.languages,
            default_language=self.default_language,
        )
        self.add_fields(form, None)
        return form


QuestionFormSetFactory = inlineformset_factory(
    Survey,
    SurveyQuestion,
    form=QuestionForm,
    formset=QuestionFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_QUESTIONS,
    validate_max=True,
)


class RuleForm(FreeTextForm, forms.ModelForm):
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"), required=False, empty_label="Any department"
    )
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)

    class Meta:
        model = SurveyAssignment
        fields = ["department", "channel"]

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("department") and not data.get("channel"):
            raise forms.ValidationError(
                "Choose a department, a channel or both. Interactions no rule matches get the default survey.",
                code="empty_rule",
            )
        return data

    def _get_validation_exclusions(self):
        # The department-or-channel constraint is checked in clean(), with a clearer message.
        return super()._get_validation_exclusions() | {"department", "channel"}


RuleFormSet = inlineformset_factory(
    Survey,
    SurveyAssignment,
    form=RuleForm,
    formset=PrefilledFormSet,
    extra=1,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


def question_key(kind: str, *, wanted: str, taken: set[str]) -> str:
    """A key no question of this survey has ever used (old answers keep their meaning)."""
    if wanted:
        return slugify(wanted)[:40]
    number = 1
    while f"{kind}_{number}" in taken:
        number += 1
    return f"{kind}_{number}"
