"""The import pages' forms: the upload, the column mapping, the import's options."""

from zoneinfo import available_timezones

from django import forms
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from integrations.imports import mapping as fields
from integrations.imports.models import ImportJob
from integrations.imports.readers import ENCODINGS

NOT_IN_FILE = ""
SOURCE_HELP = (
    "Stored with each row whose file has no source column. Interactions are unique per source and "
    "external id: use the name your live integration reports (for example zendesk) and rows it "
    "already sent are skipped as duplicates."
)


class UploadForm(forms.Form):
    encoding = forms.ChoiceField(
        label="Text encoding (CSV only)",
        choices=list(ENCODINGS.items()),
        initial="utf-8",
        help_text="Excel's “CSV UTF-8” and most exports are UTF-8. Choose another only if told so.",
    )
    # Last in the form: the upload size guard stops reading the body at the file.
    file = forms.FileField(
        label="CSV or Excel (.xlsx) file",
        help_text="One row per interaction, a header row naming the columns.",
        error_messages={"required": "Choose the file to upload.", "empty": "The file is empty."},
    )


class UploadSizeLimit(FileUploadHandler):
    """Stop reading an upload past the limit; the view then answers 413 with the reason."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class MappingForm(forms.Form):
    """One column per interaction field, the default source and the time zone of plain times."""

    default_source = forms.SlugField(label="Source", max_length=100, help_text=SOURCE_HELP)
    time_zone = forms.ChoiceField(
        label="Time zone of times without a UTC offset",
        help_text="Spreadsheets store times without an offset; they are read in this zone.",
    )

    def __init__(self, job: ImportJob, *args, **kwargs):
        initial = {f"col_{key}": str(index) for key, index in job.mapping.items() if key in fields.FIELD_KEYS} | {
            "default_source": job.default_source,
            "time_zone": job.time_zone,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.job = job
        choices = [(NOT_IN_FILE, "— not in the file —")] + [
            (str(index), column or f"(column {index + 1}, no name)") for index, column in enumerate(job.columns)
        ]
        self.fields["time_zone"].choices = [(zone, zone) for zone in sorted(available_timezones())]
        for field in fields.FIELDS:
            self.fields[f"col_{field.key}"] = forms.TypedChoiceField(
                label=field.label,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=field.required,
                error_messages={"required": f"Choose the column that holds the {field.label.lower()}."},
            )

    def mapping_rows(self) -> list[dict]:
        """Each field with its select and the value the first row holds in the chosen column."""
        first = self.job.preview[0] if self.job.preview else []
        rows = []
        for field in fields.FIELDS:
            bound = self[f"col_{field.key}"]
            value = bound.value()
            index = int(value) if value not in (None, NOT_IN_FILE) else None
            example = first[index] if index is not None and index < len(first) else ""
            rows.append({"field": field, "bound": bound, "example": example})
        return rows

    def clean(self) -> dict:
        cleaned = super().clean()
        seen: dict[int, str] = {}
        for field in fields.FIELDS:
            index = cleaned.get(f"col_{field.key}")
            if index is None:
                continue
            if index in seen:
                self.add_error(
                    f"col_{field.key}",
                    f"Column “{self.job.columns[index]}” is already chosen for {seen[index].lower()}.",
                )
            seen[index] = field.label
        return cleaned

    def mapping(self) -> dict[str, int]:
        return {
            field.key: self.cleaned_data[f"col_{field.key}"]
            for field in fields.FIELDS
            if self.cleaned_data.get(f"col_{field.key}") is not None
        }


class ImportForm(forms.Form):
    invite = forms.BooleanField(
        label="Invite these customers to the survey",
        required=False,
        help_text="Off: the rows count in coverage and drivers but no one is asked. On: customers of recent "
        "interactions are invited as if the platform had reported them; older ones never are.",
    )
    import_valid_rows = forms.BooleanField(label="Import the valid rows and skip the bad ones", required=False)
