"""Importing interactions from a file: upload, map, dry run, import. The writes of the feature.

The file is streamed in chunks of IMPORT_CHUNK_ROWS rows in both passes and is never held in
memory. The dry run reads every row and stores the bad ones; the import reads the file again
and stores each chunk in one transaction together with the job's counters and the line it
reached, so an import interrupted by a lost worker resumes after the last chunk stored, and
running any of it twice stores nothing twice (interactions are unique on source +
external_id). Every chunk goes through `_store_chunk`, the one place that writes interactions.
"""

import logging
import uuid
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.imports import readers, validation
from integrations.imports.mapping import guess_mapping
from integrations.imports.models import ImportIssue, ImportJob
from nps_project.enqueue import enqueue_on_commit
from surveys.ingest import record_interactions
from surveys.models import Interaction
from surveys.services import InteractionInput, Recorded

logger = logging.getLogger(__name__)
Status = ImportJob.Status


class ImportRefused(Exception):
    """The admin asked for something the job's state does not allow; the message says why."""


def import_dir() -> Path:
    path = Path(settings.IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_path(job: ImportJob) -> Path:
    return Path(settings.IMPORT_DIR) / job.stored_name


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024


# --- Upload and mapping ----------------------------------------------------------------------


def create_job(*, upload: UploadedFile, encoding: str, user) -> ImportJob:
    """Store the uploaded file where the worker sees it and read its header and first rows.

    Raise readers.ImportFileError (and keep nothing) if the file cannot be read."""
    if upload.size > max_upload_bytes():
        raise readers.ImportFileError(f"The file is larger than the limit of {settings.IMPORT_MAX_UPLOAD_MB} MB.")
    suffix = ".xlsx" if upload.name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    path = import_dir() / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        file_format = readers.detect_format(path, upload.name)
        inspection = readers.inspect(path, file_format=file_format, encoding=encoding)
    except readers.ImportFileError:
        path.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        created_by=user,
        original_name=upload.name[:255],
        stored_name=path.name,
        size_bytes=upload.size,
        file_format=file_format,
        encoding=encoding,
        delimiter=inspection.delimiter,
        columns=inspection.columns,
        preview=inspection.preview,
        mapping=guess_mapping(inspection.columns),
        time_zone=settings.TIME_ZONE,
    )


def start_dry_run(job: ImportJob, *, mapping: dict[str, int], default_source: str, time_zone: str) -> None:
    """Save the mapping and validate the whole file in the worker."""
    from integrations.imports.tasks import dry_run_import

    if job.status not in (Status.UPLOADED, Status.VALIDATED, Status.FAILED) or job.last_line:
        raise ImportRefused("This file's columns can no longer be changed.")
    job.mapping = mapping
    job.default_source = default_source
    job.time_zone = time_zone
    job.status = Status.VALIDATING
    job.error = ""
    job.total_rows = None
    job.started_at = timezone.now()
    job.finished_at = None
    job.save()
    enqueue_on_commit(dry_run_import, job.pk)


def start_import(job: ImportJob, *, invite: bool, import_valid_rows: bool) -> None:
    """Store the file's valid rows in the worker; refuse if the dry run found bad rows and the
    admin did not choose to import the valid ones."""
    from integrations.imports.tasks import run_import

    if job.status != Status.VALIDATED:
        raise ImportRefused("Run the dry run first.")
    if not job.valid_rows:
        raise ImportRefused("No row of the file is valid: there is nothing to import.")
    if job.invalid_rows and not import_valid_rows:
        raise ImportRefused(
            f"The dry run found {job.invalid_rows} bad rows. Fix them and upload the file again, "
            "or tick “Import the valid rows” to import the others and skip these."
        )
    updated = ImportJob.objects.filter(pk=job.pk, status=Status.VALIDATED).update(
        status=Status.IMPORTING,
        invite=invite,
        import_valid_rows=import_valid_rows,
        error="",
        started_at=timezone.now(),
        processed_rows=F("processed_rows") if job.last_line else 0,
    )
    if not updated:
        raise ImportRefused("This import has already started.")
    enqueue_on_commit(run_import, job.pk)


def discard(job: ImportJob) -> None:
    """Forget an upload that will not be imported: its file is deleted."""
    if job.status == Status.IMPORTING:
        raise ImportRefused("An import in progress cannot be discarded.")
    ImportJob.objects.filter(pk=job.pk).update(status=Status.DISCARDED, finished_at=timezone.now())
    job_path(job).unlink(missing_ok=True)


# --- The worker's passes ---------------------------------------------------------------------


def row_settings(job: ImportJob) -> validation.Settings:
    return validation.Settings(
        mapping={key: int(index) for key, index in job.mapping.items()},
        columns=list(job.columns),
        default_source=job.default_source,
        time_zone=job.time_zone,
        invite=job.invite,
    )


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def _open(job: ImportJob):
    return readers.open_rows(job_path(job), file_format=job.file_format, encoding=job.encoding, delimiter=job.delimiter)


