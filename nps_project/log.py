"""Logging: survey tokens masked in every line, 4xx without tracebacks, JSON in production.

Used by LOGGING in settings.py (for every record that reaches the console handler) and by
gunicorn.conf.py (gunicorn's own access and error logs). LOG_FORMAT=json writes one JSON
object per line; nps_project/request_log.py adds one such line per request.
"""

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

# A survey (/s/<token>/) or recovery (/r/<token>/) link: the token is a credential, and the
# database keeps only its hash, so no log may keep it either. /s/theme.css is no token.
SURVEY_TOKEN_PATH = re.compile(r"(/[sr]/)[^/\s?#\"']+(?=/)")
MASK = r"\1***"

# The id of the request being served in this thread (set by RequestLogMiddleware).
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")

# Attributes every LogRecord has; anything else on a record was passed as `extra`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_EXTRA_SKIP = {"request", "server_time"}  # objects Django attaches; the line says what matters


def mask_survey_tokens(text: str) -> str:
    """`/s/AbC…xyz/thanks/` → `/s/***/thanks/` (and the same for /r/ links)."""
    return SURVEY_TOKEN_PATH.sub(MASK, text)


class MaskSurveyTokens(logging.Filter):
    """Rewrites the record's message (arguments merged in) with survey tokens masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it as usual
            return True
        masked = mask_survey_tokens(message)
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_survey_tokens(record.exc_text)
        for name in ("path", "referer"):
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, mask_survey_tokens(value))
        return True


class QuietClientErrors(logging.Filter):
    """A 4xx is the client's mistake, not ours: one line, no traceback.

    Django passes the exception along when it logs a PermissionDenied 403 or a
    SuspiciousOperation 400 (django.utils.log.log_response), so each such request
    printed a full traceback. 5xx records keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info, record.exc_text = None, None
        return True


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record logged while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name in _STANDARD or name in _EXTRA_SKIP or name.startswith("_") or value in (None, ""):
                continue
            entry[name] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)
