"""SMS backends, chosen by settings.SMS_BACKEND like Django's mail backends.

A backend sends one text message and returns the provider's message id, or raises
SmsError. `retryable` tells the caller whether trying again later may help.
"""

import base64
import json
import logging
import sys
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

from nps_project.log import mask_survey_tokens

logger = logging.getLogger(__name__)


class SmsError(Exception):
    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class BaseSmsBackend:
    def send(self, *, to: str, body: str) -> str:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes the message to standard output (the embedded default). Outside DEBUG that
    output is a production log, so the survey link's token is masked there."""

    def send(self, *, to: str, body: str) -> str:
        if not settings.DEBUG:
            body = mask_survey_tokens(body)
        sys.stdout.write(f"SMS to {to}: {body}\n")
        sys.stdout.flush()
        return "console"


# Messages sent through LocmemSmsBackend, for tests (like django.core.mail.outbox).
outbox: list[dict[str, str]] = []


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, body: str) -> str:
        outbox.append({"to": to, "body": body})
        return f"locmem-{len(outbox)}"


class TwilioSmsBackend(BaseSmsBackend):
    """Twilio's Messages API: POST /2010-04-01/Accounts/{sid}/Messages.json, basic auth."""

    timeout = 10

    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_base: str | None = None,
    ):
        self.account_sid = account_sid or settings.TWILIO_ACCOUNT_SID
        self.auth_token = auth_token or settings.TWILIO_AUTH_TOKEN
        self.from_number = from_number or settings.TWILIO_FROM_NUMBER
        self.messaging_service_sid = messaging_service_sid or settings.TWILIO_MESSAGING_SERVICE_SID
        self.api_base = (api_base or settings.TWILIO_API_BASE).rstrip("/")
        if not self.api_base.startswith(("https://", "http://")):
            raise SmsError("TWILIO_API_BASE must be an http(s) URL", retryable=False)
        if not (self.account_sid and self.auth_token and (self.from_number or self.messaging_service_sid)):
            raise SmsError(
                "Twilio is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID",
                retryable=False,
            )

    def send(self, *, to: str, body: str) -> str:
        url = f"{self.api_base}/2010-04-01/Accounts/{urllib.parse.quote(self.account_sid)}/Messages.json"
        form = {"To": to, "Body": body}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.from_number
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            url,
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # noqa: S310
                payload = json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = _twilio_error(exc)
            # 429 and 5xx are worth retrying; other 4xx (bad number, auth) are not.
            raise SmsError(
                f"Twilio answered {exc.code}: {detail}", retryable=exc.code == 429 or exc.code >= 500
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"Twilio unreachable: {exc}") from exc
        sid = payload.get("sid")
        if not sid:
            raise SmsError(f"Twilio answered without a message sid: {payload!r}")
        return str(sid)


def _twilio_error(exc: "urllib.error.HTTPError") -> str:
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        return exc.reason or "error"
    return f"{body.get('code', '')} {body.get('message', '')}".strip() or str(exc.reason)


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
