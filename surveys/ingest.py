"""The one writer of interactions reported by platforms: a batch stored set-based.

Who writes: `record_interactions` is called by POST /api/v1/interactions/bulk/ with a whole
validated list and, through surveys.services.record_interaction, by the single POST with a
list of one; nothing else stores reported interactions. A batch costs a constant number of
SQL statements whatever its size: one read of the (source, external_id) pairs already
stored, the people of surveys/ingest_people.py, the survey rules, versions and the sampling
sets read once, one INSERT of the interactions, one of the invitations.

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
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import JSONField
from django.db.models.functions import TruncMonth
from django.utils import timezone

from nps_project.enqueue import enqueue_on_commit
from surveys import tokens
from surveys.assignment import SurveyChooser
from surveys.ingest_people import resolve_people
from surveys.models import DeliveryMethod, Interaction, Invitation, Response
from surveys.sampling import contact_q, month_bounds, reason_for
from surveys.services import InteractionInput, Recorded, delivery_method_for, mark_not_queued
from surveys.versions import current_versions, languages_of
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
    back with created=False and the interaction stored first.
    """
    if not items:
        return []
    retry = not connection.in_atomic_block  # inside a caller's transaction a retry cannot help
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _store(items, timezone.now())
        except OperationalError as exc:
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if not retry or attempt == ATTEMPTS or sqlstate not in RETRYABLE_SQLSTATES:
                raise
    raise AssertionError("unreachable")


def _store(items: Sequence[InteractionInput], now: datetime) -> list[Recorded]:
    keys = [(d.source, d.external_id) for d in items]
    stored = _stored(set(keys))
    first: dict[Key, InteractionInput] = {}
    for key, data in zip(keys, items, strict=True):
        if key not in stored and key not in first:
            first[key] = data
    created: set[Key] = set()
    if first:
        rows = _plan(list(first.values()), now)
        inserted = _insert(Interaction, [interaction for interaction, _ in rows], ON_CONFLICT_RETURNING, now)
        invitations = []
        for interaction, invitation in rows:
            key = (interaction.source, interaction.external_id)
            if key in inserted:
                interaction.pk = inserted[key][0]
                interaction._state.adding = False
                invitation.interaction_id = interaction.pk
                Interaction.invitation.related.field.set_cached_value(invitation, interaction)
                Interaction.invitation.related.set_cached_value(interaction, invitation)
                invitations.append(invitation)
                stored[key] = interaction
                created.add(key)
        for invitation, (pk,) in zip(
            invitations, _insert(Invitation, invitations, "RETURNING id", now).values(), strict=True
        ):
            invitation.pk = pk
            invitation._state.adding = False
        lost = set(first) - created  # stored by a parallel request since we looked
        if lost:
            stored |= _stored(lost)
        _queue_deliveries([i for i in invitations if i.status == Invitation.Status.PENDING], now)
    results = []
    for key in keys:
        results.append(Recorded(stored[key], created=key in created))
        created.discard(key)  # a repeat later in the batch is answered as existing
    return results


def _stored(keys: set[Key]) -> dict[Key, Interaction]:
    """The interactions stored under these (source, external_id) pairs, with their invitation."""
    if not keys:
        return {}
    sources, external_ids = {k[0] for k in keys}, {k[1] for k in keys}
    found = (
        Interaction.objects.select_related("invitation")
        .filter(source__in=sources, external_id__in=external_ids)
        .order_by()
    )
    return {(i.source, i.external_id): i for i in found if (i.source, i.external_id) in keys}


