"""What the survey page checks of a posted answer before reading it: where the post comes
from, that the body fits and is UTF-8, and the messages it answers with otherwise."""

from urllib.parse import unquote_to_bytes, urlsplit

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

FORM_TYPES = ("", "application/x-www-form-urlencoded")


def page_messages() -> dict[str, str]:
    return {
        "cross_site": _(
            "This form was sent from another website, so your answers were not taken. Please answer on this page."
        ),
        "too_big": _("Your answers were too long to send. Please shorten them and send them again."),
        "not_utf8": _("Your answers contained characters we could not read. Please type them again."),
        "unavailable": _(
            "We could not save your answers just now. They are still below: please send them again in a minute."
        ),
    }


def _trusted_hosts(request: HttpRequest) -> set[str]:
    hosts = {request.get_host().lower(), urlsplit(settings.PUBLIC_BASE_URL).netloc.lower()}
    hosts.update(urlsplit(origin).netloc.lower() for origin in settings.CSRF_TRUSTED_ORIGINS)
    return hosts


def cross_site(request: HttpRequest) -> bool:
    """True when a browser says the post comes from a page of another site.

    Browsers send Origin with every form post (Referer when a privacy setting drops it);
    "null" comes from sandboxed or opaque pages and is refused too. A post with neither is
    no browser's cross-site request; the link's token alone authorises it."""
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if not referer:
            return False
        origin = referer
    if origin == "null":
        return True
    return urlsplit(origin).netloc.lower() not in _trusted_hosts(request)


def form_data(request: HttpRequest) -> QueryDict:
    """The posted fields; raises RequestDataTooBig over DATA_UPLOAD_MAX_MEMORY_SIZE and
    UnicodeDecodeError for a body that is not UTF-8 (Django would store U+FFFD or mojibake)."""
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        body = request.body  # raises RequestDataTooBig
        for pair in body.split(b"&"):
            for part in pair.split(b"=", 1):
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    return request.POST
