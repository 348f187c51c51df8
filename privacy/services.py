"""Removing customers' personal data: erasure on request (by email or phone) and retention
(everything older than RETENTION_MONTHS). Both keep the scores, so every NPS figure and
derived table stays exactly as it was; both leave an AuditEntry with counts of rows changed.

What counts as personal data here:
- the interaction's customer email, phone and name (cleared to empty strings);
- the answer's why-text and the free-text part of its extra answers (strings are removed,
  numbers and yes/no booleans such as CSAT or CES scores are kept);
- the recovery re-survey's email address, and delivery errors that may quote an address
  (Invitation.last_error, RecoverySurvey.last_error);
- the system's own case history lines that quote the customer's email ("Recovery survey
  (emailed to …)").
Follow-up case notes and outcomes, and notes on promoter contacts, are staff-written
records of the follow-up and are kept: erasure replaces every email address and phone
number of the customer in them (the one asked for and every other one their interactions
carry, in the spellings people type: privacy/redaction.py) with "[erased]"; retention
leaves them alone (staff are asked not to
copy contact data into notes; the contact is on the case page while it is kept).

Erasure also means the sampling policy no longer recognises the customer, so the fatigue
window starts afresh for them.
"""

import calendar
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from analytics.themes import tagging as themes_tagging
from followups.models import CaseEvent, FollowUpCase, PromoterContact, RecoverySurvey
from privacy import audit, redaction
from privacy.models import AuditEntry
from surveys.models import Interaction, Invitation, Response

ERASED = "[erased]"
BATCH_SIZE = 1000
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE_DIGITS_RE = re.compile(r"\D")
# Retention re-reads extra answers from shortly before the previous run's cutoff (late answers).
RETENTION_OVERLAP_DAYS = 31


class InvalidIdentifier(ValueError):
    pass


# --- Identifiers ---------------------------------------------------------------------------------


def normalise(kind: str, value: str) -> str:
    """Emails lower-cased, phones as + and digits, the way the API stores them."""
    value = (value or "").strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        digits = PHONE_DIGITS_RE.sub("", value)
        return f"+{digits}" if digits else ""
    raise InvalidIdentifier(f"unknown identifier kind {kind!r}")


def identifier_hash(kind: str, value: str) -> str:
    """Keyed SHA-256 of the normalised identifier: the audit trail can be searched for a
    customer without holding their email or phone (a plain hash of a phone number could
    be reversed by trying every number)."""
    key = f"{settings.SECRET_KEY}:privacy-audit".encode()
    return hmac.new(key, f"{kind}:{normalise(kind, value)}".encode(), hashlib.sha256).hexdigest()


def _identifier(email: str, phone: str) -> tuple[str, str]:
    email, phone = normalise("email", email), normalise("phone", phone)
    if bool(email) == bool(phone):
        raise InvalidIdentifier("Give either an email address or a phone number.")
    return ("email", email) if email else ("phone", phone)


def _customer_interactions(kind: str, value: str) -> QuerySet[Interaction]:
    if kind == "email":
        return Interaction.objects.filter(customer_email__iexact=value)
    return Interaction.objects.filter(customer_phone=value)


def without_free_text(answers):
    """Extra answers with every string removed (numbers and booleans kept), recursively."""
    if isinstance(answers, dict):
        return {k: without_free_text(v) for k, v in answers.items() if not isinstance(v, str)}
    if isinstance(answers, list):
        return [without_free_text(v) for v in answers if not isinstance(v, str)]
    return answers


# --- Erasure --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasurePreview:
    kind: str
    identifier_hash: str
    interactions: int
    answers: int
    comments: int
    earlier: list[AuditEntry]


def preview_erasure(*, email: str = "", phone: str = "") -> ErasurePreview:
    """What erasing this customer would touch, and when they were erased before."""
    kind, value = _identifier(email, phone)
    interactions = _customer_interactions(kind, value)
    answers = Response.objects.filter(interaction__in=interactions)
    digest = identifier_hash(kind, value)
    return ErasurePreview(
        kind=kind,
        identifier_hash=digest,
        interactions=interactions.count(),
        answers=answers.count(),
        comments=answers.exclude(why="").count(),
        earlier=list(
            AuditEntry.objects.filter(kind=AuditEntry.Kind.ERASURE, identifier_hash=digest).select_related(
                "requested_by"
            )[:10]
        ),
    )


