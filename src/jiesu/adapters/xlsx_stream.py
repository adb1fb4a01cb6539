"""Write one-sheet XLSX workbooks as a stream of bytes, row by row.

openpyxl's write-only mode keeps memory flat but builds the whole workbook before its first byte
(a zip's directory comes last) and spends about 20 µs of CPU a cell; a ledger of 100,000 rows
took 90 s, past a proxy's wait for a first byte. A data sheet needs little of what openpyxl offers:
here the sheet's XML is written directly (inline strings, so no shared-string table held in
memory) into a zip member that the standard library's `zipfile` deflates as it goes, on a sink
that hands each chunk on; an unseekable sink makes `zipfile` write each member's sizes after its
data (data descriptors), as streaming zip writers do. No ZIP64: Excel refuses ZIP64 headers
on members that do not need them, so the sheet stops below 2 GiB of XML (`MAX_SHEET_BYTES`).
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from itertools import islice
from xml.sax.saxutils import quoteattr

Cell = str | int | float | bool | datetime | date | None

MAX_ROWS = 1_048_576  # Excel's rows per sheet, the header included
MAX_CELL_CHARS = 32_767  # Excel's characters per cell; more and it calls the file damaged
# Without ZIP64 a member holds at most 2 GiB (zipfile refuses more when the member closes);
# each chunk of rows is checked before it is written, the margin is for the sheet's own tags
MAX_SHEET_BYTES = zipfile.ZIP64_LIMIT - (64 << 20)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"

# characters XML 1.0 cannot hold (openpyxl raises IllegalCharacterError on them: one pasted
# control character used to fail the whole download); lone surrogates cannot be UTF-8
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (the 1900 system, past its 1900-02-29)
_CHUNK_ROWS = 500

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>")
_ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>")
_WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>")
# the defaults Excel expects (one font, the two fills, one border) and three cell formats:
# 0 general, 1 a date and time, 2 a date
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_NS}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATETIME_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATE_FORMAT}"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")


def column_letter(index: int) -> str:
    """The letters of a 0-based column: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def excel_serial(value: datetime | date) -> float:
    """A wall-clock date or time as Excel's serial day number (a spreadsheet has no zones)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    elif value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    delta = value - _EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


def _text(ref: str, value: str) -> str:
    # the common case costs three C-level scans: printable text with nothing to escape
    if not value.isprintable():  # also line breaks and tabs, which XML keeps
        value = _NOT_XML.sub("", value)
    if len(value) > MAX_CELL_CHARS:
        value = value[:MAX_CELL_CHARS]
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _cell(ref: str, value: Cell) -> str:
    """One cell's XML; empty for None and "" (an empty cell, as in openpyxl)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return _text(ref, value)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return _text(ref, str(value))  # Excel has no NaN nor infinity
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="1"><v>{excel_serial(value)!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{excel_serial(value)!r}</v></c>'
    return _text(ref, str(value))


class _Sink:
    """A write-only file for zipfile (no tell/seek: it then writes data descriptors) that
    keeps what was written until `take`."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def stream_xlsx(header: list[str], rows: Iterable[Iterable[Cell]], *, sheet: str = "Sheet1",
                compresslevel: int = 1) -> Iterator[bytes]:
    """An XLSX workbook of one sheet as chunks of bytes, the first ones before the rows are all
    read. Strings are kept as text (never formulas: quote them first if people will open the
    file), datetimes and dates (their wall clock) get a date format, None and "" stay empty.
    Rows past Excel's limit (`MAX_ROWS`) or the 2 GiB sheet (`MAX_SHEET_BYTES`) are not read.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=compresslevel) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", (
            _HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name={quoteattr(sheet[:31])} sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(f'{_HEAD}<worksheet xmlns="{_NS}"><sheetData>'.encode())
            yield from _sheet_rows(out.write, sink, header, rows)
            out.write(b"</sheetData></worksheet>")
    yield sink.take()


def _sheet_rows(write: Callable[[bytes], object], sink: _Sink, header: list[str],
                rows: Iterable[Iterable[Cell]]) -> Iterator[bytes]:
    """The sheet's rows, written `_CHUNK_ROWS` at a time; what the zip made of them so far is
    yielded after each chunk."""
    letters = [column_letter(i) for i in range(len(header))]

    def row_xml(number: int, values: Iterable[Cell]) -> str:
        row = str(number)
        cells = []
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            if i >= len(letters):
                letters.extend(column_letter(j) for j in range(len(letters), i + 1))
            if type(value) is str:  # most cells: spare _cell's checks
                cells.append(_text(letters[i] + row, value))
            else:
                cells.append(_cell(letters[i] + row, value))
        return f'<row r="{row}">{"".join(cells)}</row>'

    written = 0
    chunk = [row_xml(1, header)]
    for number, values in enumerate(islice(rows, MAX_ROWS - 1), start=2):
        chunk.append(row_xml(number, values))
        if len(chunk) >= _CHUNK_ROWS:
            data = "".join(chunk).encode()
            chunk.clear()
            if written + len(data) > MAX_SHEET_BYTES:
                return
            written += len(data)
            write(data)
            if taken := sink.take():
                yield taken
    data = "".join(chunk).encode()
    if written + len(data) <= MAX_SHEET_BYTES:
        write(data)
