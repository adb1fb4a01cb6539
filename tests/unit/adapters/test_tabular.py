"""The CSV/XLSX reader's messages about a file it cannot read: in plain words for whoever
uploads or names a table (population figures), and naming the mapping's [source] settings
for an import mapping (`jiesu import`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiesu.adapters.tabular import open_table, uploaded_file
from jiesu.domain.errors import InvalidArguments

GARBLED = bytes(range(128, 256)) * 20  # neither UTF-8 nor GB18030


def _message(path: Path, **options: Any) -> str:
    with pytest.raises(InvalidArguments) as caught:
        table = open_table(path, **options)
        list(table.rows)
    return caught.value.message


def test_a_file_that_is_not_text_says_how_to_save_it(tmp_path: Path) -> None:
    with uploaded_file(GARBLED, "人口.csv") as path:
        message = _message(path)
    assert message == ("文件 人口.csv 不是 UTF-8 或 GB18030（GBK）编码的文本，无法读取；"
                       "请在 Excel 或 WPS 中另存为“CSV UTF-8”或 XLSX 格式后再导入")
    assert "[source]" not in message and "映射" not in message


def test_bad_bytes_after_the_first_megabyte_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    lines = "单位编码,常住人口\n" + "D1,100\n" * 200_000
    path.write_bytes(lines.encode() + b"D2,\xff\xfe\n")
    message = _message(path)
    assert "不是 UTF-8 或 GB18030（GBK）编码的文本（第 " in message
    assert "行附近）" in message and "另存为“CSV UTF-8”或 XLSX" in message
    assert "[source]" not in message


def test_an_import_mapping_is_told_about_its_source_settings(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(GARBLED)
    message = _message(path, options_at="映射的 [source]")
    assert message.startswith("文件 export.csv 不是 UTF-8 或 GB18030（GBK）编码的文本")
    assert "请在映射的 [source] 中设置 encoding（例如 \"gbk\"）" in message
    assert "CSV UTF-8" in message
    path.write_bytes("列1\n中文".encode("gbk"))
    message = _message(path, encoding="utf-8", options_at="映射的 [source]")
    assert message.startswith("文件 export.csv 不是 utf-8 编码的文本")


def test_a_file_name_without_a_known_suffix(tmp_path: Path) -> None:
    path = tmp_path / "figures.dat"
    path.write_text("code,population\nD1,1\n")
    assert _message(path) == "无法从文件名判断格式：figures.dat；请使用 .csv 或 .xlsx 文件"
    assert _message(path, options_at="映射的 [source]").endswith(
        "请使用 .csv 或 .xlsx 文件，或在映射的 [source] 中写 format")
