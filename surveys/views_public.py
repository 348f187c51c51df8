"""The customer's survey page: /s/<token>/ and its thank-you page. No login, no JavaScript.

Every customer makes these three requests, so they are kept lean: one SELECT to find the
link (surveys.links), the answer in one short transaction (services.submit_response), and
pages without a form error rendered once per process and survey version (`_page_html`),
with the agent's name put in afterwards: one rendering serves every agent.
The form needs no CSRF cookie: the unguessable token in the link is what authorises an
answer, and a post another site's page makes a browser send is refused by its Origin.
"""

import logging
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from nps_project.db_unavailable import DATABASE_ERRORS, RETRY_AFTER_SECONDS, retry_once
from surveys import links, services, throttle, tokens
from surveys.forms import SCALE_ENDS, ResponseForm
from surveys.links import SurveyLink
from surveys.models import SCALE_BOUNDS, TEXT_ANSWER_MAX_LENGTH, WHY_MAX_LENGTH, Survey
from surveys.public_input import cross_site, form_data, page_messages
from surveys.validators import HEX_COLOUR, MIN_CONTRAST, WHITE, contrast_ratio, darker
from surveys.wording import extra_questions_for, supported_language, wording_for

CLOSED_STATUS = {"answered": 409, "expired": 410, "closed": 410, "not_found": 404, "too_many": 429, "unavailable": 503}
# Pages without a form error are the same for every customer of one survey version,
# language and branding but for the agent's first name: rendered once per process
# (immutable inputs, so never stale) with AGENT_SLOT where the name goes, which is then
# replaced by the escaped name. Keyed by agent, 200 agents x 4 processes meant nearly
# every page was rendered afresh (5 ms of CPU a page, the largest part of a request).
PAGE_CACHE_SIZE = 2000
_page_cache: dict[tuple, str] = {}
AGENT_SLOT = "agent-name-slot-1b7f3c"  # nothing HTML escaping changes; in no wording
# What a customer was shown, kept in the cache (Redis) for a day, so that an answer posted
# while the database is unreachable gets its form back filled in, in the right language.
SHOWN_KEY = "survey-shown:{}"
VERSION_KEY = "survey-version-content:{}"
SHOWN_SECONDS = 86400
_versions_stored: set[int] = set()
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Branding:
    """How the page looks for one survey: the name, logo and colour the customer knows."""

    name: str
    logo_url: str = ""
    accent_colour: str = ""
    privacy_url: str = ""

    @classmethod
    def of_link(cls, link: SurveyLink) -> "Branding":
        return cls(
            name=link.brand_name,
            logo_url=link.logo_url,
            accent_colour=link.accent_colour,
            privacy_url=link.privacy_url,
        )

    @classmethod
    def of(cls, survey: Survey | None) -> "Branding":
        if survey is None:
            return cls(name=settings.COMPANY_NAME)
        return cls(
            name=survey.brand_name,
            logo_url=survey.logo_url,
            accent_colour=survey.accent_colour,
            privacy_url=survey.privacy_url,
        )

    @property
    def theme_query(self) -> str:
        return self.accent_colour.lstrip("#").lower() if self.accent_colour else ""


def survey_csp(branding: Branding, *, frame_ancestors: str = "'none'") -> str:
    """Stricter than the site-wide policy (which lets Plotly's inline styles through): these
    pages use no inline script and no inline style at all. A logo on another https host is
    the only outside resource allowed."""
    images = "'self' data:"
    if branding.logo_url.startswith("https://"):
        parts = urlsplit(branding.logo_url)
        images += f" https://{parts.netloc}"
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; object-src 'none'; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}"
    )


# The policy of a page without an outside logo (the recovery re-survey uses it too).
SURVEY_CSP = survey_csp(Branding(name=""))


def _language(request: HttpRequest, link: SurveyLink | None, content: dict | None = None) -> str:
    """The invitation's language; else the browser's first language the page can speak (the
    built-in ones and the survey's own); else the survey's default language."""
    if link is not None and link.language:
        return link.language
    if content is None:  # no survey to read (an unknown link): LocaleMiddleware's choice
        return translation.get_language() or settings.LANGUAGE_CODE
    known = list(content.get("wording", {}))
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        language = supported_language(code, also=known)
        if language:
            return language
    return content.get("default_language") or settings.LANGUAGE_CODE


def _headers(response: HttpResponse, *, language: str, branding: Branding, frame_ancestors: str) -> HttpResponse:
    response.headers["Content-Language"] = language
    response.headers["Content-Security-Policy"] = survey_csp(branding, frame_ancestors=frame_ancestors)
    return response


def render_survey(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    language: str,
    branding: Branding,
    status: int = 200,
    frame_ancestors: str = "'none'",
) -> HttpResponse:
    with translation.override(language):
        response = render(
            request,
            template,
            {**context, "lang": language, "company": branding.name, "branding": branding},
            status=status,
        )
    return _headers(response, language=language, branding=branding, frame_ancestors=frame_ancestors)


