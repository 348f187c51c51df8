"""Theme arithmetic. Pure functions, no Django.

Share: the part of the commented answers that mention a theme, m / c, with the Wilson
score interval (honest at small c and near 0 or 1, unlike p ± z·sqrt(p(1−p)/c)).

NPS with / without: the NPS (DESIGN.md) of the answers that mention the theme, and of all
the other answers in the same scope and period (with or without a comment).

Points lost: how much higher the NPS of all answers would be if the answers that mention
the theme had scored like the others: NPS_without − NPS_all = w · (NPS_without − NPS_with)
with w = m / n (n = all answers). Positive: the theme costs points; negative: praise of it
lifts the NPS. Its 95 % interval treats w as fixed and the two groups as independent:
w · (difference ± 1.96 · sqrt(var_with + var_without)), each variance from the
adjusted-Wald formula of DESIGN.md (n' = n + 3, ¾ added to promoters and detractors), so a
theme seen in 2 answers never gets a zero-width interval.
"""

import math
from dataclasses import dataclass

from analytics.nps import Z_95, Counts, nps


def wilson(successes: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion, as shares in [0, 1]; None when total is 0."""
    if total <= 0:
        return None
    if not 0 <= successes <= total:
        raise ValueError("successes must be between 0 and total")
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return low, high


def adjusted_variance(counts: Counts) -> float:
    """Adjusted-Wald variance of (p − d) as a share (DESIGN.md); defined even for n = 0."""
    n = counts.responses + 3
    p = (counts.promoters + 0.75) / n
    d = (counts.detractors + 0.75) / n
    return max(p + d - (p - d) ** 2, 0.0) / n


@dataclass(frozen=True)
class ThemeImpact:
    mentions: int
    commented: int
    share: float | None
    share_ci: tuple[float, float] | None
    nps_with: float | None
    nps_without: float | None
    points_lost: float | None
    points_lost_ci: tuple[float, float] | None


def impact(with_theme: Counts, without_theme: Counts, commented: int) -> ThemeImpact:
    """Share, NPS with and without, and points lost of one theme (see the module docstring)."""
    mentions = with_theme.responses
    if mentions > commented:
        raise ValueError("a theme cannot be mentioned by more answers than have a comment")
    share = mentions / commented if commented else None
    share_ci = wilson(mentions, commented)
    nps_with, nps_without = nps(with_theme), nps(without_theme)
    total = mentions + without_theme.responses
    if nps_with is None or nps_without is None:
        lost, lost_ci = (0.0, (0.0, 0.0)) if mentions == 0 and total else (None, None)
        return ThemeImpact(mentions, commented, share, share_ci, nps_with, nps_without, lost, lost_ci)
    weight = mentions / total
    difference = nps_without - nps_with
    half = 100.0 * Z_95 * math.sqrt(adjusted_variance(with_theme) + adjusted_variance(without_theme))
    lost = weight * difference
    return ThemeImpact(
        mentions,
        commented,
        share,
        share_ci,
        nps_with,
        nps_without,
        lost,
        (weight * (difference - half), weight * (difference + half)),
    )


def growth(current: int, previous: int, current_base: int, previous_base: int) -> float | None:
    """Change of a theme's share between two periods, in percentage points."""
    if not current_base or not previous_base:
        return None
    return 100.0 * (current / current_base - previous / previous_base)
