"""Stream the rows of an uploaded CSV or XLSX file, one at a time, never the whole file.

A reader yields `(line, cells)`: `line` is the number a spreadsheet or text editor shows for
the row (the header is line 1), `cells` the row's values as plain Python values (str, int,
float, bool, an ISO 8601 string for spreadsheet dates). Anything that makes the file
unreadable (wrong encoding, broken quoting, not a spreadsheet) raises ImportFileError with a
message an admin can act on.

Memory: CSV is read through the csv module line by line. XLSX is read with openpyxl in
read-only mode, which streams the sheet's XML; openpyxl still loads the workbook's shared
string table, so a huge spreadsheet costs more memory than the same data as CSV.
"""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

CSV, XLSX = "csv", "xlsx"
ENCODINGS = {
    "utf-8": "UTF-8 (with or without BOM)",
    "cp1252": "Windows-1252 (older Excel on Windows)",
    "latin-1": "ISO-8859-1 (Latin-1)",
}
DELIMITERS = [",", ";", "\t", "|"]
PREVIEW_ROWS = 5
SNIFF_BYTES = 64 * 1024
# csv's default limit is 128 KiB per field; nothing in an interaction is that long.
csv.field_size_limit(1024 * 1024)

Row = tuple[int, list]


class ImportFileError(Exception):
    """The file cannot be read as a whole; the message says why and what to do."""


@dataclass(frozen=True)
class Inspection:
    file_format: str
    delimiter: str
    columns: list[str]
    preview: list[list[str]]


def detect_format(path: Path, original_name: str) -> str:
    """CSV or XLSX from the file's first bytes (the name alone can lie)."""
    with path.open("rb") as raw:
        head = raw.read(8)
    if not head:
        raise ImportFileError("The file is empty.")
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("This is an old Excel .xls file: save it as .xlsx or as CSV UTF-8 and upload that.")
    if original_name.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError("The file is named .xlsx but is not an Excel workbook: export it again.")
    return CSV


def inspect(path: Path, *, file_format: str, encoding: str) -> Inspection:
    """The header and the first rows, checking that the file can be read at all."""
    delimiter = sniff_delimiter(path, encoding) if file_format == CSV else ""
    with open_rows(path, file_format=file_format, encoding=encoding, delimiter=delimiter) as (columns, rows):
        preview = []
        for _line, cells in rows:
            preview.append([display(value) for value in cells[: len(columns)]])
            if len(preview) == PREVIEW_ROWS:
                break
    if any("\x00" in text for text in [*columns, *(cell for cells in preview for cell in cells)]):
        raise ImportFileError("The file holds NUL bytes: it is not a text CSV. Export it again as CSV UTF-8.")
    if not any(columns):
        raise ImportFileError("The first row is empty: it must name the columns (a header row).")
    if not preview:
        raise ImportFileError("The file has a header row but no data rows.")
    return Inspection(file_format=file_format, delimiter=delimiter, columns=columns, preview=preview)


def sniff_delimiter(path: Path, encoding: str) -> str:
    """The delimiter is whichever of , ; tab | occurs most in the header line."""
    with path.open("rb") as raw:
        head = raw.read(SNIFF_BYTES)
    _check_not_utf16(head)
    text = _decode_start(head, encoding)
    first_line = text.splitlines()[0] if text else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextmanager
def open_rows(path: Path, *, file_format: str, encoding: str, delimiter: str = ",") -> Iterator:
    """Yield (column names, iterator of non-blank data rows); the file is closed afterwards."""
    if file_format == XLSX:
        with _xlsx_rows(path) as opened:
            yield opened
    else:
        with _csv_rows(path, encoding, delimiter or ",") as opened:
            yield opened


@contextmanager
def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator:
    if encoding not in ENCODINGS:
        raise ImportFileError(f"Unknown encoding {encoding!r}.")
    with path.open("rb") as raw:
        _check_not_utf16(raw.read(4))
        raw.seek(0)
        reader = csv.reader(_decoded_lines(raw, encoding), delimiter=delimiter, strict=True)
        header = _next_csv_row(reader)
        if header is None:
            raise ImportFileError("The file is empty.")
        columns = [cell.strip() for cell in header]
        yield columns, _csv_data(reader)


def _decoded_lines(raw, encoding: str) -> Iterator[str]:
    """The file's lines decoded one by one, so a decoding error names its own line.

    Splitting the bytes on newlines is safe in all three encodings: no multibyte UTF-8
    sequence contains the newline byte."""
    python_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    for number, line in enumerate(raw, start=1):
        try:
            yield line.decode(python_encoding if number == 1 else encoding)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"Line {number} is not valid {ENCODINGS[encoding]} (byte 0x{line[exc.start]:02x}). "
                "Save the file as “CSV UTF-8” in your spreadsheet, or upload it again choosing the encoding "
                "it was saved in."
            ) from exc


def _csv_data(reader) -> Iterator[Row]:
    while True:
        line = reader.line_num + 1
        cells = _next_csv_row(reader)
        if cells is None:
            return
        if any(cell.strip() for cell in cells):
            yield line, cells


def _next_csv_row(reader) -> list[str] | None:
    line = reader.line_num + 1
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise ImportFileError(f"Line {line} cannot be read as CSV ({exc}). Export the file again.") from exc


def _check_not_utf16(head: bytes) -> None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError("The file is UTF-16 (Excel's “Unicode text”). Save it as “CSV UTF-8” and upload that.")


def _decode_start(head: bytes, encoding: str) -> str:
    """Decode the start of the file, tolerating a character cut at the end of the sample."""
    python_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    decoder = codecs.getincrementaldecoder(python_encoding)(errors="strict")
    try:
        return decoder.decode(head, final=False)
    except UnicodeDecodeError as exc:
        line = head[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file is not {ENCODINGS[encoding]}: line {line} holds the byte 0x{head[exc.start]:02x}. "
            "Save it as “CSV UTF-8”, or upload it again choosing Windows-1252 or Latin-1."
        ) from exc


@contextmanager
def _xlsx_rows(path: Path) -> Iterator:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError("The workbook cannot be opened: save it again as .xlsx or as CSV UTF-8.") from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError("The workbook has no sheet.")
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        try:
            header = next(rows, None)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise ImportFileError("The workbook's first sheet cannot be read: save it again.") from exc
        if header is None:
            raise ImportFileError("The first sheet of the workbook is empty.")
        columns = [display(cell_value(value)).strip() for value in header]
        yield columns, _xlsx_data(rows)
    finally:
        workbook.close()


def _xlsx_data(rows) -> Iterator[Row]:
    line = 1
    while True:
        line += 1
        try:
            values = next(rows)
        except StopIteration:
            return
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise ImportFileError(f"Row {line} of the workbook cannot be read: save it again.") from exc
        cells = [cell_value(value) for value in values]
        if any(cell != "" for cell in cells):
            yield line, cells


def cell_value(value):
    """A spreadsheet cell as a plain value: "" for empty, ISO 8601 for dates, int for 12.0."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str | int | float | bool):
        return value
    text = getattr(value, "text", None)  # openpyxl's ArrayFormula / DataTableFormula
    return text if isinstance(text, str) else str(value)


def display(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
