"""The streamed XLSX writer: what openpyxl (as Excel/WPS would) reads back from it, that its
first bytes leave before the rows are all read, and its limits (Excel's rows, no ZIP64)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from jiesu.adapters import xlsx_stream
from jiesu.adapters.xlsx_stream import column_letter, stream_xlsx


def _sheet(data: bytes) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(data)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_cells_keep_their_types_and_text_is_never_a_formula() -> None:
    at = datetime(2026, 3, 5, 14, 30, 15)
    row = ["=HYPERLINK(\"x\")", 7, 2.5, at, date(2026, 3, 5), None, "", "  两端空格 ",
           "a<b & c>\"d\"", True, "行一\n行二"]
    data = b"".join(stream_xlsx([f"列{i}" for i in range(len(row))], [row], sheet="诉求台账"))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["诉求台账"]
    ws = wb.active
    assert [c.value for c in ws[1]] == [f"列{i}" for i in range(len(row))]
    cells = ws[2]
    assert cells[0].value == "=HYPERLINK(\"x\")" and cells[0].data_type == "s"
    assert (cells[1].value, cells[1].data_type) == (7, "n")
    assert cells[2].value == 2.5
    assert cells[3].value == at and cells[3].is_date
    assert cells[3].number_format == "yyyy-mm-dd hh:mm:ss"
    assert cells[4].value == datetime(2026, 3, 5) and cells[4].number_format == "yyyy-mm-dd"
    assert cells[5].value is None and cells[6].value is None  # empty cells
    assert cells[7].value == "  两端空格 "  # outer spaces kept
    assert cells[8].value == "a<b & c>\"d\""
    assert cells[9].value is True
    assert cells[10].value == "行一\n行二"


def test_what_xml_cannot_hold_is_dropped_and_a_cell_ends_at_excels_length() -> None:
    """openpyxl refused the whole workbook for one control character."""
    long = "长" * (xlsx_stream.MAX_CELL_CHARS + 10)
    data = b"".join(stream_xlsx(["a", "b", "c"], [["前\x01后\x0b", long, float("nan")]]))
    assert _sheet(data)[1] == ["前后", "长" * xlsx_stream.MAX_CELL_CHARS, "nan"]


def test_the_first_bytes_leave_before_the_rows_are_all_read() -> None:
    read = 0

    def rows() -> Iterator[list[object]]:
        nonlocal read
        for i in range(5000):
            read += 1
            yield [f"诉求 {i}", i, datetime(2026, 1, 1, 8, 0)]

    chunks = stream_xlsx(["内容", "序号", "时间"], rows())
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04") and read < 5000
    table = _sheet(first + b"".join(chunks))
    assert len(table) == 5001 and table[-1] == ["诉求 4999", 4999, datetime(2026, 1, 1, 8, 0)]


def test_rows_past_excels_limit_are_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_stream, "MAX_ROWS", 4)  # the header and three rows
    rows = iter([[i] for i in range(10)])
    table = _sheet(b"".join(stream_xlsx(["n"], rows)))
    assert table == [["n"], [0], [1], [2]]
    assert next(rows) == [3]  # the row after the last one written is left unread


def test_the_sheet_stops_below_the_zip_limit_and_needs_no_zip64(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_stream, "_CHUNK_ROWS", 10)
    monkeypatch.setattr(xlsx_stream, "MAX_SHEET_BYTES", 2000)
    data = b"".join(stream_xlsx(["text"], ([f"第 {i} 行的内容"] for i in range(1000))))
    table = _sheet(data)
    assert 1 < len(table) < 1000 and table[-1] == [f"第 {len(table) - 2} 行的内容"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size <= 2000 + len(b"</sheetData></worksheet>") + 200
        # Excel refuses ZIP64 headers on members that do not need them
        assert all(i.extract_version < zipfile.ZIP64_VERSION for i in archive.infolist())
        assert archive.testzip() is None


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 29, 701, 702)] == [
        "A", "Z", "AA", "AD", "ZZ", "AAA"]