def erase_customer(
    *,
    email: str = "",
    phone: str = "",
    requested_by: AbstractBaseUser | None,
    via: str = AuditEntry.Via.DASHBOARD,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Remove one customer's personal data, keep their scores, and record it. Running it
    again changes nothing more (and records the request again, with zero counts)."""
    kind, value = _identifier(email, phone)
    with transaction.atomic():
        interactions = _customer_interactions(kind, value)
        ids = list(interactions.select_for_update().values_list("pk", flat=True))
        contacts = _contact_pattern(kind, value, ids)
        counts = {
            "comments_removed": 0,
            "extra_answers_cleaned": 0,
            "recovery_surveys": 0,
            "delivery_errors": 0,
            "case_texts_redacted": 0,
            "promoter_notes_redacted": 0,
            "interactions": 0,
        }
        for chunk in _chunks(ids):
            answers = Response.objects.filter(interaction_id__in=chunk)
            counts["comments_removed"] += answers.exclude(why="").update(why="")
            themes_tagging.forget(answers.values_list("pk", flat=True))  # themes go with the text
            counts["extra_answers_cleaned"] += _clean_extra_answers(answers.exclude(extra_answers={}))
            counts["recovery_surveys"] += (
                RecoverySurvey.objects.filter(case__response__interaction_id__in=chunk)
                .filter(~Q(email="") | ~Q(last_error=""))
                .update(email="", last_error="")
            )
            counts["delivery_errors"] += (
                Invitation.objects.filter(interaction_id__in=chunk).exclude(last_error="").update(last_error="")
            )
            counts["case_texts_redacted"] += _redact_case_texts(chunk, contacts)
            counts["promoter_notes_redacted"] += _redact(
                PromoterContact.objects.filter(response__interaction_id__in=chunk), "note", contacts
            )
            counts["interactions"] += (
                Interaction.objects.filter(pk__in=chunk)
                .filter(~Q(customer_email="") | ~Q(customer_phone="") | ~Q(customer_name=""))
                .update(customer_email="", customer_phone="", customer_name="")
            )
        entry = AuditEntry.objects.create(
            kind=AuditEntry.Kind.ERASURE,
            at=timezone.now(),
            requested_by=requested_by,
            via=via,
            identifier_kind=kind,
            identifier_hash=identifier_hash(kind, value),
            counts=counts,
        )
        # The change log names the privacy entry, never the erased identifier.
        audit.record(
            "customer.erased",
            target=entry,
            actor=requested_by,
            request=request,
            details={"via": via, "identifier_kind": kind, "counts": counts},
        )
        return entry


def _chunks(ids: list[int], size: int = BATCH_SIZE) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _clean_extra_answers(answers: QuerySet[Response]) -> int:
    changed = []
    for response in answers.only("pk", "extra_answers"):
        cleaned = without_free_text(response.extra_answers)
        if cleaned != response.extra_answers:
            response.extra_answers = cleaned
            changed.append(response)
    Response.objects.bulk_update(changed, ["extra_answers"], batch_size=BATCH_SIZE)
    return len(changed)


def _contact_pattern(kind: str, value: str, interaction_ids: list[int]) -> re.Pattern | None:
    """The erased identifier and every other email and phone the customer's interactions
    carry: erasing by email must not leave their phone number in a case note."""
    emails, phones = ({value}, set()) if kind == "email" else (set(), {value})
    for email, phone in (
        Interaction.objects.filter(pk__in=interaction_ids).values_list("customer_email", "customer_phone").distinct()
    ):
        emails.add(email)
        phones.add(phone)
    return redaction.contact_pattern(emails=emails, phones=phones)


def _redact(rows: QuerySet, field: str, contacts: re.Pattern | None) -> int:
    """Replace the customer's contacts in a text field; the number of rows changed. Only the
    rows of one customer's interactions are read, so matching happens in Python."""
    changed = []
    for row in rows.exclude(**{field: ""}).only("pk", field):
        text = redaction.scrub(getattr(row, field), contacts, ERASED)
        if text != getattr(row, field):
            setattr(row, field, text)
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, [field], batch_size=BATCH_SIZE)
    return len(changed)


def _redact_case_texts(interaction_ids: list[int], contacts: re.Pattern | None) -> int:
    events = CaseEvent.objects.filter(case__response__interaction_id__in=interaction_ids)
    cases = FollowUpCase.objects.filter(response__interaction_id__in=interaction_ids)
    return _redact(events, "text", contacts) + _redact(cases, "outcome", contacts)


