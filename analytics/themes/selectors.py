"""Reads of theme figures: per theme the mentions, share, NPS with and without it and the
points it costs, per week and per department. Counted from ResponseTheme joined to the raw
answers of the period (there is no theme bucket yet: one GROUP BY per figure)."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from analytics import nps
from analytics.themes import math as theme_math
from analytics.themes.models import Polarity, ResponseTheme, Theme
from surveys.models import Response


@dataclass(frozen=True)
class Scope:
    """Which answers count: a period of local days, optionally departments and one agent."""

    since: date
    until: date
    department_ids: Collection[int] | None = None
    agent_id: int | None = None
    question: str = "company"
    channel: str = ""

    def bounds(self, prefix: str = "") -> dict:
        zone = ZoneInfo(settings.TIME_ZONE)
        lookups = {
            f"{prefix}occurred_at__gte": datetime.combine(self.since, time.min, tzinfo=zone),
            f"{prefix}occurred_at__lt": datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=zone),
        }
        if self.department_ids is not None:
            lookups[f"{prefix}department_id__in"] = list(self.department_ids)
        if self.agent_id is not None:
            lookups[f"{prefix}agent_id"] = self.agent_id
        if self.channel:
            lookups[f"{prefix}channel"] = self.channel
        return lookups

    def previous(self) -> "Scope":
        days = (self.until - self.since).days + 1
        return Scope(
            self.since - timedelta(days=days),
            self.since - timedelta(days=1),
            self.department_ids,
            self.agent_id,
            self.question,
            self.channel,
        )


def _category_counts(prefix: str, question: str) -> dict:
    score = f"{prefix}{question}_score"
    return {
        "p": Count("pk", filter=Q(**{f"{score}__gte": nps.PROMOTER_MIN})),
        "pa": Count("pk", filter=Q(**{f"{score}__gte": nps.PASSIVE_MIN, f"{score}__lt": nps.PROMOTER_MIN})),
        "d": Count("pk", filter=Q(**{f"{score}__lt": nps.PASSIVE_MIN})),
    }


def _counts(row: dict) -> nps.Counts:
    return nps.Counts(row["p"] or 0, row["pa"] or 0, row["d"] or 0)


@dataclass(frozen=True)
class ThemeRow:
    key: str
    name: str
    praise: int
    complaints: int
    impact: theme_math.ThemeImpact
    counts: nps.Counts = field(default_factory=nps.Counts)  # the answers that mention the theme

    @property
    def mentions(self) -> int:
        return self.impact.mentions

    def as_dict(self) -> dict:
        i = self.impact
        return {
            "key": self.key,
            "name": self.name,
            "mentions": i.mentions,
            "share": _round(i.share, 4),
            "share_ci_low": _round(i.share_ci[0], 4) if i.share_ci else None,
            "share_ci_high": _round(i.share_ci[1], 4) if i.share_ci else None,
            "nps_with": _round(i.nps_with, 1),
            "nps_without": _round(i.nps_without, 1),
            "points_lost": _round(i.points_lost, 2),
            "points_lost_ci_low": _round(i.points_lost_ci[0], 2) if i.points_lost_ci else None,
            "points_lost_ci_high": _round(i.points_lost_ci[1], 2) if i.points_lost_ci else None,
            "praise": self.praise,
            "complaints": self.complaints,
            "comments": i.commented,
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def active_themes() -> list[Theme]:
    return list(Theme.objects.filter(active=True))


def answers(scope: Scope) -> QuerySet[Response]:
    return Response.objects.filter(**scope.bounds())


def mentions(scope: Scope) -> QuerySet[ResponseTheme]:
    return ResponseTheme.objects.filter(theme__active=True, **scope.bounds("response__"))


def theme_rows(scope: Scope, *, language: str = "en") -> list[ThemeRow]:
    """Every active theme's figures in the scope (themes nobody mentioned included)."""
    totals = answers(scope).aggregate(**_category_counts("", scope.question), c=Count("pk", filter=~Q(why="")))
    everyone, commented = _counts(totals), totals["c"]
    per_theme = {
        row["theme_id"]: row
        for row in mentions(scope)
        .values("theme_id")
        .annotate(
            **_category_counts("response__", scope.question),
            plus=Count("pk", filter=Q(polarity=Polarity.PRAISE)),
            minus=Count("pk", filter=Q(polarity=Polarity.COMPLAINT)),
        )
    }
    rows = []
    for theme in active_themes():
        row = per_theme.get(theme.pk)
        with_theme = _counts(row) if row else nps.Counts()
        without = nps.Counts(
            everyone.promoters - with_theme.promoters,
            everyone.passives - with_theme.passives,
            everyone.detractors - with_theme.detractors,
        )
        rows.append(
            ThemeRow(
                theme.key,
                theme.name(language),
                row["plus"] if row else 0,
                row["minus"] if row else 0,
                theme_math.impact(with_theme, without, max(commented, with_theme.responses)),
                with_theme,
            )
        )
    return rows


