"""Comments: the customers' why-answers with their scores, newest first, detractors first
by default, filterable and searchable. These are raw answers, read page by page."""

from collections.abc import Iterator

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from analytics.dashboard import queries
from analytics.dashboard.common import PageRequest, dashboard_page, page_response
from analytics.themes.selectors import active_themes, themes_by_response
from surveys.models import Response, category_rank

PER_PAGE = 50
CSV_LIMIT = 50_000
CATEGORY_RANGES = {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10)}


class CommentFilterForm(forms.Form):
    category = forms.ChoiceField(
        required=False,
        choices=[
            ("", "All, detractors first"),
            ("detractor", "Detractors (0–6)"),
            ("passive", "Passives (7–8)"),
            ("promoter", "Promoters (9–10)"),
        ],
    )
    agent = forms.CharField(required=False, max_length=200, label="Agent id")
    q = forms.CharField(
        required=False, max_length=200, label="Text contains", widget=forms.TextInput(attrs={"type": "search"})
    )
    theme = forms.ChoiceField(required=False, label="Theme")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "All themes"), *((t.key, t.name()) for t in active_themes())]


def comment_rows(page: PageRequest, params: dict) -> QuerySet[Response]:
    filters = page.filters
    score = f"{filters.question}_score"
    qs = Response.objects.filter(**queries.period_bounds(filters)).exclude(why="")
    if filters.department_ids is not None:
        qs = qs.filter(department_id__in=filters.department_ids)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if params.get("category"):
        low, high = CATEGORY_RANGES[params["category"]]
        qs = qs.filter(**{f"{score}__gte": low, f"{score}__lte": high})
    if params.get("agent"):
        qs = qs.filter(Q(agent__external_id=params["agent"]) | Q(agent__name__iexact=params["agent"]))
    if params.get("q"):
        qs = qs.filter(why__icontains=params["q"])
    if params.get("theme"):
        qs = qs.filter(found_themes__theme__key=params["theme"])
    return (
        qs.select_related("agent", "department")
        .annotate(rank=category_rank(score))
        .order_by("rank", "-occurred_at", "-pk")
    )


def with_themes(rows: QuerySet[Response], chunk: int = 2000) -> Iterator[Response]:
    """The rows with `.themes` set, a query per chunk of rows (the CSV can be 50,000 long)."""
    batch: list[Response] = []
    for row in rows.iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) == chunk:
            yield from _themed(batch)
            batch = []
    yield from _themed(batch)


def _themed(batch: list[Response]) -> list[Response]:
    found = themes_by_response([r.pk for r in batch])
    for r in batch:
        r.themes = found.get(r.pk, [])
    return batch


def category(score: int) -> str:
    return next(name for name, (low, high) in CATEGORY_RANGES.items() if low <= score <= high)


@dashboard_page()
def comments(request: HttpRequest, page: PageRequest) -> HttpResponse:
    extra = CommentFilterForm(request.GET)
    params = extra.cleaned_data if extra.is_valid() else {}
    rows = comment_rows(page, params)
    question = page.filters.question
    if request.GET.get("format") == "csv":
        return page_response(
            request,
            "",
            page,
            {},
            csv_name="nps-comments",
            csv_header=(
                "date",
                "company_score",
                "agent_score",
                "category",
                "agent_id",
                "agent",
                "department",
                "channel",
                "language",
                "themes",
                "why",
            ),
            csv_rows=(
                (
                    r.occurred_at.date(),
                    r.company_score,
                    r.agent_score,
                    category(getattr(r, f"{question}_score")),
                    r.agent.external_id,
                    str(r.agent),
                    r.department.name,
                    r.channel,
                    r.language,
                    " ".join(f"{t.key}{t.polarity}" for t in r.themes),
                    r.why,
                )
                for r in with_themes(rows[:CSV_LIMIT])
            ),
        )
    paginator = Paginator(rows, PER_PAGE)
    current = paginator.get_page(request.GET.get("page"))
    found = themes_by_response([response.pk for response in current])
    for response in current:
        response.category = category(getattr(response, f"{question}_score"))
        response.themes = found.get(response.pk, [])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "extra_form": extra,
        "page_obj": current,
        "query": query.urlencode(),
    }
    return page_response(request, "dashboard/comments.html", page, context, csv_name="nps-comments")