def _plan(items: list[InteractionInput], now: datetime) -> list[tuple[Interaction, Invitation]]:
    """The interaction and invitation rows (not stored yet) for new items, in order."""
    moments = [d.occurred_at or now for d in items]
    people = resolve_people(items, moments)
    choose = SurveyChooser()
    surveys = [choose(department_id=d.pk, channel=data.channel) for data, (_a, d) in zip(items, people, strict=True)]
    interactions = [
        Interaction(
            source=data.source,
            external_id=data.external_id,
            channel=data.channel,
            occurred_at=moment,
            agent_id=agent.pk,
            department_id=department.pk,
            survey_id=survey.pk,
            customer_email=data.customer_email,
            customer_phone=data.customer_phone,
            customer_name=data.customer_name,
            language=data.language,
            handle_seconds=data.handle_seconds,
            wait_seconds=data.wait_seconds,
            transfers=data.transfers,
            resolved=data.resolved,
            tags=data.tags,
        )
        for data, moment, (agent, department), survey in zip(items, moments, people, surveys, strict=True)
    ]
    for interaction, survey in zip(interactions, surveys, strict=True):
        Interaction.survey.field.set_cached_value(interaction, survey)  # read below, never fetched
    versions = current_versions(set(surveys))
    sampler = BatchSampler(interactions)
    rows = []
    for interaction, data in zip(interactions, items, strict=True):
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
        rows.append((interaction, _invitation(interaction, data, versions[survey.pk], reason, now)))
    return rows


def _invitation(interaction: Interaction, data: InteractionInput, version, reason: str | None, now) -> Invitation:
    method = delivery_method_for(data)
    language = supported_language(data.language, also=languages_of(version.content))
    if reason:
        return Invitation(
            status=Invitation.Status.SUPPRESSED,
            suppressed_reason=reason,
            method=method,
            language=language,
            survey_version_id=version.pk,
        )
    survey = interaction.survey
    delay = data.delay_minutes if data.delay_minutes is not None else survey.send_delay_minutes
    send_after = now + timedelta(minutes=delay)
    nonce = tokens.new_nonce()
    is_link = method == DeliveryMethod.LINK
    return Invitation(
        status=Invitation.Status.SENT if is_link else Invitation.Status.PENDING,
        method=method,
        language=language,
        survey_version_id=version.pk,
        token_nonce=nonce,
        token_hash=tokens.hash_token(tokens.token_for(nonce)),
        send_after=send_after,
        sent_at=now if is_link else None,
        expires_at=send_after + timedelta(days=survey.link_expiry_days),
    )


def _insert(model, objs: list, suffix: str, now: datetime) -> dict:
    """INSERT the objects in one statement; the rows RETURNING gives (by key for
    interactions, in order otherwise). Interactions go in key order (see the docstring).

    On PostgreSQL each column is one array parameter (INSERT ... SELECT FROM unnest): a
    thousand rows cost 20 parameters instead of 20,000, which is most of the time saved."""
    if model is Interaction:
        objs = sorted(objs, key=lambda r: (r.source, r.external_id))
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
        source = f"SELECT * FROM unnest({arrays})"  # noqa: S608 (types from the model)
        params = [[_raw(f, obj, now) for obj in objs] for f in fields]
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        source = "VALUES " + ", ".join([row] * len(objs))
        params = [f.get_db_prep_save(_raw(f, obj, now, json_text=False), connection) for obj in objs for f in fields]
    # Table and columns come from the model, every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) {source} {suffix}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    if model is Interaction:
        return {(source_, external_id): (pk,) for pk, source_, external_id in returned}
    return dict(enumerate(returned))


def _raw(field, obj, now: datetime, *, json_text: bool = True):
    """The value to store for one field of a new row (auto_now_add fields: `now`)."""
    if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
        setattr(obj, field.attname, now)
        return now
    value = getattr(obj, field.attname)
    if json_text and isinstance(field, JSONField):
        return json.dumps(value)
    return value


def _queue_deliveries(pending: list[Invitation], now: datetime) -> None:
    """After commit: one delivery task per chunk of invitations due at the same moment."""
    from surveys.tasks import deliver_invitation, deliver_invitations  # tasks import services

    by_time: dict[datetime, list[int]] = defaultdict(list)
    for invitation in pending:
        by_time[invitation.send_after].append(invitation.pk)
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

    def __init__(self, interactions: list[Interaction]):
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
        rows = (
            Invitation.objects.exclude(status=Invitation.Status.SUPPRESSED)
            .filter(contact_q(emails=emails, phones=phones))
            .filter(
                interaction__occurred_at__gt=min(moments) - window,
                interaction__occurred_at__lt=max(moments) + window,
            )
            .values_list("interaction__customer_email", "interaction__customer_phone", "interaction__occurred_at")
            .order_by()
        )
        for email, phone, occurred_at in rows:
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