def weekly_shares(scope: Scope) -> dict[str, list[tuple[date, int, int]]]:
    """Per theme key: (week start, mentions, commented answers) for each week with comments."""
    zone = ZoneInfo(settings.TIME_ZONE)
    base = {
        row["week"].date() if isinstance(row["week"], datetime) else row["week"]: row["c"]
        for row in answers(scope)
        .exclude(why="")
        .annotate(week=TruncWeek("occurred_at", tzinfo=zone))
        .values("week")
        .annotate(c=Count("pk"))
    }
    found: dict[str, dict[date, int]] = {}
    for row in (
        mentions(scope)
        .annotate(week=TruncWeek("response__occurred_at", tzinfo=zone))
        .values("theme__key", "week")
        .annotate(m=Count("pk"))
    ):
        week = row["week"].date() if isinstance(row["week"], datetime) else row["week"]
        found.setdefault(row["theme__key"], {})[week] = row["m"]
    weeks = sorted(base)
    return {key: [(week, by_week.get(week, 0), base[week]) for week in weeks] for key, by_week in found.items()}


def by_department(scope: Scope) -> dict[tuple[int, str], theme_math.ThemeImpact]:
    """(department id, theme key) -> the theme's impact within that department."""
    totals = {
        row["department_id"]: row
        for row in answers(scope)
        .values("department_id")
        .annotate(**_category_counts("", scope.question), c=Count("pk", filter=~Q(why="")))
    }
    out = {}
    for row in (
        mentions(scope)
        .values("response__department_id", "theme__key")
        .annotate(**_category_counts("response__", scope.question))
    ):
        department = row["response__department_id"]
        total = totals.get(department)
        if total is None:
            continue
        everyone, with_theme = _counts(total), _counts(row)
        without = nps.Counts(
            everyone.promoters - with_theme.promoters,
            everyone.passives - with_theme.passives,
            everyone.detractors - with_theme.detractors,
        )
        out[(department, row["theme__key"])] = theme_math.impact(
            with_theme, without, max(total["c"], with_theme.responses)
        )
    return out


def top_themes(scope: Scope, *, limit: int = 3, language: str = "en") -> list[ThemeRow]:
    """The most mentioned themes of the scope (an agent's page), most mentioned first."""
    rows = [row for row in theme_rows(scope, language=language) if row.mentions]
    rows.sort(key=lambda row: (-row.mentions, row.key))
    return rows[:limit]


@dataclass(frozen=True)
class FoundTheme:
    key: str
    name: str
    polarity: str

    @property
    def praise(self) -> bool:
        return self.polarity == Polarity.PRAISE


def themes_by_response(response_ids: list[int], *, language: str = "en") -> dict[int, list[FoundTheme]]:
    """The active themes of these answers, strongest first (one query, for a page of comments)."""
    found: dict[int, list[FoundTheme]] = {}
    rows = (
        ResponseTheme.objects.filter(response_id__in=response_ids, theme__active=True)
        .select_related("theme")
        .order_by("response_id", "-evidence", "theme__key")
    )
    for row in rows:
        found.setdefault(row.response_id, []).append(FoundTheme(row.theme.key, row.theme.name(language), row.polarity))
    return found


@dataclass(frozen=True)
class ThemeNews:
    """For the weekly digests: the theme that cost the most points, and the one whose share
    of comments grew most against the week before."""

    costliest: ThemeRow | None
    grew: ThemeRow | None
    growth: float | None  # percentage points

    @property
    def costliest_text(self) -> str:
        row = self.costliest
        if row is None:
            return ""
        low, high = row.impact.points_lost_ci
        return (
            f"{row.name}: {row.impact.points_lost:+.1f} NPS points ({low:+.1f} to {high:+.1f}), "
            f"{row.mentions} mention{'s' if row.mentions != 1 else ''}"
        )

    @property
    def grew_text(self) -> str:
        if self.grew is None or self.growth is None:
            return ""
        share = 100 * (self.grew.impact.share or 0)
        return f"{self.grew.name}: {share:.0f} % of comments, {self.growth:+.1f} points against the week before"


def theme_news(scope: Scope) -> ThemeNews:
    rows = [row for row in theme_rows(scope) if row.mentions]
    before = {row.key: row for row in theme_rows(scope.previous())}
    costly = [row for row in rows if (row.impact.points_lost or 0) > 0]
    costliest = max(costly, key=lambda row: row.impact.points_lost, default=None)
    grew, best = None, None
    for row in rows:
        previous = before.get(row.key)
        change = theme_math.growth(
            row.mentions,
            previous.mentions if previous else 0,
            row.impact.commented,
            previous.impact.commented if previous else 0,
        )
        if change is not None and change > 0 and (best is None or change > best):
            grew, best = row, change
    return ThemeNews(costliest, grew, best)


TOPIC_COMMENTS = 2000


def emerging_topics(scope: Scope, *, limit: int = TOPIC_COMMENTS) -> tuple[list, dict[int, tuple[str, str]]]:
    """Topics among the most recent tagged comments that matched no theme, and those comments
    by id (text, language) for the examples."""
    from analytics.themes.normalise import fold, words
    from analytics.themes.tagging import current_taxonomy
    from analytics.themes.topics import cluster

    rows = list(
        answers(scope)
        .exclude(why="")
        .filter(theme_tagging__isnull=False, found_themes__isnull=True)
        .order_by("-occurred_at", "-pk")
        .values_list("pk", "why", "language")[:limit]
    )
    tagger = current_taxonomy().tagger
    comments = [(pk, why, tagger.detect(words(fold(why)), language)[0]) for pk, why, language in rows]
    by_id = {pk: (why, language) for pk, why, language in comments}
    return cluster(tagger, comments), by_id
