"""What a signed-in page leaves behind: `Cache-Control: private, no-store`; what the logs
keep: one line per 403 or 404 without a traceback, survey tokens masked in every line, and
with LOG_FORMAT=json one JSON line per request with its id, user, status and duration."""

import io
import json
import logging

import pytest

from nps_project.log import JsonFormatter, mask_survey_tokens
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"  # the shape of a real one (43 characters)


@pytest.fixture
def console(settings):
    """What the configured console handler writes (its filters and formatter as in production)."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def json_console(console, settings):
    settings.LOG_FORMAT = "json"
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    previous = handler.formatter
    handler.setFormatter(JsonFormatter())
    yield console
    handler.setFormatter(previous)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


@pytest.fixture
def admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


# --- Cache-Control ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/dashboard/", "/dashboard/comments/", "/dashboard/comments/?format=csv", "/manage/surveys/"]
)
def test_signed_in_pages_and_csv_are_private_and_not_stored(admin, url):
    reply = admin.get(url)

    assert reply.status_code == 200
    directives = {d.strip() for d in reply["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_api_answers_to_a_token_are_private_and_not_stored(api):
    reply = api.get("/api/v1/nps/")

    assert reply.status_code == 200
    assert {"private", "no-store"} <= {d.strip() for d in reply["Cache-Control"].split(",")}


def test_the_public_survey_page_keeps_its_own_cache_headers(admin):
    invitation = InvitationFactory()
    reply = admin.get(f"/s/{invitation.token}/")

    assert reply.status_code == 200
    assert "no-store" in reply["Cache-Control"]  # never_cache of the survey page itself


def test_anonymous_pages_are_left_alone(client):
    reply = client.get("/healthz")
    assert "private" not in reply.get("Cache-Control", "") or "no-cache" in reply["Cache-Control"]


# --- 403 and 404: one line, no traceback ---------------------------------------------------------


def test_a_403_is_logged_as_one_line_without_a_traceback(client, console):
    client.force_login(UserFactory())  # signed in, but no role: no dashboard access

    assert client.get("/dashboard/").status_code == 403

    lines = [line for line in console.getvalue().splitlines() if line.strip()]
    forbidden = [line for line in lines if "Forbidden" in line]
    assert forbidden == ["Forbidden (Permission denied): /dashboard/"]
    assert "Traceback" not in console.getvalue()


def test_a_404_is_logged_as_one_line_with_the_token_masked(client, console):
    assert client.get(f"/s/{TOKEN}/").status_code == 404

    output = console.getvalue()
    assert "Not Found: /s/***/" in output
    assert TOKEN not in output
    assert "Traceback" not in output


def test_server_errors_keep_their_traceback(console):
    logging.getLogger("django.request").error(
        "Internal Server Error: %s", f"/s/{TOKEN}/", exc_info=ZeroDivisionError("x"), extra={"status_code": 500}
    )
    output = console.getvalue()
    assert "ZeroDivisionError" in output
    assert TOKEN not in output


# --- Survey tokens masked ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"GET /s/{TOKEN}/ 200", "GET /s/***/ 200"),
        (f"POST /s/{TOKEN}/thanks/", "POST /s/***/thanks/"),
        (f"https://nps.example.com/r/{TOKEN}/", "https://nps.example.com/r/***/"),
        ("GET /s/theme.css?c=ff0000", "GET /s/theme.css?c=ff0000"),
        ("GET /dashboard/agents/12/", "GET /dashboard/agents/12/"),
    ],
)
def test_tokens_are_masked_in_paths_and_links(text, masked):
    assert mask_survey_tokens(text) == masked


def test_a_token_in_any_log_line_is_masked(console):
    logging.getLogger("surveys.anything").warning("Resent %s to %s", f"https://x.example/s/{TOKEN}/", "a customer")

    assert console.getvalue().strip() == "Resent https://x.example/s/***/ to a customer"


# --- One JSON line per request ---------------------------------------------------------------------


def test_each_request_logs_one_json_line_with_id_user_status_and_duration(admin, json_console):
    reply = admin.get("/dashboard/", HTTP_X_REQUEST_ID="lb-1234")

    assert reply["X-Request-ID"] == "lb-1234"
    (line,) = [entry for entry in json_lines(json_console) if entry["logger"] == "nps_project.requests"]
    assert line["request_id"] == "lb-1234"
    assert line["method"] == "GET"
    assert line["path"] == "/dashboard/"
    assert line["status"] == 200
    assert isinstance(line["user_id"], int)
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"


def test_the_request_line_masks_the_survey_token_and_has_no_user(client, json_console):
    invitation = InvitationFactory()
    reply = client.get(f"/s/{invitation.token}/")

    assert len(reply["X-Request-ID"]) == 32  # generated when the proxy sent none
    (line,) = [entry for entry in json_lines(json_console) if entry["logger"] == "nps_project.requests"]
    assert line["path"] == "/s/***/"
    assert "user_id" not in line
    assert invitation.token not in json_console.getvalue()


def test_an_api_request_names_its_token(api, json_console):
    api.get("/api/v1/nps/")
    (line,) = [entry for entry in json_lines(json_console) if entry["logger"] == "nps_project.requests"]
    assert isinstance(line["api_token_id"], int)


def test_a_forged_request_id_is_replaced(client, json_console):
    reply = client.get("/healthz", HTTP_X_REQUEST_ID='bad id"\n{"level": "ERROR"}')

    assert reply["X-Request-ID"] != 'bad id"\n{"level": "ERROR"}'
    assert all(entry["level"] == "INFO" for entry in json_lines(json_console))


def test_lines_logged_during_a_request_carry_its_id(settings, json_console, client):
    """A 404 logged by Django during the request has the same id as the request line."""
    client.get(f"/s/{TOKEN}/", HTTP_X_REQUEST_ID="trace-77")
    ids = {entry.get("request_id") for entry in json_lines(json_console)}
    assert ids == {"trace-77"}


def test_healthz_is_logged_without_touching_the_database(json_console, client):
    # No `db` use here beyond the module mark: a lazy user would query the session table.
    client.cookies["sessionid"] = "abc"
    assert client.get("/healthz").status_code == 200
    (line,) = json_lines(json_console)
    assert line["path"] == "/healthz"


def test_the_console_sms_backend_masks_links_outside_debug(settings, capsys):
    from surveys.delivery.sms import ConsoleSmsBackend

    settings.DEBUG = False
    ConsoleSmsBackend().send(to="+6281234", body=f"Acme: how did Budi do? https://nps.example.com/s/{TOKEN}/")
    assert capsys.readouterr().out == "SMS to +6281234: Acme: how did Budi do? https://nps.example.com/s/***/\n"

    settings.DEBUG = True  # `make run`: the developer needs the link to click
    ConsoleSmsBackend().send(to="+6281234", body=f"https://nps.example.com/s/{TOKEN}/")
    assert TOKEN in capsys.readouterr().out
