"""English of the staff ledger page (诉求台账: filter, count, download as Excel or CSV) and of
its refusals of a bad filter. `jiesu.web.i18n` merges these in."""

from __future__ import annotations

import re
from typing import Any

from jiesu.web import i18n_config

EN: dict[str, str] = {
    "诉求台账": "Appeal ledger",
    "按条件筛选诉求，下载为 Excel 或 CSV。台账含诉求人姓名和电话，请妥善保管，下载将被记录。":
        "Filter the appeals and download them as Excel or CSV. The ledger holds the requesters' "
        "names and phone numbers: keep it safe; every download is recorded.",
    "开始日期": "From", "结束日期": "To", "办理状态": "Status",
    "未办结（全部办理中）": "Not closed (all in hand)", "单位（含下级）": "Unit (with sub-units)",
    "仅超期": "Overdue only", "清除条件": "Clear filters", "快捷时段：": "Quick periods: ",
    "本月": "This month", "上月": "Last month",
    "导出超期台账": "Export the overdue ledger",
    "下载 Excel": "Download Excel", "下载 CSV": "Download CSV",
    ("条数很多：Excel 文件最多容纳 1,048,575 条，超出的不会写入，打开也较慢；"
     "建议缩小时间范围，或下载 CSV。"):
        "Many rows: an Excel file holds at most 1,048,575 rows (the rest is left out) and "
        "opens slowly. Choose a shorter period, or download the CSV.",
    "没有符合条件的诉求": "No appeal matches these filters",
    "开始日期不能晚于结束日期": "The start date cannot be after the end date",
    "“仅超期”的值无效": "The value of “Overdue only” is not valid",
    "台账可下载为 Excel（.xlsx）或 CSV（.csv）":
        "The ledger can be downloaded as Excel (.xlsx) or CSV (.csv)",
}

_FIELDS_EN = {"开始日期": "start date", "结束日期": "end date", "办理状态": "status",
              "来源渠道": "channel", "诉求类型": "kind", "单位": "unit"}
_FIELD = "|".join(map(re.escape, _FIELDS_EN))

PATTERNS: list[tuple[re.Pattern[str], str, dict[str, Any]]] = [
    (re.compile(r"(?P<field>开始日期|结束日期)“(?P<value>.*)”不是有效日期，"
                r"请按 2026-11-01 的格式填写"),
     "The {field} “{value}” is not a date: write it as 2026-11-01",
     {"field": _FIELDS_EN.__getitem__}),
    (re.compile(r"(?P<field>开始日期|结束日期) (?P<value>\S+) 超出范围（1900–9000 年）"),
     "The {field} {value} is out of range (years 1900–9000)",
     {"field": _FIELDS_EN.__getitem__}),
    (re.compile(rf"(?P<field>{_FIELD})“(?P<value>.*)”无效，请从列表中选择"),
     "The {field} “{value}” is not valid: choose one from the list",
     {"field": _FIELDS_EN.__getitem__}),
    (re.compile(r"没有编码为“(?P<code>.*)”的事项分类"), "No category has the code “{code}”", {}),
    (re.compile(r"没有编号为 (?P<id>\d+) 的单位，请从列表中选择"),
     "No unit has the number {id}: choose one from the list", {}),
]


def translate(message: str) -> str | None:
    """English of a ledger filter's refusal built from parts, or None."""
    return i18n_config.apply_patterns(PATTERNS, message)
