"""Checks on what people type: colours people can read, links that are safe, free text
without control characters."""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text: white button labels on the accent colour
WHITE = "#ffffff"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #RRGGBB colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def darker(colour: str, factor: float = 0.78) -> str:
    """The same hue, darker: the hover state of buttons."""
    r, g, b = (round(int(colour[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def validate_accent_colour(value: str) -> None:
    if not value:
        return
    if not HEX_COLOUR.match(value):
        raise ValidationError("Write the colour as # and six hexadecimal digits, for example #0B57D0.", code="format")
    ratio = contrast_ratio(value, WHITE)
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            f"White text on {value.upper()} has a contrast of {ratio:.1f}:1; buttons need at least "
            f"{MIN_CONTRAST}:1 to be readable. Choose a darker colour.",
            code="contrast",
        )


def validate_https_url(value: str) -> None:
    if value and not value.lower().startswith("https://"):
        raise ValidationError("Use an https:// address.", code="scheme")


LOGO_PATH = re.compile(r"^/static/[A-Za-z0-9._/-]+$")
LOGO_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[^\s\"'<>]*)?$", re.IGNORECASE)


def validate_logo_url(value: str) -> None:
    if not value:
        return
    if ".." in value or not (LOGO_PATH.match(value) or LOGO_URL.match(value)):
        raise ValidationError(
            "Use an https:// address of an image or a path under /static/, for example /static/img/logo.svg.",
            code="logo",
        )


# C0 controls (but tab, line feed and the carriage return browsers send before each line
# feed of a textarea), DEL and the C1 controls: invisible, they break CSV exports, e-mail
# and terminals, and a C1 character in stored text is the trace of a wrong decoding.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_MESSAGE = _("Please remove the invisible control characters from your answer.")


def has_control_characters(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value))


@deconstructible
class NoControlCharacters:
    """Refuse free text with control characters other than tab and new lines."""

    message = CONTROL_CHARACTERS_MESSAGE
    code = "control_characters"

    def __call__(self, value) -> None:
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharacters)


validate_no_control_characters = NoControlCharacters()


def guard_free_text(fields) -> None:
    """Add the control-character check to every text field among `fields` (Django form
    fields or DRF serializer fields, list fields by their child)."""
    from django import forms
    from rest_framework import serializers

    for field in fields:
        field = getattr(field, "child", None) or field
        if isinstance(field, forms.CharField | serializers.CharField) and not any(
            isinstance(v, NoControlCharacters) for v in field.validators
        ):
            field.validators = [*field.validators, validate_no_control_characters]


class FreeTextForm:
    """Form mixin: every text field refuses control characters (fields added in __init__ too)."""

    def full_clean(self) -> None:
        guard_free_text(self.fields.values())
        super().full_clean()


class FreeTextSerializer:
    """Serializer mixin: every text field refuses control characters."""

    def to_internal_value(self, data):
        guard_free_text(self.fields.values())
        return super().to_internal_value(data)
