"""The one writer of interactions reported by platforms: a batch stored set-based.

Who writes: `record_interactions` is called by POST /api/v1/interactions/bulk/ with a whole
validated list and, through surveys.services.record_interaction, by the single POST with a
list of one; nothing else stores reported interactions. A batch costs a constant number of
SQL statements whatever its size: one read of the (source, external_id) pairs already
stored, the people of surveys/ingest_people.py, the survey rules and versions (kept per
process until a survey changes, surveys/survey_config.py), the sampling sets read once, one
INSERT of the interactions, one of the invitations.

Why running twice is safe: interactions are inserted with INSERT ... ON CONFLICT (source,
external_id) DO NOTHING RETURNING, so a replay, or a parallel request with overlapping ids,
stores each interaction exactly once; what another request stored first is read back and
answered as existing, with the body it got. Invitations are inserted only for the rows that
INSERT returned. Rows go in key order so that parallel batches queue instead of deadlocking;
a deadlock or serialization failure the database still reports retries the whole batch.

Sampling is decided per batch from sets (surveys/sampling.py holds the rules and their
order): the answers per agent and month and the recently invited contacts are read once,
and the batch's own invitations count too, so a batch never invites a customer twice nor
more of an agent's customers than the month's sample needs. Email and SMS sends are queued
after commit, one task per chunk of invitations (the sweep in surveys.tasks catches up
whatever a broker outage lost: the invitations stay "pending" in the database).
"""

import bisect
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models.functions import TruncMonth
from django.utils import timezone

from nps_project.enqueue import enqueue_on_commit
from surveys import tokens
from surveys.ingest_people import resolve_people
from surveys.models import DeliveryMethod, Interaction, Invitation, Response
from surveys.sampling import month_bounds, reason_for
from surveys.services import InteractionInput, Recorded, delivery_method_for, mark_not_queued
from surveys.survey_config import survey_config
from surveys.versions import languages_of
from surveys.wording import supported_language

Key = tuple[str, str]

# PostgreSQL and SQLite (3.35+) both speak this; the rows it returns are the ones stored now.
ON_CONFLICT_RETURNING = "ON CONFLICT (source, external_id) DO NOTHING RETURNING id, source, external_id"
RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure
ATTEMPTS = 3
DELIVERY_CHUNK = 100


def record_interactions(items: Sequence[InteractionInput]) -> list[Recorded]:
    """Store each new interaction and its sampling decision; one Recorded per item, in order.

    An item already stored (before, by a parallel request, or earlier in `items`) comes
    back with created=False and the interaction stored first (read with its invitation in
    one more query: the API, which needs only ids, calls `store_interactions` instead).
    """
    stored = store_interactions(items)
    found = Interaction.objects.select_related("invitation").in_bulk({pk for pk, _ in stored})
    return [Recorded(found[pk], created=created) for pk, created in stored]


def store_interactions(items: Sequence[InteractionInput], *, config_stamp: int | None = None) -> list[tuple[int, bool]]:
    """record_interactions without the models: (interaction id, created) per item, in order.

    `config_stamp`: the survey configuration's stamp if the caller has read it already
    (the API reads it with the token, surveys/authentication.py); else it is read here."""
    if not items:
        return []
    retry = not connection.in_atomic_block  # inside a caller's transaction a retry cannot help
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _store(items, timezone.now(), config_stamp)
        except OperationalError as exc:
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if not retry or attempt == ATTEMPTS or sqlstate not in RETRYABLE_SQLSTATES:
                raise
    raise AssertionError("unreachable")


def _store(items: Sequence[InteractionInput], now: datetime, config_stamp: int | None) -> list[tuple[int, bool]]:
    keys = [(d.source, d.external_id) for d in items]
    stored = _stored(set(keys))
    first: dict[Key, InteractionInput] = {}
    for key, data in zip(keys, items, strict=True):
        if key not in stored and key not in first:
            first[key] = data
    created: set[Key] = set()
    if first:
        interactions, invitations = _plan(list(first.values()), now, config_stamp)
        inserted = _insert(Interaction, interactions, ON_CONFLICT_RETURNING, now)
        rows = []
        for key, invitation in zip(first, invitations, strict=True):
            if key in inserted:
                invitation["interaction_id"] = stored[key] = inserted[key]
                created.add(key)
                rows.append(invitation)
        ids = _insert(Invitation, rows, "RETURNING interaction_id, id", now)
        lost = set(first) - created  # stored by a parallel request since we looked
        if lost:
            stored |= _stored(lost)
        pending = Invitation.Status.PENDING
        _queue_deliveries([(ids[i["interaction_id"]], i["send_after"]) for i in rows if i["status"] == pending], now)
    results = []
    for key in keys:
        results.append((stored[key], key in created))
        created.discard(key)  # a repeat later in the batch is answered as existing
    return results


