"""Writes to the taxonomy: saving a theme (admins at /manage/themes/) queues a re-tag."""

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.text import slugify

from analytics.tasks import RETAG_SCHEDULED, retag_themes
from analytics.themes import tagging
from analytics.themes.models import Theme
from nps_project.enqueue import enqueue

logger = logging.getLogger(__name__)
LANGUAGES = ("en", "id", "es")
PREVIEW_COMMENTS = 300


def schedule_retag(countdown: float = 1.0) -> None:
    """Queue one re-tag of everything pending after commit; edits in a burst share it (the
    ten-minute periodic re-tag catches an edit whose message was lost)."""

    def send() -> None:
        try:
            first = cache.add(RETAG_SCHEDULED, 1, timeout=300)
        except Exception:
            logger.warning("Cache unavailable; the periodic re-tag will pick the edit up", exc_info=True)
            return
        if first and not enqueue(retag_themes, countdown=countdown):
            cache.delete(RETAG_SCHEDULED)

    transaction.on_commit(send, robust=True)


def save_theme(theme: Theme) -> Theme:
    """Store an edited or new theme and re-tag every comment with the new taxonomy."""
    with transaction.atomic():
        theme.save()
        schedule_retag()
    return theme


@dataclass(frozen=True)
class PreviewLine:
    response_id: int
    why: str
    language: str
    polarity: str


@dataclass(frozen=True)
class Preview:
    checked: int
    gained: list[PreviewLine]
    lost: list[PreviewLine]
    kept: int


def preview(theme: Theme, *, limit: int = PREVIEW_COMMENTS) -> Preview:
    """What saving `theme` (unsaved edits) would change on the most recent comments: which
    comments would get it and which would lose it."""
    from surveys.models import Response

    rows = [(pk, key, active, phrases) for pk, key, active, phrases in tagging._theme_rows() if key != theme.key]
    rows.append((theme.pk or 0, theme.key, theme.active, theme.phrases or {}))
    taxonomy = tagging.build_taxonomy(rows)
    recent = list(
        Response.objects.exclude(why="").order_by("-submitted_at", "-pk").values_list("pk", "why", "language")[:limit]
    )
    before = set()
    if theme.pk:
        before = set(
            Response.objects.filter(pk__in=[r[0] for r in recent], found_themes__theme=theme).values_list(
                "pk", flat=True
            )
        )
    gained, lost, kept = [], [], 0
    for pk, why, language in recent:
        found = {hit.key: hit.polarity for hit in taxonomy.tagger.tag(why, language)}
        has = theme.active and theme.key in found
        if has and pk not in before:
            gained.append(PreviewLine(pk, why, language, found[theme.key]))
        elif not has and pk in before:
            lost.append(PreviewLine(pk, why, language, ""))
        elif has:
            kept += 1
    return Preview(len(recent), gained, lost, kept)


def theme_from_topic(language: str, words: list[str]) -> Theme:
    """A new theme from an emerging topic's top words: key from the first word (made
    unique), the name "word1 / word2", the first three words as its phrases."""
    base = slugify(words[0]).replace("-", "_")[:30] or "topic"
    key, n = base, 2
    while Theme.objects.filter(key=key).exists():
        key, n = f"{base}_{n}", n + 1
    name = " / ".join(words[:2]).capitalize()
    theme = Theme(key=key, names={"en": name, language: name}, phrases={language: words[:3]}, active=True)
    return save_theme(theme)
