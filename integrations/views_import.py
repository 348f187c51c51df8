"""Import interactions from a file, for admins: /manage/import/. Thin: forms check, services work.

Upload → choose the columns → dry run (in the worker) → import (in the worker) → report.
"""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from agents.roles import staff_required
from agents.views_manage import manage_render
from analytics.csv_export import safe_cell
from integrations.imports import services
from integrations.imports.forms import ImportForm, MappingForm, UploadForm, UploadSizeLimit
from integrations.imports.models import ImportIssue, ImportJob
from integrations.imports.readers import ImportFileError

ISSUES_PER_PAGE = 100
RECENT_JOBS = 20
Status = ImportJob.Status


@csrf_exempt  # the upload handler must be in place before the body is read; _upload checks CSRF
@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.upload_handlers.insert(0, UploadSizeLimit(request, services.max_upload_bytes()))
        return _upload(request)
    return _start_page(request, UploadForm())


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", f"The file is larger than the limit of {services.max_upload_bytes() // 2**20} MB.")
        return _start_page(request, form, status=413)
    if form.is_valid():
        try:
            job = services.create_job(
                upload=form.cleaned_data["file"], encoding=form.cleaned_data["encoding"], user=request.user
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("manage-import-job", pk=job.pk)
    return _start_page(request, form, status=400)


def _start_page(request: HttpRequest, form: UploadForm, *, status: int = 200) -> HttpResponse:
    jobs = ImportJob.objects.select_related("created_by").exclude(status=Status.DISCARDED)[:RECENT_JOBS]
    context = {"form": form, "jobs": jobs, "max_mb": services.max_upload_bytes() // 2**20}
    return manage_render(request, "editor/import_start.html", context, status=status)


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    mapping_form = MappingForm(job, request.POST if action == "dry_run" else None)
    import_form = ImportForm(request.POST if action == "import" else None)
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if action == "dry_run" and mapping_form.is_valid():
                services.start_dry_run(
                    job,
                    mapping=mapping_form.mapping(),
                    default_source=mapping_form.cleaned_data["default_source"],
                    time_zone=mapping_form.cleaned_data["time_zone"],
                )
                return redirect("manage-import-job", pk=job.pk)
            if action == "import" and import_form.is_valid():
                services.start_import(job, **import_form.cleaned_data)
                return redirect("manage-import-job", pk=job.pk)
            if action == "discard":
                services.discard(job)
                messages.success(request, f"“{job.original_name}” discarded; its file is deleted.")
                return redirect("manage-import")
        except services.ImportRefused as exc:
            form = import_form if action == "import" else mapping_form
            form.add_error(None, str(exc))
        job.refresh_from_db()
    return manage_render(
        request, "editor/import_job.html", _job_context(request, job, mapping_form, import_form), status=status
    )


def _job_context(request: HttpRequest, job: ImportJob, mapping_form: MappingForm, import_form: ImportForm) -> dict:
    kinds = _listed_kinds(job)
    issues = ImportIssue.objects.filter(job=job, kind__in=kinds).order_by("line")
    page = Paginator(issues, ISSUES_PER_PAGE).get_page(request.GET.get("page")) if kinds else None
    return {
        "job": job,
        "mapping_form": mapping_form,
        "import_form": import_form,
        "issues": page,
        "can_map": job.status in (Status.UPLOADED, Status.VALIDATED, Status.FAILED) and not job.last_line,
    }


def _listed_kinds(job: ImportJob) -> list[str]:
    if job.status == Status.VALIDATED and not job.last_line:
        return [ImportIssue.Kind.INVALID]
    if job.status in (Status.DONE, Status.IMPORTING) or job.last_line:
        return [ImportIssue.Kind.REJECTED]
    return []


@staff_required
@never_cache
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar polls."""
    job = get_object_or_404(ImportJob, pk=pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "running": job.is_running,
            "processed": job.processed_rows,
            "total": job.total_rows,
            "percent": job.percent,
            "valid": job.valid_rows,
            "invalid": job.invalid_rows,
            "existing": job.existing_rows,
            "created": job.created_rows,
            "duplicates": job.duplicate_rows,
            "rejected": job.rejected_rows,
            "error": job.error,
        }
    )


@staff_required
@require_GET
def import_rows_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The rows listed on the page as CSV: the dry run's bad rows, or the import's report."""
    job = get_object_or_404(ImportJob, pk=pk)
    if job.status == Status.VALIDATED and not job.last_line:
        kinds, name = [ImportIssue.Kind.INVALID], f"import-{job.pk}-bad-rows"
    else:
        kinds, name = [ImportIssue.Kind.REJECTED, ImportIssue.Kind.DUPLICATE], f"import-{job.pk}-report"
    issues = ImportIssue.objects.filter(job=job, kind__in=kinds).order_by("line", "kind")
    response = StreamingHttpResponse(_csv_lines(issues), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


class _Line:
    def write(self, value: str) -> str:
        return value


def _csv_lines(issues) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(["line", "external_id", "outcome", "reason"])
    for issue in issues.values_list("line", "external_id", "kind", "reason").iterator(chunk_size=2000):
        yield writer.writerow([safe_cell(value) for value in issue])