def page_context(*, form: ResponseForm, content: dict, language: str, agent: str, company: str) -> dict:
    """What survey/page.html needs to show one survey version's questions."""
    return {
        "form": form,
        "wording": wording_for(content, language=language, agent_first_name=agent, company=company),
        "agent": agent,
        "scale": range(11),
        "why_max": WHY_MAX_LENGTH,
        "text_max": TEXT_ANSWER_MAX_LENGTH,
        "extras": [
            {
                "question": question,
                "field": field,
                "scale": range(SCALE_BOUNDS[question.kind][0], SCALE_BOUNDS[question.kind][1] + 1)
                if question.kind in SCALE_BOUNDS
                else None,
                "ends": SCALE_ENDS.get(question.kind),
            }
            for question, field in form.extra_fields()
        ],
    }


def response_form(data, *, content: dict, language: str, agent: str, company: str) -> ResponseForm:
    questions = extra_questions_for(content, language=language, agent_first_name=agent, company=company)
    return ResponseForm(data, questions=questions)


@dataclass(frozen=True)
class Shown:
    """What one customer is shown: the version's content, in one language, for one agent."""

    link: SurveyLink
    version_id: int
    content: dict
    language: str
    branding: Branding

    @property
    def agent(self) -> str:
        return self.link.agent_first_name

    def form(self, data=None) -> ResponseForm:
        with translation.override(self.language):
            return response_form(
                data, content=self.content, language=self.language, agent=self.agent, company=self.branding.name
            )


def _shown(request: HttpRequest, link: SurveyLink) -> Shown:
    if link.survey_version_id is not None:
        version_id, content = link.survey_version_id, link.content
    else:  # an old invitation without a pinned version: pinned now to the current one
        version = services.version_of(services.Invitation.objects.select_related("interaction__survey").get(pk=link.pk))
        version_id, content = version.pk, version.content
    return Shown(link, version_id, content, _language(request, link, content), Branding.of_link(link))


def _remember(shown: Shown) -> None:
    try:
        cache.set(
            SHOWN_KEY.format(shown.link.token_hash),
            (replace(shown.link, content=None), shown.version_id),
            SHOWN_SECONDS,
        )
        if shown.version_id not in _versions_stored:  # versions never change: stored once
            cache.set(VERSION_KEY.format(shown.version_id), shown.content, None)
            _versions_stored.add(shown.version_id)
    except Exception:
        logger.warning("Cache unavailable; this page cannot be re-shown during a database outage", exc_info=True)


def _remembered(request: HttpRequest, token: str) -> Shown | None:
    """What this link showed, from the cache, when the database cannot say."""
    try:
        stored = cache.get(SHOWN_KEY.format(tokens.hash_token(token)))
        if stored is None:
            return None
        link, version_id = stored
        content = cache.get(VERSION_KEY.format(version_id))
    except Exception:
        return None
    if content is None:
        return None
    link = replace(link, content=content)
    return Shown(link, version_id, content, _language(request, link, content), Branding.of_link(link))


def _page_html(key: tuple, template: str, context: dict, *, language: str, branding: Branding) -> str:
    html = _page_cache.get(key)
    if html is None:
        with translation.override(language):
            html = render_to_string(
                template, {**context, "lang": language, "company": branding.name, "branding": branding}
            )
        if len(_page_cache) >= PAGE_CACHE_SIZE:
            _page_cache.clear()
        _page_cache[key] = html
    return html


def _with_agent(html: str, agent: str) -> str:
    """A page rendered for AGENT_SLOT, for this agent (escaped as the template would)."""
    return html.replace(AGENT_SLOT, escape(agent))


def _plain_form_page(shown: Shown) -> str:
    """The questions without a form error, for this customer's agent."""
    key = ("page", shown.version_id, shown.language, shown.branding)
    html = _page_cache.get(key)
    if html is None:
        slot = replace(shown, link=replace(shown.link, agent_first_name=AGENT_SLOT))
        context = page_context(
            form=slot.form(),
            content=shown.content,
            language=shown.language,
            agent=AGENT_SLOT,
            company=shown.branding.name,
        )
        html = _page_html(key, "survey/page.html", context, language=shown.language, branding=shown.branding)
    return _with_agent(html, shown.agent)


def _form_page(
    request: HttpRequest, shown: Shown, form: ResponseForm | None = None, *, status: int = 200, message: str = ""
) -> HttpResponse:
    """The questions; a bound form shows what the customer typed and its errors."""
    if form is None and not message:
        response = HttpResponse(_plain_form_page(shown), status=status)
    else:
        context = page_context(
            form=form or shown.form(),
            content=shown.content,
            language=shown.language,
            agent=shown.agent,
            company=shown.branding.name,
        )
        context["page_error"] = message
        response = render_survey(
            request, "survey/page.html", context, language=shown.language, branding=shown.branding, status=status
        )
    return _headers(response, language=shown.language, branding=shown.branding, frame_ancestors="'none'")


