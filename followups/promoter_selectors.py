"""Promoters-to-thank reads: which answers are listed, one page of them, and how many.

A promoter here is an answer with both scores at PROMOTER_MIN_SCORE or more (9: an NPS
promoter on the company question and on the agent question). That is not what the NPS
buckets count (promoters per question), so the counts below come from the answers.

Why the page is read the way it is (1,000,000 answers, a year: ~85,000 promoters):
- `surveys_response`'s partial index `response_promoter_idx` on (department, occurred_at, id)
  WHERE company_score >= 9 AND agent_score >= 9 holds only promoter answers. The list is
  ordered by department name, then newest first; each department's rows are a backward walk
  of that index from the page's cursor, so a page reads about its 50 rows per department in
  scope and never sorts the period (keyset paging: the "next" link carries the last row
  shown, not an OFFSET). All departments in one statement (a LATERAL subquery per
  department), so the number of statements does not depend on the data.
- The contacted-recently and open-case flags are lists of interaction ids (the customers of
  the contacts within the fatigue window and of the open cases, found by their email and
  phone indexes), tested with `= ANY(array)`.
- Counts: all promoters of the period exactly (an index-only count of the partial index);
  those to contact up to COUNT_CAP ("more than 1,000"), because telling whether an answer
  can be contacted needs its interaction row, and an exact count would read one per
  promoter answer of the period; already contacted exactly, from the (small) contacts.
With PROMOTER_MIN_SCORE below 9 the index does not apply and the walk reads
`response_dept_occurred_idx` instead: still correct, slower."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from agents.models import Department
from analytics.buckets import day_start
from followups.models import FollowUpCase, PromoterContact
from surveys.models import Interaction, Response, Survey

COUNT_CAP = 1000
SHOW_TO_CONTACT, SHOW_CONTACTED, SHOW_ALL = "", "contacted", "all"
_NO_ID = 0  # ids are positive: (t, 0) as an upper bound means "before t", as a lower bound "from t"


def _postgres() -> bool:
    """The reads below are written for PostgreSQL (arrays, LATERAL); the embedded mode
    (SQLite, demo-sized data) takes the plain ORM path of the same list instead."""
    return connection.vendor == "postgresql"


def fatigue_days() -> int:
    survey = Survey.objects.filter(is_default=True).only("fatigue_days").first()
    return survey.fatigue_days if survey else Survey._meta.get_field("fatigue_days").default


def _interactions_of_customers(rows: QuerySet, prefix: str) -> list[int]:
    """The interactions of the customers (same email or phone, when not blank) of `rows`.

    Two small queries: the emails and phones of `rows` (the contacts of the window, the open
    cases: few), then the interactions with those emails or phones (by their indexes). A
    correlated EXISTS with an OR inside re-ran a join for every promoter answer of the period;
    an uncorrelated subquery made PostgreSQL scan every interaction."""
    email, phone = f"{prefix}interaction__customer_email", f"{prefix}interaction__customer_phone"
    emails, phones = set(), set()
    for customer_email, customer_phone in rows.order_by().values_list(email, phone):
        if customer_email:
            emails.add(customer_email)
        if customer_phone:
            phones.add(customer_phone)
    if not emails and not phones:
        return []
    if not _postgres():  # the embedded mode (SQLite): few customers, plain IN lists
        found = Interaction.objects.filter(Q(customer_email__in=emails) | Q(customer_phone__in=phones))
        return list(found.values_list("id", flat=True))
    # Two array parameters (`= ANY(%s)`): as `IN (%s, %s, …)` each value costs Django and
    # psycopg a placeholder, tens of milliseconds for a few thousand.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Interaction._meta.db_table} WHERE customer_email = ANY(%s) OR customer_phone = ANY(%s)",  # noqa: S608
            [sorted(emails), sorted(phones)],
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class Blocked:
    """Interactions whose customer may not be contacted now."""

    thanked_recently: frozenset[int]  # this customer was thanked or asked, any answer, within the window
    open_case: frozenset[int]  # a follow-up case is open for this customer

    @property
    def all(self) -> list[int]:
        return sorted(self.thanked_recently | self.open_case)


def blocked_customers(window_days: int) -> Blocked:
    """The interactions of the customers thanked within the last `window_days` days (the
    fatigue window) and of those with a follow-up case open."""
    window_start = timezone.now() - timedelta(days=window_days)
    return Blocked(
        thanked_recently=frozenset(
            _interactions_of_customers(PromoterContact.objects.filter(at__gte=window_start), "response__")
        ),
        open_case=frozenset(
            _interactions_of_customers(FollowUpCase.objects.filter(status__in=FollowUpCase.ACTIVE), "response__")
        ),
    )


def has_contact(interaction: Interaction) -> bool:
    return bool(interaction.customer_email or interaction.customer_phone)


def annotate_state(response: Response, blocked: Blocked) -> Response:
    """Set has_contact, thanked_recently and open_case on a loaded answer (interaction joined)."""
    response.has_contact = has_contact(response.interaction)
    response.thanked_recently = response.interaction_id in blocked.thanked_recently
    response.open_case = response.interaction_id in blocked.open_case
    return response


def day_label(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


def why_not(response: Response) -> str:
    """Why an answer is not on the list to contact ('' when it is)."""
    contact = getattr(response, "promoter_contact", None)
    if contact is not None:
        return f"{contact.get_kind_display()} {day_label(contact.at)}"
    if not response.has_contact:
        return "No email or phone"
    if response.open_case:
        return "Follow-up case open"
    if response.thanked_recently:
        return "Contacted recently (another answer)"
    return ""


# --- The list's filters -------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    departments: tuple[Department, ...]  # in scope, in the list's order (name, then id)
    since: date
    until: date
    channel: str = ""
    show: str = SHOW_TO_CONTACT

    @property
    def start(self) -> datetime:
        return day_start(self.since)

    @property
    def end(self) -> datetime:
        return day_start(self.until + timedelta(days=1))

    @property
    def department_ids(self) -> list[int]:
        return [d.pk for d in self.departments]


def in_list_order(departments) -> tuple[Department, ...]:
    return tuple(sorted(departments, key=lambda d: (d.name, d.pk)))


def _promoter_sql(alias: str = "r") -> str:
    minimum = int(settings.PROMOTER_MIN_SCORE)  # a literal, so the planner can match the partial index
    return f"{alias}.company_score >= {minimum} AND {alias}.agent_score >= {minimum}"


def _contact_sql(filters: Filters, params: dict, blocked: Blocked) -> tuple[str, str]:
    """(join, conditions) on `r` (an answer) for the channel and the "to contact" filter."""
    join, where = "", ""
    if filters.channel:
        where += " AND r.channel = %(channel)s"
        params["channel"] = filters.channel
    if filters.show == SHOW_TO_CONTACT:
        join = f" JOIN {Interaction._meta.db_table} i ON i.id = r.interaction_id"
        contacts = PromoterContact._meta.db_table
        where += " AND (i.customer_email > '' OR i.customer_phone > '') AND NOT (r.interaction_id = ANY(%(blocked)s))"
        where += f" AND NOT EXISTS (SELECT 1 FROM {contacts} c WHERE c.response_id = r.id)"  # noqa: S608
        params["blocked"] = blocked.all
    return join, where


# --- Counts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    promoters: int  # every promoter answer of the period and scope (whatever the `show` filter)
    shown: int  # the answers the `show` filter lists, up to COUNT_CAP + 1 for "to contact"

    @property
    def shown_is_exact(self) -> bool:
        return self.shown <= COUNT_CAP


def counts(filters: Filters, blocked: Blocked) -> Counts:
    if not _postgres():
        total = promoters(replace(filters, show=SHOW_ALL), blocked).count()
        shown = promoters(filters, blocked)
        if filters.show == SHOW_TO_CONTACT:
            shown = shown[: COUNT_CAP + 1]
        return Counts(promoters=total, shown=shown.count())
    table, contacts = Response._meta.db_table, PromoterContact._meta.db_table
    params: dict = {"departments": filters.department_ids, "start": filters.start, "end": filters.end}
    join, where = _contact_sql(filters, params, blocked)
    period = (
        f"r.department_id = ANY(%(departments)s) AND {_promoter_sql()}"
        " AND r.occurred_at >= %(start)s AND r.occurred_at < %(end)s"
    )
    channel = " AND r.channel = %(channel)s" if filters.channel else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} r WHERE {period}{channel}", params)  # noqa: S608
        total = cursor.fetchone()[0]
        if filters.show == SHOW_ALL:
            return Counts(promoters=total, shown=total)
        if filters.show == SHOW_CONTACTED:
            sql = f"SELECT count(*) FROM {contacts} c JOIN {table} r ON r.id = c.response_id WHERE {period}{where}"  # noqa: S608
        else:
            sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} r{join} WHERE {period}{where} LIMIT {COUNT_CAP + 1}) x"  # noqa: S608
        cursor.execute(sql, params)
        return Counts(promoters=total, shown=cursor.fetchone()[0])


# --- One page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A row of the list: where a page ends (the next page starts after it) or starts."""

    department_id: int
    occurred_at: datetime
    pk: int

    def encode(self) -> str:
        micros = (self.occurred_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        return f"{self.department_id}.{micros}.{self.pk}"

    @classmethod
    def decode(cls, text: str) -> "Cursor | None":
        parts = text.split(".")
        if len(parts) != 3 or not all(p.lstrip("-").isdigit() and len(p) <= 20 for p in parts):
            return None
        department_id, micros, pk = (int(p) for p in parts)
        if department_id <= 0 or pk <= 0 or abs(micros) > 10**17:
            return None
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
        return cls(department_id=department_id, occurred_at=moment, pk=pk)

    @classmethod
    def of(cls, response: Response) -> "Cursor":
        return cls(department_id=response.department_id, occurred_at=response.occurred_at, pk=response.pk)


@dataclass(frozen=True)
class PageIds:
    ids: list[int]
    has_more: bool  # rows beyond this page in the direction walked


def page_ids(
    filters: Filters, blocked: Blocked, *, after: Cursor | None = None, before: Cursor | None = None, size: int
) -> PageIds:
    """The ids of one page of the list, in its order: the first `size` rows after `after`, or
    the last `size` rows before `before`, or the first page. A cursor whose department is
    not in scope raises ValueError."""
    departments = filters.department_ids
    cursor_row = after or before
    if cursor_row is not None and cursor_row.department_id not in departments:
        raise ValueError("cursor outside the departments in scope")
    if not _postgres():
        return _page_ids_portable(filters, blocked, after=after, before=before, size=size)
    if cursor_row is not None:
        at = departments.index(cursor_row.department_id)
        departments = departments[at:] if after else departments[: at + 1][::-1]
    descending = before is None
    # Per department, the bounds of its rows: (occurred_at, id) > lower and < upper.
    lower = [(filters.start, _NO_ID)] * len(departments)
    upper = [(filters.end, _NO_ID)] * len(departments)
    if after is not None:
        upper[0] = (after.occurred_at, after.pk)
    if before is not None:
        lower[0] = (before.occurred_at, before.pk)
    params: dict = {
        "departments": departments,
        "lower_at": [b[0] for b in lower],
        "lower_id": [b[1] for b in lower],
        "upper_at": [b[0] for b in upper],
        "upper_id": [b[1] for b in upper],
        "start": filters.start,
        "end": filters.end,
        "limit": size + 1,
    }
    join, where = _contact_sql(filters, params, blocked)
    order = "DESC" if descending else "ASC"
    table, contacts = Response._meta.db_table, PromoterContact._meta.db_table
    bounds = (
        f"{_promoter_sql()} AND r.occurred_at >= %(start)s AND r.occurred_at < %(end)s"
        " AND (r.occurred_at, r.id) > (d.lower_at, d.lower_id) AND (r.occurred_at, r.id) < (d.upper_at, d.upper_id)"
    )
    walk = (
        "unnest(%(departments)s::bigint[], %(lower_at)s::timestamptz[], %(lower_id)s::bigint[],"
        " %(upper_at)s::timestamptz[], %(upper_id)s::bigint[])"
        " WITH ORDINALITY AS d(department_id, lower_at, lower_id, upper_at, upper_id, ord)"
    )
    if filters.show == SHOW_CONTACTED:
        # Driven by the contacts (few): a sort of those in the period, not a walk of every promoter.
        sql = (
            f"SELECT r.id FROM {contacts} c JOIN {table} r ON r.id = c.response_id"  # noqa: S608
            f" JOIN {walk} ON d.department_id = r.department_id"
            f" WHERE {bounds}{where}"
            f" ORDER BY d.ord, r.occurred_at {order}, r.id {order} LIMIT %(limit)s"
        )
    else:
        # Per department, a walk of the promoter index from its bound: about `size` + 1 rows each.
        sql = (
            f"SELECT p.id FROM {walk} CROSS JOIN LATERAL ("  # noqa: S608
            f" SELECT r.id, r.occurred_at FROM {table} r{join}"
            f" WHERE r.department_id = d.department_id AND {bounds}{where}"
            f" ORDER BY r.occurred_at {order}, r.id {order} LIMIT %(limit)s) p"
            f" ORDER BY d.ord, p.occurred_at {order}, p.id {order} LIMIT %(limit)s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    has_more = len(ids) > size
    ids = ids[:size]
    if not descending:
        ids.reverse()
    return PageIds(ids=ids, has_more=has_more)


def _page_ids_portable(
    filters: Filters, blocked: Blocked, *, after: Cursor | None, before: Cursor | None, size: int
) -> PageIds:
    """page_ids for the embedded mode: the whole list's keys in order, then the same slice."""
    position = {department_id: n for n, department_id in enumerate(filters.department_ids)}

    def key(department_id: int, occurred_at: datetime, pk: int) -> tuple:
        # The list's order: departments in scope order, then newest first.
        return (position[department_id], -occurred_at.timestamp(), -pk)

    rows = [
        (key(department_id, occurred_at, pk), pk)
        for pk, department_id, occurred_at in promoters(filters, blocked).values_list(
            "pk", "department_id", "occurred_at"
        )
    ]
    if before is not None:
        mark = key(before.department_id, before.occurred_at, before.pk)
        chunk = [pk for k, pk in rows if k < mark][-(size + 1) :]
        return PageIds(ids=chunk[-size:], has_more=len(chunk) > size)
    if after is not None:
        mark = key(after.department_id, after.occurred_at, after.pk)
        rows = [(k, pk) for k, pk in rows if k > mark]
    chunk = [pk for _, pk in rows[: size + 1]]
    return PageIds(ids=chunk[:size], has_more=len(chunk) > size)


def load(ids: list[int], blocked: Blocked) -> list[Response]:
    """The answers of `ids`, in that order, with what the page shows of them."""
    rows = Response.objects.filter(pk__in=ids).select_related(
        "agent", "department", "interaction", "promoter_contact__by"
    )
    loaded = {r.pk: annotate_state(r, blocked) for r in rows}
    return [loaded[pk] for pk in ids if pk in loaded]


# --- Every row (the CSV) ------------------------------------------------------------------------


def _in_array(ids: frozenset[int]) -> ExpressionWrapper:
    """`surveys_response.interaction_id = ANY(%s)`: one array parameter, not a placeholder per id."""
    if not _postgres():
        return ExpressionWrapper(Q(interaction_id__in=sorted(ids)) if ids else Q(pk=None), output_field=BooleanField())
    sql = f'"{Response._meta.db_table}"."interaction_id" = ANY(%s)'
    condition = RawSQL(sql, (sorted(ids),))  # noqa: S611 (the table name is ours; the ids a parameter)
    return ExpressionWrapper(condition, output_field=BooleanField())


def promoters(filters: Filters, blocked: Blocked) -> QuerySet[Response]:
    """Every row of the list as a queryset in the list's order (for the CSV), with
    has_contact, thanked_recently and open_case annotated."""
    minimum = settings.PROMOTER_MIN_SCORE
    qs = Response.objects.filter(
        company_score__gte=minimum,
        agent_score__gte=minimum,
        occurred_at__gte=filters.start,
        occurred_at__lt=filters.end,
        department_id__in=filters.department_ids,
    )
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    qs = qs.annotate(
        has_contact=ExpressionWrapper(
            Q(interaction__customer_email__gt="") | Q(interaction__customer_phone__gt=""), output_field=BooleanField()
        ),
        thanked_recently=_in_array(blocked.thanked_recently),
        open_case=_in_array(blocked.open_case),
    ).select_related("agent", "department", "interaction", "promoter_contact__by")
    if filters.show == SHOW_CONTACTED:
        qs = qs.filter(promoter_contact__isnull=False)
    elif filters.show == SHOW_TO_CONTACT:
        qs = qs.filter(has_contact=True, thanked_recently=False, open_case=False, promoter_contact__isnull=True)
    return qs.order_by("department__name", "department_id", "-occurred_at", "-pk")