def _stored(keys: set[Key]) -> dict[Key, int]:
    """The ids of the interactions stored under these (source, external_id) pairs."""
    if not keys:
        return {}
    sources, external_ids = sorted({k[0] for k in keys}), sorted({k[1] for k in keys})
    if connection.vendor == "postgresql":
        # Two = ANY arrays: an index scan of the unique (source, external_id) index; a join
        # with unnest of the pairs is planned as a loop five times slower.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT source, external_id, id FROM surveys_interaction"
                " WHERE source = ANY(%s::text[]) AND external_id = ANY(%s::text[])",
                [sources, external_ids],
            )
            rows = cursor.fetchall()
    else:
        found = Interaction.objects.filter(source__in=sources, external_id__in=external_ids).order_by()
        rows = found.values_list("source", "external_id", "pk")
    return {(source, external_id): pk for source, external_id, pk in rows if (source, external_id) in keys}


class _Planned:
    """What the sampling rules read of a new interaction (BatchSampler's view of it)."""

    __slots__ = ("agent_id", "channel", "customer_email", "customer_phone", "occurred_at", "survey")

    def __init__(self, agent_id, channel, customer_email, customer_phone, occurred_at, survey):
        self.agent_id, self.channel, self.survey = agent_id, channel, survey
        self.customer_email, self.customer_phone, self.occurred_at = customer_email, customer_phone, occurred_at


def _plan(items: list[InteractionInput], now: datetime, config_stamp: int | None) -> tuple[list[dict], list[dict]]:
    """The interaction and invitation rows (column → value, not stored yet) for new items,
    in order."""
    moments = [d.occurred_at or now for d in items]
    people = resolve_people(items, moments)
    config = survey_config(config_stamp)  # rules, default survey, versions: read once per edit (survey_config.py)
    surveys = [
        config.survey_for(department_id=d.pk, channel=data.channel) for data, (_a, d) in zip(items, people, strict=True)
    ]
    planned = [
        _Planned(agent.pk, data.channel, data.customer_email, data.customer_phone, moment, survey)
        for data, moment, (agent, _d), survey in zip(items, moments, people, surveys, strict=True)
    ]
    versions = config.versions(set(surveys))
    sampler = BatchSampler(planned)
    languages: dict[tuple[str, int], str] = {}
    interactions, invitations = [], []
    for data, interaction, (_agent, department) in zip(items, planned, people, strict=True):
        survey = interaction.survey
        reason = reason_for(
            survey=survey,
            channel=interaction.channel,
            occurred_at=interaction.occurred_at,
            invite=data.invite,
            now=now,
            sample_reached=lambda i=interaction: sampler.sample_reached(i),
            fatigued=lambda i=interaction: sampler.fatigued(i),
        )
        if reason is None:
            sampler.invited(interaction)
        version = versions[survey.pk]
        if (data.language, version.pk) not in languages:
            languages[(data.language, version.pk)] = supported_language(
                data.language, also=languages_of(version.content)
            )
        interactions.append(
            {
                "source": data.source,
                "external_id": data.external_id,
                "channel": data.channel,
                "occurred_at": interaction.occurred_at,
                "agent_id": interaction.agent_id,
                "department_id": department.pk,
                "survey_id": survey.pk,
                "customer_email": data.customer_email,
                "customer_phone": data.customer_phone,
                "customer_name": data.customer_name,
                "language": data.language,
                "handle_seconds": data.handle_seconds,
                "wait_seconds": data.wait_seconds,
                "transfers": data.transfers,
                "resolved": data.resolved,
                "tags": data.tags,
            }
        )
        invitations.append(_invitation(survey, data, version.pk, languages[(data.language, version.pk)], reason, now))
    return interactions, invitations