def _unavailable(request: HttpRequest, shown: Shown, form: ResponseForm) -> HttpResponse:
    """503: the form again, filled in with what the customer typed, to send in a minute."""
    response = _form_page(request, shown, form, status=503, message=page_messages()["unavailable"])
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _closed(request: HttpRequest, reason: str, *, language: str, link: SurveyLink | None = None) -> HttpResponse:
    context = {"reason": reason, "agent": link.agent_first_name if link else ""}
    branding = Branding.of_link(link) if link else Branding.of(None)
    response = render_survey(
        request, "survey/closed.html", context, language=language, branding=branding, status=CLOSED_STATUS[reason]
    )
    if reason == "unavailable":
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    response = _closed(request, "too_many", language=_language(request, None))
    response["Retry-After"] = str(wait)
    return response


def _find(request: HttpRequest, token: str) -> SurveyLink | HttpResponse:
    """The link, or the page to answer instead: throttled, unknown, or database down."""
    wait = throttle.retry_after(request)
    if wait is not None:
        return _too_many(request, wait)
    try:
        link = retry_once(lambda: links.find(token))
    except DATABASE_ERRORS:
        shown = _remembered(request, token) if request.method == "POST" else None
        if shown is not None:  # the customer's answers come back, to send again later
            return _unavailable(request, shown, shown.form(request.POST))
        return _closed(request, "unavailable", language=_language(request, None))
    if link is None:
        throttle.record_miss(request)
        return _closed(request, "not_found", language=_language(request, None))
    return link


def _closed_link(request: HttpRequest, link: SurveyLink, reason: str) -> HttpResponse:
    if reason == "expired" and link.status != "expired":
        links.mark_expired(link)
    return _closed(request, reason, language=_language(request, link, link.content), link=link)


@never_cache
@csrf_exempt  # the link's token authorises the answer; cross_site() refuses forged posts
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    found = _find(request, token)
    if isinstance(found, HttpResponse):
        return found
    link = found
    reason = link.closed_reason()
    if reason:
        return _closed_link(request, link, reason)
    shown = _shown(request, link)
    if request.method == "GET":
        links.mark_opened(link)
        _remember(shown)
        return _form_page(request, shown)
    return _answer(request, shown, token)


def _answer(request: HttpRequest, shown: Shown, token: str) -> HttpResponse:
    messages = page_messages()
    if cross_site(request):
        return _form_page(request, shown, status=403, message=messages["cross_site"])
    try:
        data = form_data(request)
    except RequestDataTooBig:
        return _form_page(request, shown, status=400, message=messages["too_big"])
    except UnicodeDecodeError:
        return _form_page(request, shown, status=400, message=messages["not_utf8"])
    form = shown.form(data)
    with translation.override(shown.language):
        valid = form.is_valid()
    if not valid:
        return _form_page(request, shown, form, status=400)
    lost_connection = False

    def store():
        nonlocal lost_connection
        try:
            return services.submit_response(
                invitation=shown.link,
                company_score=form.cleaned_data["company_score"],
                agent_score=form.cleaned_data["agent_score"],
                why=form.cleaned_data["why"],
                extra_answers=form.extra_answers(),
                language=shown.language,
                survey_version_id=shown.version_id,
            )
        except DATABASE_ERRORS:
            lost_connection = True
            raise

    try:
        retry_once(store)
    except DATABASE_ERRORS:
        return _unavailable(request, shown, form)
    except services.SurveyClosed as closed:
        # The first try committed and only its reply was lost: the answer is the customer's.
        if not (closed.reason == "answered" and lost_connection):
            return _closed(request, closed.reason, language=shown.language, link=shown.link)
    return HttpResponseRedirect(reverse("survey-thanks", args=[token]))


@never_cache
@require_http_methods(["GET"])
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    found = _find(request, token)
    if isinstance(found, HttpResponse):
        return found
    link = found
    if link.status != "answered":
        return HttpResponseRedirect(reverse("survey-page", args=[token]))
    language = _language(request, link, link.content)
    branding = Branding.of_link(link)
    html = _page_html(
        ("thanks", language, branding),
        "survey/thanks.html",
        {"agent": AGENT_SLOT},
        language=language,
        branding=branding,
    )
    html = _with_agent(html, link.agent_first_name)
    return _headers(HttpResponse(html), language=language, branding=branding, frame_ancestors="'none'")


@require_GET
def theme_css(request: HttpRequest) -> HttpResponse:
    """A survey's accent colour as a stylesheet (the page allows no inline style).

    Everything in it comes from the query string, so it is cached for good."""
    colour = "#" + request.GET.get("accent", "")
    if not HEX_COLOUR.match(colour) or contrast_ratio(colour, WHITE) < MIN_CONTRAST:
        raise Http404("No such theme")
    colour = colour.lower()
    css = f":root {{ --accent: {colour}; --accent-dark: {darker(colour)}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
