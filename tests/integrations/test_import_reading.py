"""Reading an export: CSV in the encodings and dialects spreadsheets write, XLSX streamed with
its dates and formulas, the column guess from header names, and clear errors for files that
cannot be read."""

from datetime import datetime

import pytest
from openpyxl import Workbook

from integrations.imports import readers
from integrations.imports.mapping import guess_mapping, is_formula
from tests.integrations.import_helpers import HEADER, csv_bytes, row


def read_all(path, *, encoding="utf-8"):
    file_format = readers.detect_format(path, path.name)
    delimiter = readers.sniff_delimiter(path, encoding) if file_format == "csv" else ""
    with readers.open_rows(path, file_format=file_format, encoding=encoding, delimiter=delimiter) as (columns, rows):
        return columns, list(rows)


# --- CSV ----------------------------------------------------------------------------------


def test_utf8_with_bom_and_semicolons_as_excel_writes_them(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes([row(1, **{"Customer Name": "José Núñez"})], delimiter=";"))
    columns, rows = read_all(path)
    assert columns == HEADER, "the BOM is not part of the first column's name"
    assert rows[0][0] == 2 and rows[0][1][HEADER.index("Customer Name")] == "José Núñez"


def test_line_numbers_are_those_an_editor_shows_even_with_blank_and_multiline_rows(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('id,note\r\n1,"two\r\nlines"\r\n\r\n,\r\n2,x\r\n', encoding="utf-8")
    _columns, rows = read_all(path)
    assert [(line, cells[0]) for line, cells in rows] == [(2, "1"), (6, "2")], "blank rows are skipped"


def test_a_windows_1252_file_read_as_utf8_names_the_line_and_what_to_do(tmp_path):
    rows = [row(n) for n in range(1000)] + [row(1000, **{"Customer Name": "Renée"})]
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(rows, encoding="cp1252"))
    assert path.stat().st_size > readers.SNIFF_BYTES, "past what the upload looks at"
    readers.inspect(path, file_format="csv", encoding="utf-8")
    with pytest.raises(readers.ImportFileError, match=r"Line 1002 is not valid UTF-8.*byte 0xe9.*CSV UTF-8"):
        read_all(path)
    _columns, read = read_all(path, encoding="cp1252")
    assert read[-1][1][HEADER.index("Customer Name")] == "Renée"


def test_the_start_of_a_file_in_the_wrong_encoding_is_caught_on_upload(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("Nom du client,Agent\r\nRenée,a-1\r\n".encode("cp1252").replace(b"Nom", b"N\xe9m"))
    with pytest.raises(readers.ImportFileError, match="not UTF-8"):
        readers.inspect(path, file_format="csv", encoding="utf-8")


def test_utf16_excel_unicode_text_is_refused_with_the_way_out(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("id,channel\r\n1,phone\r\n".encode("utf-16"))
    with pytest.raises(readers.ImportFileError, match=r"UTF-16.*CSV UTF-8"):
        readers.inspect(path, file_format="csv", encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"id,channel\r\n", "header row but no data rows"),
        (b"id,channel\r\n,\r\n\r\n", "header row but no data rows"),
        (b",,\r\n1,2,3\r\n", "first row is empty"),
        (b"id,channel\r\n1,ph\x00one\r\n", "NUL bytes"),
        (b'id,channel\r\n1,"phone\r\n', "cannot be read as CSV"),
    ],
)
def test_files_that_cannot_be_imported_say_why(tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(readers.ImportFileError, match=message):
        readers.inspect(path, file_format=readers.detect_format(path, "export.csv"), encoding="utf-8")


def test_an_old_xls_or_a_fake_xlsx_is_refused(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(readers.ImportFileError, match=r"old Excel \.xls"):
        readers.detect_format(xls, "old.xls")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"id,channel\n1,phone\n")
    with pytest.raises(readers.ImportFileError, match="not an Excel workbook"):
        readers.detect_format(fake, "fake.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(readers.ImportFileError, match="cannot be opened"):
        readers.inspect(broken, file_format="xlsx", encoding="utf-8")


# --- XLSX ---------------------------------------------------------------------------------


def test_xlsx_cells_come_out_as_plain_values_and_formulas_as_their_text(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Ticket ID", "Solved at", "Handle time", "Agent ID"])
    sheet.append([12345, datetime(2026, 6, 1, 9, 30), 312.0, "a-1"])
    sheet.append([None, None, None, None])
    sheet.append(["T-2", "2026-06-01T10:00:00+07:00", 40, '=HYPERLINK("http://x","a")'])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    columns, rows = read_all(path)
    assert columns == ["Ticket ID", "Solved at", "Handle time", "Agent ID"]
    assert rows[0] == (2, [12345, "2026-06-01T09:30:00", 312, "a-1"])
    assert rows[1][0] == 4, "the empty row 3 is skipped, line numbers stay the sheet's"
    assert is_formula(rows[1][1][3])


# --- The column guess ---------------------------------------------------------------------


def test_the_guess_maps_a_typical_export_by_its_header_names():
    mapping = guess_mapping(HEADER)
    assert {key: HEADER[index] for key, index in mapping.items()} == {
        "external_id": "Ticket ID",
        "channel": "Channel",
        "agent": "Agent ID",
        "agent_name": "Agent Name",
        "department": "Team",
        "occurred_at": "Solved at",
        "customer_email": "Email",
        "customer_phone": "Phone",
        "customer_name": "Customer Name",
        "language": "Language",
        "handle_seconds": "Handle time",
        "wait_seconds": "Wait time",
        "transfers": "Transfers",
        "resolved": "Resolved",
        "tags": "Tags",
    }


def test_the_guess_prefers_the_api_names_and_uses_each_column_once():
    columns = ["external_id", "agent", "agent_name", "occurred_at", "customer_email", "Name", "id"]
    mapping = guess_mapping(columns)
    assert mapping["external_id"] == 0 and mapping["agent"] == 1 and mapping["agent_name"] == 2
    assert mapping["customer_email"] == 4 and mapping["customer_name"] == 5
    assert list(mapping.values()).count(0) == 1 and "channel" not in mapping


@pytest.mark.parametrize(
    ("value", "formula"),
    [
        ("=SUM(A1:A3)", True),
        ("@SUM(A1)", True),
        ("+SUM(A1)", True),
        ("-2+3+cmd|' /C calc'!A0", True),
        ("+62 812 3456 7890", False),
        ("-5", False),
        ("+1 (555) 010-9999", False),
        ("a=b", False),
        ("", False),
    ],
)
def test_formulas_are_told_apart_from_phone_numbers_and_negative_numbers(value, formula):
    assert is_formula(value) is formula
