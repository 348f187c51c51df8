"""/manage/audit/: the change audit log for admins, filtered by the query string, as a page
or as CSV. Read-only: there is no way to change or remove an entry from the UI."""

import csv

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from agents.roles import staff_required
from agents.views_manage import manage_render
from privacy import audit, audit_log

PAGE_SIZE = 100


class _Line:
    def write(self, value: str) -> str:
        return value


def _csv(records) -> StreamingHttpResponse:
    writer = csv.writer(_Line())

    def lines():
        yield "\ufeff" + writer.writerow(audit_log.CSV_HEADER)
        for row in audit_log.csv_rows(records):
            yield writer.writerow(audit_log.safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="nps-audit-{timezone.localdate():%Y%m%d}.csv"'
    return response


@staff_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form = audit_log.AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "page": None, "actions": audit_log.action_names()}
        return manage_render(request, "editor/audit.html", context, status=400)
    filters = {key: value for key, value in (form.cleaned_data if form.is_bound else {}).items() if value}
    records = audit_log.matching(**filters)
    if request.GET.get("format") == "csv":
        with transaction.atomic():
            entry = audit.record(
                "export.downloaded",
                request=request,
                target_type="privacy.changerecord",
                target_repr="Audit log",
                details={"path": request.path, "filters": {k: str(v) for k, v in filters.items()}},
            )
        return _csv(records.filter(pk__lt=entry.pk))  # the log as it stood when asked
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    csv_query = query.copy()
    csv_query["format"] = "csv"
    context = {
        "form": form,
        "page": page,
        "actions": audit_log.action_names(),
        "query": query.urlencode(),
        "csv_url": f"{request.path}?{csv_query.urlencode()}",
    }
    return manage_render(request, "editor/audit.html", context)
