"""GET /api/v1/responses/: the customers' answers, filtered and paginated as JSON, or the
whole filtered set as CSV (`?format=csv`, streamed row by row, so any size is fine).

Integrations (an API token) and admins read every department; a signed-in supervisor only
theirs; anyone else is refused. Exports carry no customer contact details (email, phone,
name): they are for analysis, and personal data stays where erasure and retention reach it.
The dashboards' export page (analytics/dashboard/exports.py) uses the same query and rows.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from agents.models import Agent, Department
from agents.roles import viewer_for
from privacy import audit
from surveys.models import ApiToken, Channel, Response
from surveys.query_params import QuerySerializer

CATEGORY_RANGES = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}
QUESTIONS = ("agent", "company")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
CSV_CHUNK = 2000
# Same rule as analytics/csv_export.py (surveys does not import analytics): a text cell a
# spreadsheet would run as a formula gets a leading apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

EXPORT_FIELDS = (
    "id",
    "interaction",
    "source",
    "occurred_at",
    "submitted_at",
    "channel",
    "department",
    "department_name",
    "agent",
    "agent_name",
    "company_score",
    "agent_score",
    "company_category",
    "agent_category",
    "why",
    "extra_answers",
    "language",
    "themes",
)
_VALUES = {
    "id": "pk",
    "interaction": "interaction__external_id",
    "source": "interaction__source",
    "occurred_at": "occurred_at",
    "submitted_at": "submitted_at",
    "channel": "channel",
    "department": "department__code",
    "department_name": "department__name",
    "agent": "agent__external_id",
    "agent_name": "agent__name",
    "company_score": "company_score",
    "agent_score": "agent_score",
    "why": "why",
    "extra_answers": "extra_answers",
    "language": "language",
}


def category(score: int) -> str:
    return next(name for name, (low, high) in CATEGORY_RANGES.items() if low <= score <= high)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def matching_responses(
    *,
    since: date | None = None,
    until: date | None = None,
    department_ids: Iterable[int] | None = None,
    agent: Agent | None = None,
    channel: str = "",
    category: str = "",
    question: str = "agent",
    theme: str = "",
) -> QuerySet[Response]:
    """Answers whose interaction happened in [since, until] (local days), newest first.
    `department_ids` None means every department."""
    qs = Response.objects.all()
    if since:
        qs = qs.filter(occurred_at__gte=_day_start(since))
    if until:
        qs = qs.filter(occurred_at__lt=_day_start(until + timedelta(days=1)))
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    if agent is not None:
        qs = qs.filter(agent=agent)
    if channel:
        qs = qs.filter(channel=channel)
    if category:
        low, high = CATEGORY_RANGES[category]
        qs = qs.filter(**{f"{question}_score__gte": low, f"{question}_score__lte": high})
    if theme:
        qs = qs.filter(found_themes__theme__key=theme)
    return qs.order_by("-occurred_at", "-pk")


def export_rows(responses: QuerySet[Response], *, chunk_size: int = CSV_CHUNK) -> Iterator[dict[str, Any]]:
    """One plain dict per answer (EXPORT_FIELDS), read in chunks: memory stays flat."""
    chunk: list[dict[str, Any]] = []
    for values in responses.values(*_VALUES.values()).iterator(chunk_size=chunk_size):
        chunk.append(values)
        if len(chunk) >= chunk_size:
            yield from _export_chunk(chunk)
            chunk = []
    yield from _export_chunk(chunk)


def _export_chunk(chunk: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    themes = themes_of([values["pk"] for values in chunk])
    for values in chunk:
        row = {field: values[source] for field, source in _VALUES.items()}
        row["occurred_at"] = timezone.localtime(row["occurred_at"]).isoformat()
        row["submitted_at"] = timezone.localtime(row["submitted_at"]).isoformat()
        row["agent_name"] = row["agent_name"] or row["agent"]
        row["company_category"] = category(row["company_score"])
        row["agent_category"] = category(row["agent_score"])
        row["themes"] = themes.get(row["id"], [])
        yield {field: row[field] for field in EXPORT_FIELDS}


def themes_of(response_ids: list[int]) -> dict[int, list[str]]:
    """Theme keys found in these answers' why-texts, strongest first (one query; the rows
    are written by analytics, read here through the reverse relation only)."""
    if not response_ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = (
        Response.objects.filter(pk__in=response_ids, found_themes__theme__active=True)
        .order_by("pk", "-found_themes__evidence", "found_themes__theme__key")
        .values_list("pk", "found_themes__theme__key")
    )
    for pk, key in rows:
        found.setdefault(pk, []).append(key)
    return found


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Line:
    """A file-like object csv.writer writes one line into, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[dict[str, Any]], *, cell=csv_cell) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(EXPORT_FIELDS)  # BOM: Excel then reads UTF-8
    for row in rows:
        yield writer.writerow([cell(row[field]) for field in EXPORT_FIELDS])


