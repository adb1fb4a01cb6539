"""Read CSV and XLSX exports of other systems row by row (UTF-8 with or without BOM, GBK)."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jiesu.domain.errors import InvalidArguments


@dataclass
class Table:
    """A source file opened for reading: its header and an iterator over (row number, row)."""

    header: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]
    estimated_rows: int | None
    encoding: str | None = None


def open_table(path: Path, *, fmt: str | None = None, encoding: str = "auto",
               delimiter: str = ",", sheet: str | int | None = None,
               header_row: int = 1, options_at: str | None = None) -> Table:
    """Open a CSV or XLSX file; row numbers are the ones a spreadsheet program shows.

    `options_at` names where the reader's options were written (an import mapping's
    "[source]"), for the messages; without it they tell a person who uploads a table how to
    save it so that it can be read."""
    if not path.exists():
        raise InvalidArguments(f"文件不存在：{path}")
    fmt = fmt or _format_of(path, options_at)
    if fmt == "xlsx":
        return _open_xlsx(path, sheet, header_row)
    return _open_csv(path, encoding, delimiter, header_row, options_at)


_XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (an OLE compound file)
_UNSAFE_NAME = re.compile(r"[^\w\-]+")


@contextmanager
def uploaded_file(data: bytes, filename: str | None = None) -> Iterator[Path]:
    """Uploaded bytes as a temporary file that `open_table` reads, deleted afterwards.

    The format comes from the bytes, not the name a browser sent: XLSX when they are a zip
    archive, otherwise CSV (UTF-8 or GBK, found by `detect_encoding`).
    """
    if data.startswith(_XLS_MAGIC):
        raise InvalidArguments("不支持旧版 .xls 文件，请在 Excel/WPS 中另存为 .xlsx 或 CSV")
    suffix = ".xlsx" if data.startswith(_XLSX_MAGIC) else ".csv"
    stem = _UNSAFE_NAME.sub("_", Path(filename or "").stem)[:60].strip("_") or "upload"
    with tempfile.TemporaryDirectory(prefix="jiesu-upload-") as folder:
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(data)
        yield path


def _format_of(path: Path, options_at: str | None) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix == ".xls":
        raise InvalidArguments("不支持旧版 .xls 文件，请在 Excel/WPS 中另存为 .xlsx 或 CSV")
    where = f"，或在{options_at} 中写 format" if options_at else ""
    raise InvalidArguments(f"无法从文件名判断格式：{path.name}；请使用 .csv 或 .xlsx 文件{where}")


def _not_text(path: Path, encoding: str, options_at: str | None,
              line: int | None = None) -> InvalidArguments:
    """The message for a file that does not decode: what it is not, and how to fix that."""
    what = "UTF-8 或 GB18030（GBK）" if encoding == "auto" else f"{encoding} "
    near = f"（第 {line} 行附近）" if line else ""
    fix = (f"请在{options_at} 中设置 encoding（例如 \"gbk\"），或将文件另存为 CSV UTF-8 或 XLSX"
           if options_at else "请在 Excel 或 WPS 中另存为“CSV UTF-8”或 XLSX 格式后再导入")
    return InvalidArguments(f"文件 {path.name} 不是 {what}编码的文本{near}，无法读取；{fix}")


def decode_text(raw: bytes, what: str) -> str:
    """The text of an uploaded or given file: UTF-8 (BOM stripped) when it decodes so, else
    GB18030 (a superset of GBK, what Excel and WPS on a Chinese Windows save as "CSV");
    neither is refused with a message naming `what` ("地名表文件")."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidArguments(f"{what}不是 UTF-8 或 GB18030（GBK）编码的文本，无法读取；"
                           "请在 Excel 或 WPS 中另存为“CSV UTF-8”后再上传")


def detect_encoding(path: Path) -> str:
    """UTF-8 (BOM stripped) when the file decodes as UTF-8, else GB18030 (a superset of GBK)."""
    with path.open("rb") as f:
        head = f.read(1 << 20)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    cut = head.rfind(b"\n") if len(head) == 1 << 20 else len(head)
    try:
        head[: cut if cut > 0 else len(head)].decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"


def _open_csv(path: Path, encoding: str, delimiter: str, header_row: int,
              options_at: str | None) -> Table:
    enc = detect_encoding(path) if encoding == "auto" else encoding
    if enc.lower().replace("-", "") in ("utf8", "utf8sig"):
        enc = "utf-8-sig"
    elif enc.lower() in ("gbk", "gb2312"):
        enc = "gb18030"
    try:
        f = path.open("r", encoding=enc, newline="")
    except LookupError:
        raise InvalidArguments(f"未知的文件编码：{encoding}（可用 utf-8、gbk、gb18030、auto）"
                               ) from None
    estimated = _count_lines(path) - header_row
    reader = csv.reader(f, delimiter=delimiter)
    header: list[str] | None = None
    try:
        for _ in range(header_row):
            header = next(reader)
    except StopIteration:
        f.close()
        raise InvalidArguments(f"文件 {path.name} 没有第 {header_row} 行表头") from None
    except UnicodeDecodeError:
        f.close()
        raise _not_text(path, encoding, options_at) from None
    except csv.Error as exc:
        f.close()
        raise InvalidArguments(f"文件 {path.name} 第 {reader.line_num} 行不是有效的 CSV："
                               f"{exc}") from None
    assert header is not None
    header = [h.strip() for h in header]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        # Record numbers as a spreadsheet shows them (a quoted cell may span several lines).
        n = header_row
        try:
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise _not_text(path, encoding, options_at,
                                    max(reader.line_num, n + 1)) from None
                except csv.Error as exc:  # a cell over the csv module's size limit, say
                    raise InvalidArguments(f"文件 {path.name} 第 {reader.line_num} 行不是有效的"
                                           f" CSV：{exc}") from None
                n += 1
                if not any(v.strip() for v in values):
                    continue
                yield n, dict(zip(header, values, strict=False))
        finally:
            f.close()

    return Table(header, rows(), max(estimated, 0), enc)


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n


def _open_xlsx(path: Path, sheet: str | int | None, header_row: int) -> Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise InvalidArguments(f"无法读取 Excel 文件 {path.name}：{exc}") from None
    if sheet is None:
        ws = wb.worksheets[0]
    elif isinstance(sheet, int):
        if not 1 <= sheet <= len(wb.worksheets):
            raise InvalidArguments(f"工作表序号 {sheet} 超出范围（共 {len(wb.worksheets)} 个）")
        ws = wb.worksheets[sheet - 1]
    else:
        if sheet not in wb.sheetnames:
            raise InvalidArguments(f"没有名为“{sheet}”的工作表；可用：{'、'.join(wb.sheetnames)}")
        ws = wb[sheet]
    it = ws.iter_rows(values_only=True)
    header_values: tuple[Any, ...] = ()
    for _ in range(header_row):
        header_values = next(it, ())
    header = [("" if h is None else str(h)).strip() for h in header_values]
    if not any(header):
        wb.close()
        raise InvalidArguments(f"工作表第 {header_row} 行没有表头")
    estimated = (ws.max_row or 0) - header_row

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for n, values in enumerate(it, start=header_row + 1):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                yield n, {h: v for h, v in zip(header, values, strict=False) if h}
        finally:
            wb.close()

    return Table(header, rows(), max(estimated, 0))


def csv_text(rows: list[list[Any]]) -> str:
    """Rows as CSV text (used by tests and small exports)."""
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()
