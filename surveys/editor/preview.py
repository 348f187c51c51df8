"""The preview of unsaved changes: what the editor's forms would ask, as a version's content."""

from django.conf import settings
from django.core.exceptions import ValidationError

from surveys.editor.services import WORDING_FIELDS, Editor
from surveys.models import QuestionKind
from surveys.validators import validate_accent_colour, validate_https_url, validate_logo_url
from surveys.wording import normalise_language


def preview_content(editor: Editor) -> tuple[dict, dict]:
    """What the editor's (possibly unsaved, possibly invalid) forms would ask, in the version
    format, and the branding they would show; anything not valid yet is left out."""
    default = normalise_language(editor.form["default_language"].value()) or "en"
    wording = {}
    for form in editor.translations.forms:
        code = normalise_language(form["language"].value())
        if not code or form["DELETE"].value() or code in wording:
            continue
        wording[code] = {name: (form[name].value() or "").strip() for name in WORDING_FIELDS}
    questions = []
    for index, form in enumerate(editor.questions.forms):
        if form["DELETE"].value():
            continue
        kind = form.instance.kind if form.instance.pk else form["kind"].value()
        texts = {code: (form[f"text_{code}"].value() or "").strip() for code in form.languages}
        texts = {code: text for code, text in texts.items() if text}
        if kind not in QuestionKind.values or not texts:
            continue
        try:
            position = int(form["position"].value() or 999)
        except (TypeError, ValueError):
            position = 999
        key = form.instance.key if form.instance.pk else f"preview_{index}"
        questions.append(
            (position, index, {"key": key, "kind": kind, "required": bool(form["required"].value()), "text": texts})
        )
    content = {
        "default_language": default,
        "wording": wording,
        "questions": [q for _p, _i, q in sorted(questions, key=lambda item: item[:2])],
    }
    branding = {
        "name": (editor.form["display_name"].value() or "").strip() or settings.COMPANY_NAME,
        "logo_url": _valid_or_blank(editor.form["logo_url"].value(), validate_logo_url),
        "accent_colour": _valid_or_blank(_hex(editor.form["accent_colour"].value()), validate_accent_colour),
        "privacy_url": _valid_or_blank(editor.form["privacy_url"].value(), validate_https_url),
    }
    return content, branding


def _hex(value: str | None) -> str:
    value = (value or "").strip().lower()
    return value if not value or value.startswith("#") else "#" + value


def _valid_or_blank(value: str | None, validator) -> str:
    value = (value or "").strip()
    try:
        validator(value)
    except ValidationError:  # the preview just leaves it out; saving will say what is wrong
        return ""
    return value
