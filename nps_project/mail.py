"""Sending one templated email (text with an HTML alternative), shared by case alerts,
recovery re-surveys and weekly digests: a failure is one exception with a readable reason,
for the caller to count on its queue row."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class MailFailed(Exception):
    """The email could not be handed to the mail server; the message says why."""


def send_email(*, to: list[str], subject: str, template: str, context: dict, headers: dict | None = None) -> None:
    """Send emails/<template>.txt with its .html alternative; raise MailFailed on failure."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise MailFailed(f"Email server error: {exc}") from exc
    except Exception as exc:  # an unforeseen backend error: record it, never loop on it silently
        logger.exception("Unexpected error sending %s to %s", template, to)
        raise MailFailed(f"Unexpected error: {exc!r}") from exc
