"""Calendar months, for the monthly rollups beside the daily derived rows: a read over a
period sums whole months from the rollups and only the days at either edge from the day rows."""

from datetime import date, timedelta

from django.db import connection
from django.db.models import Q


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def whole_months(since: date, until: date) -> tuple[date, date] | None:
    """[first, end) of the whole calendar months within the days [since, until], as the 1st
    of the first whole month and the 1st after the last one; None when there is none."""
    first = since if since.day == 1 else next_month(since)
    end = next_month(until)
    if end - timedelta(days=1) != until:  # until is not a month's last day
        end = month_start(until)
    return (first, end) if first < end else None


def month_sql(column: str) -> str:
    """SQL for the 1st of the month of a date column, by date arithmetic (no time zone)."""
    if connection.vendor == "postgresql":
        return f"({column} - CAST(EXTRACT(DAY FROM {column}) AS integer) + 1)"
    return f"date({column}, 'start of month')"


def period_q(since: date, until: date, *, daily: Q, monthly: Q) -> Q:
    """The rows whose sums are exactly the days [since, until]: `monthly` rows (day = the
    1st) for the whole months, `daily` rows for the days at either edge. Only for reads that
    sum over the period; a read grouped by day or week needs the daily rows alone."""
    months = whole_months(since, until)
    if months is None:
        return daily & Q(day__gte=since, day__lte=until)
    first, end = months
    rows = monthly & Q(day__gte=first, day__lt=end)
    if since < first:
        rows |= daily & Q(day__gte=since, day__lt=first)
    if end <= until:
        rows |= daily & Q(day__gte=end, day__lte=until)
    return rows