def streaming_csv(filename: str, lines: Iterator[str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# --- The API view -------------------------------------------------------------------------------


class ResponseQuerySerializer(QuerySerializer):
    since = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    until = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    department = serializers.SlugField(required=False, help_text="Department code.")
    agent = serializers.CharField(required=False, max_length=200, help_text="Agent external id.")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    category = serializers.ChoiceField(choices=list(CATEGORY_RANGES), required=False)
    theme = serializers.SlugField(
        required=False, max_length=40, help_text="Only answers whose why-text has this theme (a key)."
    )
    question = serializers.ChoiceField(
        choices=QUESTIONS, required=False, default="agent", help_text="The question `category` applies to."
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )
    format = serializers.ChoiceField(
        choices=["json", "csv"], required=False, help_text="csv: every match, streamed (or `Accept: text/csv`)."
    )

    def validate_department(self, code: str) -> Department:
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise serializers.ValidationError(f"Unknown department {code!r}.")
        return department

    def validate_agent(self, external_id: str) -> Agent:
        agent = Agent.objects.filter(external_id=external_id).first()
        if agent is None:
            raise serializers.ValidationError(f"Unknown agent {external_id!r}.")
        return agent

    def validate(self, attrs: dict) -> dict:
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"since": ["since must be on or before until."]})
        return attrs


class ResponseOutSerializer(serializers.Serializer):
    """What each answer looks like (documentation of the contract)."""

    id = serializers.IntegerField()
    interaction = serializers.CharField(help_text="The interaction's external_id.")
    source = serializers.CharField()
    occurred_at = serializers.DateTimeField(help_text="When the rated interaction happened (it counts that day).")
    submitted_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    department = serializers.CharField(help_text="Department code at the time of the interaction.")
    department_name = serializers.CharField()
    agent = serializers.CharField(help_text="Agent external id.")
    agent_name = serializers.CharField()
    company_score = serializers.IntegerField(min_value=0, max_value=10)
    agent_score = serializers.IntegerField(min_value=0, max_value=10)
    company_category = serializers.CharField(help_text="promoter (9–10), passive (7–8) or detractor (0–6).")
    agent_category = serializers.CharField(help_text="promoter (9–10), passive (7–8) or detractor (0–6).")
    why = serializers.CharField(allow_blank=True)
    extra_answers = serializers.DictField()
    language = serializers.CharField()
    themes = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the themes found in the why-text (see /api/v1/themes/)."
    )


class ResponsePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ResponseOutSerializer(many=True)


class CsvRenderer(renderers.BaseRenderer):
    """Selects CSV for `?format=csv` or `Accept: text/csv`; the view streams the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return json.dumps(data).encode()  # only reached for errors, which the view sends as JSON


def department_scope(request: Request, department: Department | None) -> frozenset[int] | None:
    """None (every department) for integrations and admins; a supervisor's departments;
    refused for anyone else or for a department outside the supervisor's scope."""
    if isinstance(request.auth, ApiToken):
        return None
    viewer = viewer_for(request.user)
    if viewer.is_admin:
        return None
    if not viewer.sees_dashboards:
        raise exceptions.PermissionDenied("Reading answers needs an API token or a supervisor's account.")
    if department is not None and not viewer.can_see_department(department):
        raise exceptions.PermissionDenied("That department is outside your scope.")
    return viewer.department_ids


class ResponseListView(APIView):
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CsvRenderer]

    @extend_schema(
        parameters=[ResponseQuerySerializer],
        responses={
            (200, "application/json"): ResponsePageSerializer,
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="Every matching answer as CSV (with ?format=csv)."
            ),
            400: OpenApiResponse(description="Field-level messages about the query parameters."),
            401: OpenApiResponse(description="Missing or invalid token."),
            403: OpenApiResponse(description="Neither a token nor an account that may read answers."),
            404: OpenApiResponse(description="A page past the last one."),
        },
        summary="List answers (filter, paginate) or download them as CSV",
    )
    def get(self, request: Request):
        params = ResponseQuerySerializer(data=request.query_params)
        if not params.is_valid():
            return ApiResponse(params.errors, status=status.HTTP_400_BAD_REQUEST)
        data = params.validated_data
        responses = matching_responses(
            since=data.get("since"),
            until=data.get("until"),
            department_ids=self._departments(request, data.get("department")),
            agent=data.get("agent"),
            channel=data.get("channel", ""),
            category=data.get("category", ""),
            question=data["question"],
            theme=data.get("theme", ""),
        )
        if isinstance(request.accepted_renderer, CsvRenderer):
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            audit.record_export(request, name=f"nps-responses-{stamp}")
            return streaming_csv(f"nps-responses-{stamp}", csv_lines(export_rows(responses)))
        paginator = Paginator(responses, data["page_size"])
        try:
            page = paginator.page(data["page"])
        except EmptyPage:
            raise exceptions.NotFound(f"Page {data['page']} is past the last page ({paginator.num_pages}).") from None
        return ApiResponse(
            {
                "count": paginator.count,
                "page": page.number,
                "page_size": data["page_size"],
                "next": self._page_url(request, page.next_page_number()) if page.has_next() else None,
                "previous": self._page_url(request, page.previous_page_number()) if page.has_previous() else None,
                "results": list(export_rows(page.object_list)),
            }
        )

    def finalize_response(self, request, response, *args, **kwargs):
        """Errors are always JSON, even when CSV was asked for."""
        if response.status_code >= 400 and isinstance(getattr(request, "accepted_renderer", None), CsvRenderer):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @staticmethod
    def _departments(request: Request, department: Department | None) -> frozenset[int] | None:
        scope = department_scope(request, department)
        if department is not None:
            return frozenset({department.pk})
        return scope

    @staticmethod
    def _page_url(request: Request, number: int) -> str:
        query = request.query_params.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
