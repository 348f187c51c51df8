"""Themes found in why-texts. Theme is configuration (admins edit it at /manage/themes/);
ResponseTheme and ThemeTagging are derived from surveys.Response by analytics.themes.tagging
and can be rebuilt with `manage.py tag_themes --all`."""

from django.db import models


class Polarity(models.TextChoices):
    PRAISE = "+", "Praise"
    COMPLAINT = "-", "Complaint"


class Theme(models.Model):
    """One entry of the taxonomy. The ten builtin keys are seeded by a migration; names,
    descriptions and phrases are per language: {"en": ..., "id": ..., "es": ...}."""

    key = models.SlugField(max_length=40, unique=True)
    names = models.JSONField(default=dict, blank=True)
    descriptions = models.JSONField(default=dict, blank=True)
    phrases = models.JSONField(
        default=dict, blank=True, help_text="Extra phrases per language, on top of the shipped lexicon."
    )
    examples = models.JSONField(default=dict, blank=True, help_text="Example comments per language.")
    active = models.BooleanField(default=True)
    builtin = models.BooleanField(default=False, editable=False)
    position = models.PositiveSmallIntegerField(default=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.key

    def name(self, language: str = "en") -> str:
        return self.names.get(language) or self.names.get("en") or self.key.replace("_", " ").capitalize()


class ResponseTheme(models.Model):
    """A theme found in one answer's why-text, with whether it was praise or complaint."""

    response = models.ForeignKey("surveys.Response", on_delete=models.CASCADE, related_name="found_themes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="mentions")
    polarity = models.CharField(max_length=1, choices=Polarity.choices)
    evidence = models.FloatField(default=1.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "theme"], name="response_theme_once")]
        indexes = [models.Index(fields=["theme", "response"], name="response_theme_by_theme")]

    def __str__(self) -> str:
        return f"{self.response_id} {self.theme_id}{self.polarity}"


class ThemeTagging(models.Model):
    """That an answer was tagged, and with which taxonomy (a fingerprint of the lexicons
    and the Theme rows): an answer whose fingerprint differs is tagged again."""

    response = models.OneToOneField(
        "surveys.Response", on_delete=models.CASCADE, primary_key=True, related_name="theme_tagging"
    )
    fingerprint = models.CharField(max_length=16)
    tagged_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.response_id} {self.fingerprint}"
