"""An import of interactions from a file: the upload, its column mapping, the dry run, the import.

Registered with the integrations app through integrations/models.py.
"""

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    """One uploaded file on its way in. The file itself lives under IMPORT_DIR until the
    import is done or the job is discarded."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded: choose the columns"
        VALIDATING = "validating", "Dry run in progress"
        VALIDATED = "validated", "Dry run finished"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Stopped"
        DISCARDED = "discarded", "Discarded"

    RUNNING = (Status.VALIDATING, Status.IMPORTING)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, help_text="File name under IMPORT_DIR.")
    size_bytes = models.BigIntegerField()
    file_format = models.CharField(max_length=4)
    encoding = models.CharField(max_length=20, default="utf-8")
    delimiter = models.CharField(max_length=1, blank=True)
    columns = models.JSONField(default=list)
    preview = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="Field key → column index.")
    default_source = models.CharField(max_length=100, default="import")
    time_zone = models.CharField(max_length=64, default="UTC")
    invite = models.BooleanField(default=False)
    import_valid_rows = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    error = models.TextField(blank=True)
    # Dry run: rows read, rows valid, rows invalid, valid rows already stored.
    total_rows = models.IntegerField(null=True, blank=True)
    valid_rows = models.IntegerField(default=0)
    invalid_rows = models.IntegerField(default=0)
    existing_rows = models.IntegerField(default=0)
    # Progress of the running phase, and the import's outcome.
    processed_rows = models.IntegerField(default=0)
    last_line = models.IntegerField(default=0, help_text="Last line stored: a restarted import resumes after it.")
    created_rows = models.IntegerField(default=0)
    duplicate_rows = models.IntegerField(default=0)
    rejected_rows = models.IntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(100 * self.processed_rows / self.total_rows))


class ImportIssue(models.Model):
    """A row the dry run found invalid, or the import rejected or skipped as a duplicate."""

    class Kind(models.TextChoices):
        INVALID = "invalid", "Invalid (dry run)"
        REJECTED = "rejected", "Rejected"
        DUPLICATE = "duplicate", "Duplicate: already stored"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    line = models.IntegerField()
    external_id = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["line"]
        indexes = [models.Index(fields=["job", "kind", "line"], name="import_issue_job_kind_line")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
