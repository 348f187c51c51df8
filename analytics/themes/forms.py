"""The admins' theme form: names, descriptions, phrases and examples per language."""

from django import forms

from analytics.themes.models import Theme

LANGUAGES = (("en", "English"), ("id", "Indonesian"), ("es", "Spanish"))
MAX_PHRASES = 200
MAX_PHRASE_LENGTH = 80


class ThemeForm(forms.Form):
    key = forms.SlugField(
        max_length=40,
        help_text="Lowercase letters, digits and underscores; used in the API and exports. Fixed once created.",
    )
    active = forms.BooleanField(required=False, initial=True, label="Active (tag comments with it)")

    def __init__(self, *args, theme: Theme | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.theme = theme
        for code, language in LANGUAGES:
            self.fields[f"name_{code}"] = forms.CharField(
                max_length=80, required=code == "en", label=f"Name ({language})"
            )
            self.fields[f"description_{code}"] = forms.CharField(
                max_length=300, required=False, label=f"Description ({language})"
            )
            self.fields[f"phrases_{code}"] = forms.CharField(
                required=False,
                label=f"Phrases ({language})",
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text="One per line. Words in order, up to two others between them; accents, capitals "
                "and word endings do not matter. Praise or complaint comes from the words around them.",
            )
            self.fields[f"examples_{code}"] = forms.CharField(
                required=False,
                label=f"Example comments ({language})",
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="One per line; shown to the team to explain the theme.",
            )
        if theme is not None:
            self.fields["key"].disabled = True
            self.initial.update({"key": theme.key, "active": theme.active})
            for code, _language in LANGUAGES:
                self.initial[f"name_{code}"] = theme.names.get(code, "")
                self.initial[f"description_{code}"] = theme.descriptions.get(code, "")
                self.initial[f"phrases_{code}"] = "\n".join(theme.phrases.get(code, []))
                self.initial[f"examples_{code}"] = "\n".join(theme.examples.get(code, []))

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].lower().replace("-", "_")
        if self.theme is None and Theme.objects.filter(key=key).exists():
            raise forms.ValidationError("A theme with this key exists already.")
        return key

    def _lines(self, name: str, *, limit: int, length: int) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data.get(name, "").splitlines() if line.strip()]
        if len(lines) > limit:
            self.add_error(name, f"At most {limit} lines.")
        if any(len(line) > length for line in lines):
            self.add_error(name, f"Each line at most {length} characters.")
        return list(dict.fromkeys(lines))

    def clean(self) -> dict:
        data = super().clean()
        for code, _language in LANGUAGES:
            data[f"phrases_{code}"] = self._lines(f"phrases_{code}", limit=MAX_PHRASES, length=MAX_PHRASE_LENGTH)
            data[f"examples_{code}"] = self._lines(f"examples_{code}", limit=20, length=500)
        return data

    def apply(self) -> Theme:
        """The theme with the form's values (not saved)."""
        data = self.cleaned_data
        theme = self.theme or Theme(key=data["key"], builtin=False)
        theme.active = data["active"]
        theme.names = {c: data[f"name_{c}"] for c, _ in LANGUAGES if data.get(f"name_{c}")}
        theme.descriptions = {c: data[f"description_{c}"] for c, _ in LANGUAGES if data.get(f"description_{c}")}
        theme.phrases = {c: data[f"phrases_{c}"] for c, _ in LANGUAGES if data.get(f"phrases_{c}")}
        theme.examples = {c: data[f"examples_{c}"] for c, _ in LANGUAGES if data.get(f"examples_{c}")}
        return theme