# --- Retention ------------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_cutoff(months: int, *, now: datetime | None = None) -> datetime:
    """Local midnight `months` months before today: older interactions are anonymised."""
    today = timezone.localdate(now or timezone.now())
    return datetime.combine(months_before(today, months), time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def anonymise_older_than(
    months: int,
    *,
    now: datetime | None = None,
    requested_by: AbstractBaseUser | None = None,
    via: str = AuditEntry.Via.SCHEDULE,
    batch_size: int = BATCH_SIZE,
) -> AuditEntry | None:
    """Clear why-text and contact data of interactions that happened before the cutoff, in
    batches of set-based UPDATEs (each its own short transaction, so a long first run never
    holds locks for long and an interrupted one keeps its progress). None when months is 0."""
    if months <= 0:
        return None
    cutoff = retention_cutoff(months, now=now)
    old_answers = Response.objects.filter(occurred_at__lt=cutoff)
    old_interactions = Interaction.objects.filter(occurred_at__lt=cutoff)
    counts = {
        "comments_removed": _in_batches(old_answers.exclude(why=""), {"why": ""}, batch_size),
        "extra_answers_cleaned": _clean_old_extra_answers(old_answers, cutoff, batch_size),
        "interactions": _in_batches(
            old_interactions.filter(~Q(customer_email="") | ~Q(customer_phone="") | ~Q(customer_name="")),
            {"customer_email": "", "customer_phone": "", "customer_name": ""},
            batch_size,
        ),
        "delivery_errors": _in_batches(
            Invitation.objects.filter(interaction__occurred_at__lt=cutoff).exclude(last_error=""),
            {"last_error": ""},
            batch_size,
        ),
        "recovery_surveys": _in_batches(
            RecoverySurvey.objects.filter(case__response__occurred_at__lt=cutoff).filter(
                ~Q(email="") | ~Q(last_error="")
            ),
            {"email": "", "last_error": ""},
            batch_size,
        ),
        "case_texts_redacted": _redact_emails(
            CaseEvent.objects.filter(
                kind=CaseEvent.Kind.RECOVERY_SENT, case__response__occurred_at__lt=cutoff, text__contains="@"
            )
        ),
    }
    themes_tagging.forget_erased()  # the themes of the cleared why-texts go with them
    with transaction.atomic():
        entry = AuditEntry.objects.create(
            kind=AuditEntry.Kind.RETENTION,
            at=timezone.now(),
            requested_by=requested_by,
            via=via,
            cutoff=cutoff,
            months=months,
            counts=counts,
        )
        audit.record(
            "retention.applied",
            target=entry,
            actor=requested_by,
            details={"via": via, "months": months, "cutoff": cutoff.isoformat(), "counts": counts},
        )
    return entry


def _in_batches(rows: QuerySet, values: dict, batch_size: int) -> int:
    """UPDATE rows in batches of primary keys until none is left; rows changed."""
    changed = 0
    while ids := list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        changed += rows.model.objects.filter(pk__in=ids).update(**values)
    return changed


def _clean_old_extra_answers(old_answers: QuerySet[Response], cutoff: datetime, batch_size: int) -> int:
    """Free text in extra answers is found in Python (portable across databases), so only
    answers since the previous run's cutoff, less an overlap, are read again."""
    previous = (
        AuditEntry.objects.filter(kind=AuditEntry.Kind.RETENTION, cutoff__isnull=False)
        .order_by("-at")
        .values_list("cutoff", flat=True)
        .first()
    )
    rows = old_answers.exclude(extra_answers={})
    if previous is not None:
        rows = rows.filter(occurred_at__gte=previous - timedelta(days=RETENTION_OVERLAP_DAYS))
    changed, last_pk = 0, 0
    while batch := list(rows.filter(pk__gt=last_pk).order_by("pk").only("pk", "extra_answers")[:batch_size]):
        last_pk = batch[-1].pk
        dirty = []
        for response in batch:
            cleaned = without_free_text(response.extra_answers)
            if cleaned != response.extra_answers:
                response.extra_answers = cleaned
                dirty.append(response)
        Response.objects.bulk_update(dirty, ["extra_answers"])
        changed += len(dirty)
    return changed


def _redact_emails(events: QuerySet[CaseEvent]) -> int:
    changed = []
    for event in events.only("pk", "text"):
        text = EMAIL_RE.sub(ERASED, event.text)
        if text != event.text:
            event.text = text
            changed.append(event)
    CaseEvent.objects.bulk_update(changed, ["text"], batch_size=BATCH_SIZE)
    return len(changed)
