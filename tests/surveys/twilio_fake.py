"""A local stand-in for Twilio's Messages API, served over real HTTP on 127.0.0.1.

It answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` the way Twilio does:
HTTP Basic auth with AccountSid:AuthToken, a form-encoded To + From (or
MessagingServiceSid) + Body, Twilio's JSON error envelope (`code`, `message`,
`more_info`, `status`) and a 201 with a Message resource whose status is "queued".
`fail_next(n, status=500)` makes the next n requests fail like an outage or rate limit.
"""

import base64
import binascii
import json
import re
import secrets
import threading
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_VERSION = "2010-04-01"
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-f]{32}$")
MAX_BODY = 1600


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    status: int


@dataclass
class TwilioFake:
    account_sid: str = field(default_factory=lambda: new_sid("AC"))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    messages: list[dict] = field(default_factory=list)
    requests: list[ReceivedRequest] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ---------------------------------------------------------------------
    def start(self) -> "TwilioFake":
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, count: int, *, status: int = 500) -> None:
        """Answer the next `count` requests with `status` (500, 503, 429…), then recover."""
        with self._lock:
            self._failures.extend([status] * count)

    # --- the API -----------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict[str, str], raw_body: bytes) -> tuple[int, dict]:
        form = {
            key: values[-1] for key, values in urllib.parse.parse_qs(raw_body.decode(), keep_blank_values=True).items()
        }
        status, body = self._answer(method, path, headers, form)
        with self._lock:
            self.requests.append(ReceivedRequest(method, path, headers, form, status))
        return status, body

    def _answer(self, method: str, path: str, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            injected = self._failures.pop(0) if self._failures else None
        if injected == 429:
            return _error(429, 20429, "Too Many Requests")
        if injected is not None:
            return _error(injected, 20500, "An internal server error has occurred")
        if not self._authenticated(headers.get("authorization", "")):
            return _error(401, 20003, "Authenticate", detail="Your AccountSid or AuthToken was incorrect.")
        match = MESSAGES_PATH.match(path)
        if match is None or match["account"] != self.account_sid:
            return _error(404, 20404, f"The requested resource {path} was not found")
        if method != "POST":
            return _error(405, 20004, "Method not allowed")
        problem = _invalid(form)
        if problem:
            return _error(400, *problem)
        return 201, self._create_message(form)

    def _authenticated(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(password, self.auth_token)

    def _create_message(self, form: dict[str, str]) -> dict:
        sid = new_sid("SM")
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")  # RFC 2822, as Twilio writes it
        body = form["Body"]
        message = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From") or None,
            "messaging_service_sid": form.get("MessagingServiceSid") or None,
            "num_media": "0",
            "num_segments": str(1 if len(body) <= 160 else -(-len(body) // 153)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
            "to": form["To"],
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        with self._lock:
            self.messages.append(message)
        return message


def _invalid(form: dict[str, str]) -> tuple[int, str] | None:
    """Twilio's validation, in its order: (error code, message) or None."""
    to, sender, service = form.get("To", ""), form.get("From", ""), form.get("MessagingServiceSid", "")
    if not to:
        return 21604, "A 'To' phone number is required."
    if not sender and not service:
        return 21603, "A 'From' phone number is required."
    if not form.get("Body"):
        return 21602, "Message body is required."
    if service and not MESSAGING_SERVICE_SID.match(service):
        return 21701, f"The Messaging Service Sid {service} is invalid."
    if sender and not (E164.match(sender) or ALPHANUMERIC_SENDER.match(sender)):
        return 21212, f"The 'From' number {sender} is not a valid phone number, shortcode, or alphanumeric sender ID."
    if not E164.match(to):
        return 21211, f"The 'To' number {to} is not a valid phone number."
    if len(form["Body"]) > MAX_BODY:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    return None


def _error(status: int, code: int, message: str, **extra: str) -> tuple[int, dict]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
        **extra,
    }


class _Handler(BaseHTTPRequestHandler):
    server_version = "TwilioFake/1.0"

    def do_POST(self):
        self._respond()

    def do_GET(self):
        self._respond()

    def _respond(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        status, body = self.server.fake.handle(self.command, urllib.parse.urlsplit(self.path).path, headers, raw_body)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # keep test output quiet
        pass
