"""The recovery re-survey: once a case is resolved, the customer can be asked the company
question again (one 0–10 answer), and the new score is kept next to the old one.

Tokens work like survey links (surveys/tokens.py): HMAC of a stored random nonce, only its
SHA-256 stored, but under a key of their own so a survey link can never open a recovery
page or the other way round.
"""

import base64
import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from followups.models import CaseEvent, FollowUpCase, RecoverySurvey
from followups.services import CaseInvalid
from nps_project.enqueue import enqueue_on_commit
from nps_project.mail import MailFailed, send_email
from surveys import tokens
from surveys.delivery.dispatch import RetryLater, max_attempts, retry_delay
from surveys.wording import supported_language

logger = logging.getLogger(__name__)

LOST_TASK_GRACE = timedelta(minutes=2)


class RecoveryClosed(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "answered" | "expired"


def token_for(nonce: str) -> str:
    key = f"{settings.SURVEY_TOKEN_KEY}:recovery".encode()
    digest = hmac.new(key, bytes.fromhex(nonce), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def recovery_url(recovery: RecoverySurvey) -> str:
    return settings.PUBLIC_BASE_URL + reverse("recovery-page", args=[token_for(recovery.token_nonce)])


def customer_language(case: FollowUpCase) -> str:
    """The language the customer answered in, else the one the platform reported."""
    response = case.response
    return (
        supported_language(response.language)
        or supported_language(response.interaction.language)
        or response.interaction.survey.default_language
        or settings.LANGUAGE_CODE
    )


def send_recovery_survey(case: FollowUpCase, *, by: AbstractBaseUser | None) -> RecoverySurvey:
    """Create the case's recovery survey; email it after commit when the customer has an
    email address (otherwise the case page shows the link to pass on)."""
    now = timezone.now()
    nonce = tokens.new_nonce()
    with transaction.atomic():
        case = (
            FollowUpCase.objects.select_for_update(of=("self",))
            .select_related("response__interaction__survey")
            .get(pk=case.pk)
        )
        if case.status != FollowUpCase.Status.RESOLVED:
            raise CaseInvalid({"send_recovery": "Only a resolved case can send the customer a recovery survey."})
        if RecoverySurvey.objects.filter(case=case).exists():
            raise CaseInvalid({"send_recovery": "This case already sent its recovery survey."})
        interaction = case.response.interaction
        recovery = RecoverySurvey.objects.create(
            case=case,
            token_nonce=nonce,
            token_hash=tokens.hash_token(token_for(nonce)),
            language=customer_language(case),
            email=interaction.customer_email,
            created_at=now,
            created_by=by,
            expires_at=now + timedelta(days=interaction.survey.link_expiry_days),
        )
        how = f"emailed to {recovery.email}" if recovery.email else "no email address: pass the link on"
        CaseEvent.record(case, CaseEvent.Kind.RECOVERY_SENT, actor=by, text=f"Recovery survey ({how}).", at=now)
        if recovery.email:
            from followups.tasks import send_recovery_email  # tasks import this module

            enqueue_on_commit(send_recovery_email, recovery.pk)
    return recovery


def deliver(recovery_id: int) -> str:
    """Email the recovery survey once; RetryLater (after recording the failure) to try again."""
    with transaction.atomic():
        recovery = (
            RecoverySurvey.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("case__response__interaction", "case__response__agent")
            .filter(pk=recovery_id, sent_at__isnull=True, answered_at__isnull=True)
            .exclude(email="")
            .first()
        )
        if recovery is None:
            return "nothing to send"
        now = timezone.now()
        if recovery.expires_at <= now:
            return "expired"
        interaction = recovery.case.response.interaction
        context = {
            "url": recovery_url(recovery),
            "company": settings.COMPANY_NAME,
            "customer_name": interaction.customer_name,
            "expires_at": recovery.expires_at,
            "LANGUAGE_CODE": recovery.language,
        }
        error = ""
        with translation.override(recovery.language):
            try:
                send_email(
                    to=[recovery.email],
                    subject=_("One more question from %(company)s") % context,
                    template="case_recovery",
                    context=context,
                    headers={"Content-Language": recovery.language},
                )
            except MailFailed as exc:
                error = str(exc)
        recovery.attempts += 1
        recovery.last_error = error[:2000]
        recovery.sent_at = None if error else now
        recovery.save(update_fields=["attempts", "last_error", "sent_at"])
    if not error:
        return "sent"
    if recovery.attempts < max_attempts():
        raise RetryLater(error, retry_in=retry_delay(recovery.attempts))
    logger.warning("Recovery survey %s not sent after %s attempts: %s", recovery_id, recovery.attempts, error)
    return "failed"


def unsent_recovery_surveys(*, now: datetime | None = None) -> list[int]:
    """Recovery emails a task lost or gave up on and the customer can still answer."""
    now = now or timezone.now()
    rows = RecoverySurvey.objects.filter(
        Q(attempts=0, created_at__lt=now - LOST_TASK_GRACE) | Q(attempts__gte=max_attempts()),
        sent_at__isnull=True,
        answered_at__isnull=True,
        expires_at__gt=now,
    ).exclude(email="")
    return list(rows.order_by("pk").values_list("pk", flat=True)[:500])


def recovery_for_token(token: str) -> RecoverySurvey | None:
    if not tokens.looks_like_token(token):
        return None
    return RecoverySurvey.objects.select_related("case__response").filter(token_hash=tokens.hash_token(token)).first()


def check_answerable(recovery: RecoverySurvey) -> None:
    if recovery.answered_at is not None:
        raise RecoveryClosed("answered")
    if recovery.expires_at <= timezone.now():
        raise RecoveryClosed("expired")


def answer(recovery: RecoverySurvey, *, score: int) -> RecoverySurvey:
    """Store the customer's new score exactly once."""
    if not 0 <= score <= 10:
        raise ValueError("score must be 0–10")
    with transaction.atomic():
        locked = RecoverySurvey.objects.select_for_update().select_related("case__response").get(pk=recovery.pk)
        check_answerable(locked)
        now = timezone.now()
        locked.score = score
        locked.answered_at = now
        locked.save(update_fields=["score", "answered_at"])
        before = locked.case.response.company_score
        CaseEvent.record(
            locked.case,
            CaseEvent.Kind.RECOVERY_ANSWERED,
            text=f"The customer answered the recovery survey: company question before {before} → after {score}.",
            at=now,
        )
    return locked