def run_dry_run(job_id: int) -> None:
    """Validate every row; store the bad ones with their line and reason. Runs again from the
    start if the worker is lost midway."""
    job = ImportJob.objects.filter(pk=job_id, status=Status.VALIDATING).first()
    if job is None:
        return
    checker = validation.RowChecker(row_settings(job))
    ImportIssue.objects.filter(job=job).delete()
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=0, valid_rows=0, invalid_rows=0, existing_rows=0)
    try:
        with _open(job) as (_columns, rows):
            for chunk in _chunks(rows, settings.IMPORT_CHUNK_ROWS):
                checked = [checker.check(line, cells) for line, cells in chunk]
                good = [row.item for row in checked if isinstance(row, validation.Good)]
                bad = [row for row in checked if isinstance(row, validation.Bad)]
                ImportIssue.objects.bulk_create(
                    ImportIssue(
                        job=job, kind=ImportIssue.Kind.INVALID, line=r.line, external_id=r.external_id, reason=r.reason
                    )
                    for r in bad
                )
                still_running = ImportJob.objects.filter(pk=job.pk, status=Status.VALIDATING).update(
                    processed_rows=F("processed_rows") + len(chunk),
                    valid_rows=F("valid_rows") + len(good),
                    invalid_rows=F("invalid_rows") + len(bad),
                    existing_rows=F("existing_rows") + _already_stored(good),
                )
                if not still_running:  # discarded meanwhile
                    return
    except readers.ImportFileError as exc:
        _stop(job, Status.FAILED, f"The dry run stopped: {exc}")
        return
    ImportJob.objects.filter(pk=job.pk, status=Status.VALIDATING).update(
        status=Status.VALIDATED, total_rows=F("processed_rows"), finished_at=timezone.now()
    )


def _already_stored(items: list[InteractionInput]) -> int:
    """How many of the items are stored already (they will be skipped as duplicates)."""
    if not items:
        return 0
    stored = set(
        Interaction.objects.filter(
            source__in={item.source for item in items}, external_id__in={item.external_id for item in items}
        ).values_list("source", "external_id")
    )
    return sum(1 for item in items if (item.source, item.external_id) in stored)


def run_import(job_id: int) -> None:
    """Store the valid rows chunk by chunk, resuming after the last line a previous run stored."""
    job = ImportJob.objects.filter(pk=job_id, status=Status.IMPORTING).first()
    if job is None:
        return
    checker = validation.RowChecker(row_settings(job))
    try:
        with _open(job) as (_columns, rows):
            pending = (row for row in rows if row[0] > job.last_line)
            for chunk in _chunks(pending, settings.IMPORT_CHUNK_ROWS):
                _import_chunk(job, chunk, checker)
    except readers.ImportFileError as exc:
        _stop(job, Status.FAILED, f"The import stopped: {exc}")
        return
    except Exception as exc:
        logger.exception("Import %s stopped", job.pk)
        reached = ImportJob.objects.filter(pk=job.pk).values_list("last_line", flat=True).first()
        _stop(
            job,
            Status.VALIDATED,
            f"The import stopped after line {reached} ({type(exc).__name__}: {exc}). Resume it: the rows "
            "stored so far are kept and the import continues after them.",
        )
        return
    ImportJob.objects.filter(pk=job.pk, status=Status.IMPORTING).update(status=Status.DONE, finished_at=timezone.now())
    job_path(job).unlink(missing_ok=True)


def _import_chunk(job: ImportJob, chunk: list, checker: validation.RowChecker) -> None:
    checked = [checker.check(line, cells) for line, cells in chunk]
    good = [row for row in checked if isinstance(row, validation.Good)]
    bad = [row for row in checked if isinstance(row, validation.Bad)]
    with transaction.atomic():
        recorded = _store_chunk([row.item for row in good])
        issues = [
            ImportIssue(
                job=job, kind=ImportIssue.Kind.REJECTED, line=r.line, external_id=r.external_id, reason=r.reason
            )
            for r in bad
        ]
        issues += [
            ImportIssue(
                job=job,
                kind=ImportIssue.Kind.DUPLICATE,
                line=row.line,
                external_id=row.item.external_id,
                reason=f"already stored (source “{row.item.source}”, external id “{row.item.external_id}”)",
            )
            for row, result in zip(good, recorded, strict=True)
            if not result.created
        ]
        ImportIssue.objects.bulk_create(issues)
        created = sum(1 for result in recorded if result.created)
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + len(chunk),
            last_line=chunk[-1][0],
            created_rows=F("created_rows") + created,
            duplicate_rows=F("duplicate_rows") + len(recorded) - created,
            rejected_rows=F("rejected_rows") + len(bad),
        )


def _store_chunk(items: list[InteractionInput]) -> list[Recorded]:
    """Store one chunk of validated interactions set-based, one result per item in order."""
    return record_interactions(items)


def _stop(job: ImportJob, status: str, error: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=status, error=error, finished_at=timezone.now())