def _invitation(survey, data: InteractionInput, version_id: int, language: str, reason: str | None, now) -> dict:
    method = delivery_method_for(data)
    if reason:
        return {
            "status": Invitation.Status.SUPPRESSED,
            "suppressed_reason": reason,
            "method": method,
            "language": language,
            "survey_version_id": version_id,
            "token_nonce": None,
            "token_hash": None,
        }
    delay = data.delay_minutes if data.delay_minutes is not None else survey.send_delay_minutes
    send_after = now + timedelta(minutes=delay)
    nonce = tokens.new_nonce()
    is_link = method == DeliveryMethod.LINK
    return {
        "status": Invitation.Status.SENT if is_link else Invitation.Status.PENDING,
        "method": method,
        "language": language,
        "survey_version_id": version_id,
        "token_nonce": nonce,
        "token_hash": tokens.hash_token(tokens.token_for(nonce)),
        "send_after": send_after,
        "sent_at": now if is_link else None,
        "expires_at": send_after + timedelta(days=survey.link_expiry_days),
    }


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _insert(model, rows: list[dict], suffix: str, now: datetime) -> dict:
    """INSERT the rows (column → value; columns left out get the field's default) in one
    statement; RETURNING's rows as {first column(s): last column}: the id by (source,
    external_id) for interactions, by interaction id for invitations. Interactions go in
    key order (see the docstring).

    On PostgreSQL the whole batch is one JSON parameter, turned into rows of the table's
    own types by json_populate_recordset: encoding it is one C call (json.dumps), where
    arrays or a parameter per value cost Python code per value."""
    if not rows:
        return {}
    if model is Interaction:
        rows = sorted(rows, key=lambda r: (r["source"], r["external_id"]))
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {
        f.column: now if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False) else f.get_default()
        for f in fields
    }
    rows = [defaults | row for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        source = f"SELECT {columns} FROM json_populate_recordset(NULL::{table}, %s::json)"  # noqa: S608
        params = [json.dumps(rows, default=_json_value)]
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        source = "VALUES " + ", ".join([row] * len(rows))
        params = [f.get_db_prep_save(r[f.column], connection) for r in rows for f in fields]
    # Table and columns come from the model, every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) {source} {suffix}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    if model is Interaction:
        return {(source_, external_id): pk for pk, source_, external_id in returned}
    return dict(returned)


def _queue_deliveries(pending: list[tuple[int, datetime]], now: datetime) -> None:
    """After commit: one delivery task per chunk of invitations due at the same moment."""
    from surveys.tasks import deliver_invitation, deliver_invitations  # tasks import services

    by_time: dict[datetime, list[int]] = defaultdict(list)
    for pk, send_after in pending:
        by_time[send_after].append(pk)
    for send_after, ids in by_time.items():
        countdown = (send_after - now).total_seconds()
        countdown = countdown if countdown > 1 else None
        for start in range(0, len(ids), DELIVERY_CHUNK):
            chunk = ids[start : start + DELIVERY_CHUNK]
            if len(chunk) == 1:
                enqueue_on_commit(
                    deliver_invitation, chunk[0], countdown=countdown, on_failure=partial(mark_not_queued, chunk)
                )
            else:
                enqueue_on_commit(
                    deliver_invitations, chunk, countdown=countdown, on_failure=partial(mark_not_queued, chunk)
                )


class BatchSampler:
    """The sampling rules' two database questions for a whole batch, each read once when
    first asked, then kept current with the invitations the batch itself makes."""

    def __init__(self, interactions: list):
        self.interactions = interactions
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self._month_counts: dict[tuple[int, int, int], int] | None = None
        self._contact_times: dict[tuple[str, str], list[datetime]] | None = None
        self._batch: list[Interaction] = []  # invited so far by this batch

    def _month(self, interaction: Interaction) -> tuple[int, int, int]:
        local = interaction.occurred_at.astimezone(self.zone)
        return interaction.agent_id, local.year, local.month

    def sample_reached(self, interaction: Interaction) -> bool:
        """Answers in the agent's month plus this batch's invitations reach the target."""
        if self._month_counts is None:
            self._month_counts = self._answers_per_agent_month()
        return self._month_counts.get(self._month(interaction), 0) >= interaction.survey.agent_monthly_target

    def _answers_per_agent_month(self) -> dict[tuple[int, int, int], int]:
        moments = [i.occurred_at for i in self.interactions]
        since, until = month_bounds(min(moments))[0], month_bounds(max(moments))[1]
        rows = (
            Response.objects.filter(
                agent_id__in={i.agent_id for i in self.interactions}, occurred_at__gte=since, occurred_at__lt=until
            )
            .annotate(month=TruncMonth("occurred_at", tzinfo=self.zone))
            .values_list("agent_id", "month")
            .order_by()
        )
        counts: dict[tuple[int, int, int], int] = defaultdict(int)
        for agent_id, month in rows:
            local = month.astimezone(self.zone) if month.tzinfo else month
            counts[(agent_id, local.year, local.month)] += 1
        for interaction in self._batch:
            counts[self._month(interaction)] += 1
        return counts

    def fatigued(self, interaction: Interaction) -> bool:
        """The email or phone was invited (not suppressed) within the fatigue window."""
        if self._contact_times is None:
            self._contact_times = self._invited_contacts()
        window = timedelta(days=interaction.survey.fatigue_days)
        around = interaction.occurred_at
        for contact in _contacts(interaction):
            times = self._contact_times.get(contact, [])
            after = bisect.bisect_right(times, around - window)
            if after < len(times) and times[after] < around + window:
                return True
        return False

    def _invited_contacts(self) -> dict[tuple[str, str], list[datetime]]:
        emails = {i.customer_email for i in self.interactions if i.customer_email}
        phones = {i.customer_phone for i in self.interactions if i.customer_phone}
        times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
        if not emails and not phones:
            return times  # anonymous: the platform delivers the link, nothing to match on
        window = timedelta(days=max(i.survey.fatigue_days for i in self.interactions))
        moments = [i.occurred_at for i in self.interactions]
        # contact_q's rule (an invitation not suppressed, for an interaction reaching one of
        # the contacts, within the window) in plain SQL: composing it in the ORM cost more
        # than running it.
        contact = " OR ".join(
            f"i.customer_{kind} IN ({', '.join(['%s'] * len(values))})"
            for kind, values in (("email", emails), ("phone", phones))
            if values
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.customer_email, i.customer_phone, i.occurred_at FROM surveys_invitation v"  # noqa: S608
                " JOIN surveys_interaction i ON i.id = v.interaction_id"
                f" WHERE v.status <> %s AND ({contact}) AND i.occurred_at > %s AND i.occurred_at < %s",
                [
                    Invitation.Status.SUPPRESSED.value,
                    *sorted(emails),
                    *sorted(phones),
                    min(moments) - window,
                    max(moments) + window,
                ],
            )
            rows = cursor.fetchall()
        for email, phone, occurred_at in rows:
            if occurred_at.tzinfo is None:  # SQLite's driver: UTC, without the zone
                occurred_at = occurred_at.replace(tzinfo=UTC)
            if email in emails:
                times[("email", email)].append(occurred_at)
            if phone in phones:
                times[("phone", phone)].append(occurred_at)
        for moments_of_contact in times.values():
            moments_of_contact.sort()
        for interaction in self._batch:
            self._add_contact(times, interaction)
        return times

    def invited(self, interaction: Interaction) -> None:
        """Count an invitation the batch makes, in the sets read or to be read."""
        self._batch.append(interaction)
        if self._month_counts is not None:
            self._month_counts[self._month(interaction)] += 1
        if self._contact_times is not None:
            self._add_contact(self._contact_times, interaction)

    @staticmethod
    def _add_contact(times: dict[tuple[str, str], list[datetime]], interaction: Interaction) -> None:
        for contact in _contacts(interaction):
            bisect.insort(times[contact], interaction.occurred_at)


def _contacts(interaction: Interaction) -> list[tuple[str, str]]:
    contacts = []
    if interaction.customer_email:
        contacts.append(("email", interaction.customer_email))
    if interaction.customer_phone:
        contacts.append(("phone", interaction.customer_phone))
    return contacts
