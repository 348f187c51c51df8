"""Send one invitation by its method and record the outcome on the invitation.

The invitation row is the source of truth: every attempt is counted in `attempts`, the
last failure is kept in `last_error`, and `send_after` holds the time of the next try, so
the periodic sweep can resume a delivery whose queued task was lost.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from surveys.delivery.sms import SmsError, get_sms_backend
from surveys.models import DeliveryMethod, Invitation, SurveyVersion
from surveys.services import survey_url

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
# A task may arrive a moment before send_after (the enqueue rounds short delays to "now").
EARLY_TOLERANCE = timedelta(seconds=5)


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class RetryLater(Exception):
    """A transient failure, recorded on the invitation; try again in `retry_in` seconds."""

    def __init__(self, message: str, *, retry_in: float):
        super().__init__(message)
        self.retry_in = retry_in


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed try: 30, 60, 120, … capped at an hour."""
    return float(min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def max_attempts() -> int:
    """The first try plus DELIVERY_MAX_RETRIES retries."""
    return settings.DELIVERY_MAX_RETRIES + 1


def deliver_invitation(invitation_id: int) -> str:
    """Try to send a pending invitation once and return the outcome.

    Raises RetryLater (after recording the failure) when another try may help; after the
    last allowed try, or on a failure no retry can fix, the invitation is marked failed.
    The row stays locked while sending, so two tasks for one invitation never both send.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("interaction__agent", "interaction__survey")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None:
            return "missing"
        if invitation.status != Invitation.Status.PENDING:
            return f"skipped ({invitation.status})"
        now = timezone.now()
        if invitation.expires_at and invitation.expires_at <= now:
            invitation.status = Invitation.Status.EXPIRED
            invitation.save(update_fields=["status"])
            return "expired"
        if invitation.attempts == 0 and invitation.send_after and invitation.send_after > now + EARLY_TOLERANCE:
            return "not due"  # delivered by its delayed task or, failing that, by the sweep
        try:
            _send(invitation)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a bug or an unforeseen backend error: count it, do not loop forever
            logger.exception("Unexpected error delivering invitation %s", invitation_id)
            error = DeliveryError(f"Unexpected error: {exc!r}")
        else:
            invitation.status = Invitation.Status.SENT
            invitation.sent_at = now
            invitation.attempts += 1
            invitation.last_error = ""
            invitation.save(update_fields=["status", "sent_at", "attempts", "last_error"])
            return "sent"
        invitation.attempts += 1
        invitation.last_error = str(error)[:2000]
        gives_up = not error.retryable or invitation.attempts >= max_attempts()
        retry_in = retry_delay(invitation.attempts)
        if gives_up:
            invitation.status = Invitation.Status.FAILED
        else:
            invitation.send_after = now + timedelta(seconds=retry_in)
        invitation.save(update_fields=["attempts", "last_error", "status", "send_after"])
    if gives_up:
        logger.warning("Invitation %s not delivered after %s attempt(s): %s", invitation_id, invitation.attempts, error)
        return "failed"
    raise RetryLater(str(error), retry_in=retry_in)


def _language(invitation: Invitation) -> str:
    return invitation.language or invitation.interaction.survey.default_language or settings.LANGUAGE_CODE


def _version_content(invitation: Invitation) -> dict:
    if invitation.survey_version_id is None:
        return {}
    return SurveyVersion.objects.filter(pk=invitation.survey_version_id).values_list("content", flat=True).first() or {}


def _send(invitation: Invitation, *, reminder: bool = False) -> None:
    interaction = invitation.interaction
    language = _language(invitation)
    context = {
        "url": survey_url(invitation),
        "agent": interaction.agent.first_name,
        "company": interaction.survey.brand_name,
        "customer_name": interaction.customer_name,
        "expires_at": invitation.expires_at,
        "LANGUAGE_CODE": language,
        # More than the two NPS questions: the message must not promise "two quick questions".
        "more_questions": bool(_version_content(invitation).get("questions")),
    }
    with translation.override(language):
        if invitation.method == DeliveryMethod.EMAIL:
            _send_email(invitation, context, reminder=reminder)
        elif invitation.method == DeliveryMethod.SMS:
            _send_sms(invitation, context, reminder=reminder)
        else:
            raise DeliveryError(f"Nothing to send for method {invitation.method!r}", retryable=False)


def _send_email(invitation: Invitation, context: dict, *, reminder: bool = False) -> None:
    to = invitation.interaction.customer_email
    if not to:
        raise DeliveryError("No customer email", retryable=False)
    if reminder:
        subject = _("Reminder: how did %(agent)s do? A minute for %(company)s") % context
        template = "emails/invitation_reminder"
    else:
        subject = (
            _("How did %(agent)s do? A few quick questions from %(company)s")
            if context["more_questions"]
            else _("How did %(agent)s do? Two quick questions from %(company)s")
        ) % context
        template = "emails/invitation"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Content-Language": context["LANGUAGE_CODE"]},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _reply in exc.recipients.values()]
        raise DeliveryError(f"Email refused: {exc}", retryable=_temporary(*codes)) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"Email server answered: {exc}", retryable=_temporary(exc.smtp_code)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"Email server error: {exc}") from exc


def _temporary(*smtp_codes: int) -> bool:
    """SMTP 4xx replies are temporary (try later); 5xx are permanent."""
    return bool(smtp_codes) and all(400 <= code < 500 for code in smtp_codes)


def _send_sms(invitation: Invitation, context: dict, *, reminder: bool = False) -> None:
    to = invitation.interaction.customer_phone
    if not to:
        raise DeliveryError("No customer phone", retryable=False)
    if reminder:
        body = _("%(company)s: a reminder, how did %(agent)s do? Your answers help: %(url)s") % context
    else:
        body = (
            _("%(company)s: how did %(agent)s do? A few quick questions: %(url)s")
            if context["more_questions"]
            else _("%(company)s: how did %(agent)s do? Two quick questions: %(url)s")
        ) % context
    try:
        message_id = get_sms_backend().send(to=to, body=body)
    except SmsError as exc:
        raise DeliveryError(str(exc), retryable=exc.retryable) from exc
    logger.info("Invitation %s sent by SMS, provider message %s", invitation.pk, message_id)


def send_reminder(invitation_id: int) -> str:
    """Remind an unanswered customer once, by the invitation's method; return the outcome.

    The row stays locked while sending and `reminder_sent_at` is set in the same
    transaction, so a reminder is sent at most once however often it is enqueued. A failed
    reminder is counted and tried again by the next sweep, at most REMINDER_MAX_ATTEMPTS times.
    """
    from surveys.services import REMINDER_MAX_ATTEMPTS  # services import this module's package

    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("interaction__agent", "interaction__survey")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None:
            return "missing"
        if invitation.reminder_sent_at is not None:
            return "already reminded"
        if invitation.status not in (Invitation.Status.SENT, Invitation.Status.OPENED):
            return f"skipped ({invitation.status})"
        survey, now = invitation.interaction.survey, timezone.now()
        if not survey.reminder_enabled:
            return "reminders off"
        if invitation.expires_at and invitation.expires_at <= now:
            return "expired"
        if invitation.sent_at is None or invitation.sent_at + timedelta(hours=survey.reminder_after_hours) > now:
            return "not due"
        if invitation.reminder_attempts >= REMINDER_MAX_ATTEMPTS:
            return "gave up"
        try:
            _send(invitation, reminder=True)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a bug or an unforeseen backend error: count it, do not loop forever
            logger.exception("Unexpected error reminding invitation %s", invitation_id)
            error = DeliveryError(f"Unexpected error: {exc!r}")
        else:
            invitation.reminder_sent_at = now
            invitation.reminder_attempts += 1
            invitation.save(update_fields=["reminder_sent_at", "reminder_attempts"])
            return "reminded"
        invitation.reminder_attempts += 1 if error.retryable else REMINDER_MAX_ATTEMPTS
        invitation.last_error = f"Reminder: {error}"[:2000]
        invitation.save(update_fields=["reminder_attempts", "last_error"])
    logger.warning("Reminder for invitation %s not sent: %s", invitation_id, error)
    return "failed"
