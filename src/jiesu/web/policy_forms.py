"""The enterprise and policy forms (企业库 / 惠企政策): what an administrator types and what
`PolicyService` takes, both ways.

Conditions are edited without JavaScript: a fixed number of rows, each a field, a comparison
and a value typed as a list ("小型、微型", "C, F52", "东城区, 西城区"). A row whose field is left
empty is ignored. Converting names to codes (sizes, regions) happens here; whether the
comparison suits the field and whether the values are valid is the domain's to say.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jiesu.domain.enterprise import SIZE_ZH, SizeClass, industry_codes_of_names
from jiesu.domain.errors import InvalidArguments
from jiesu.domain.policy import FIELD_ZH, MAX_CONDITIONS, OPS_OF, Field, Op

CONDITION_ROWS = 6  # rows the editor shows at least (one more than are filled, up to 30)

# the comparisons as an administrator reads them, in the order the select lists them
OP_ZH = {Op.IN: "属于", Op.NOT_IN: "不属于", Op.GTE: "不少于", Op.LTE: "不超过",
         Op.HAS_ANY: "具有其一", Op.HAS_ALL: "同时具有", Op.HAS_NONE: "不具有"}
NUMERIC = frozenset(f for f, ops in OPS_OF.items() if Op.GTE in ops)
UNIT_OF = {Field.AGE_YEARS: "年", Field.EMPLOYEES: "人", Field.REVENUE: "万元",
           Field.ASSETS: "万元"}
# what the value box expects, per field (help under the editor)
VALUE_HELP = {
    Field.INDUSTRY: "行业名称或代码，如 制造业、零售业、C、F52（前缀匹配）",
    Field.SIZE: "大型、中型、小型、微型",
    Field.REGION: "单位名称或编码，如 东城区",
    Field.TAX_CREDIT: "A、B、M、C、D",
    Field.CERTIFICATIONS: "资质名称，如 高新技术企业",
}
_SIZE_WORDS = {**{zh: s.value for s, zh in SIZE_ZH.items()},
               **{zh[0]: s.value for s, zh in SIZE_ZH.items()},
               **{s.value: s.value for s in SizeClass}}
_INDUSTRY_CODE_OF = industry_codes_of_names()
# longest first, so that "批发和零售业" is not read as "零售业" preceded by junk
_INDUSTRY_NAMES = re.compile("|".join(
    re.escape(n) for n in sorted(_INDUSTRY_CODE_OF, key=len, reverse=True)))
_LIST = re.compile(r"[,，、;；\n]+")
_CODES = re.compile(r"[,，、;；\s]+")
_ROW = re.compile(r"第 (\d+) 条条件")
_MONEY = re.compile(r"\d{1,12}(\.\d{1,2})?")


@dataclass
class ConditionRow:
    """One row of the editor as typed (or as shown for an existing policy)."""

    field: str = ""
    op: str = ""
    value: str = ""


def _nfkc(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip()


def condition_rows(form: dict[str, Any]) -> list[ConditionRow]:
    """The rows as submitted: c0_field, c0_op, c0_value, c1_field, …"""
    from jiesu.web.core import text  # the catalogue (imported by core) reads OP_ZH here

    return [ConditionRow(text(form, f"c{i}_field")[:32], text(form, f"c{i}_op")[:32],
                         text(form, f"c{i}_value")[:5000]) for i in range(MAX_CONDITIONS)]


def shown_rows(rows: Sequence[ConditionRow]) -> list[ConditionRow]:
    """The rows to show: the filled ones in place, then empty ones up to CONDITION_ROWS (and
    at least one empty row while there is room)."""
    last = max((i + 1 for i, r in enumerate(rows) if r.field or r.value), default=0)
    count = min(MAX_CONDITIONS, max(CONDITION_ROWS, last + 1))
    kept = list(rows[:count])
    return kept + [ConditionRow() for _ in range(count - len(kept))]


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str


def region_words(rows: Sequence[ConditionRow]) -> set[str]:
    """The words the region conditions name units by (codes or names), as `conditions_json`
    reads them: what to look up before it."""
    return {w.strip() for row in rows if row.field == Field.REGION.value
            for w in _LIST.split(_nfkc(row.value)) if w.strip()}


def conditions_json(rows: Sequence[ConditionRow], units: Iterable[UnitRef]
                    ) -> tuple[list[dict[str, Any]], list[int]]:
    """The conditions as the service takes them, and for each the row number it came from
    (to name rows in the service's messages); InvalidArguments naming the row otherwise.
    `units`: those the region words may name, in tree order (`region_words`, looked up)."""
    by_word: dict[str, int] = {}
    for u in units:
        by_word.setdefault(u.code.upper(), u.id)
        by_word.setdefault(_nfkc(u.name), u.id)
    out: list[dict[str, Any]] = []
    numbers: list[int] = []
    for n, row in enumerate(rows, start=1):
        if not row.field:
            if row.value:
                raise InvalidArguments(f"第 {n} 条条件：请选择条件项目", field="conditions")
            continue
        where = f"第 {n} 条条件"
        try:
            f = Field(row.field)
        except ValueError:
            raise InvalidArguments(f"{where}的条件项目无法识别", field="conditions") from None
        value = _nfkc(row.value)
        if not value:
            raise InvalidArguments(f"{where}：请填写“{FIELD_ZH[f]}”的条件值", field="conditions")
        converted: Any
        if f in NUMERIC:
            converted = _number(value.replace(",", "").replace(" ", ""), where, f)
        elif f is Field.REGION:
            converted = []
            for word in (w.strip() for w in _LIST.split(value)):
                if not word:
                    continue
                unit_id = by_word.get(word) or by_word.get(word.upper())
                if unit_id is None:
                    raise InvalidArguments(f"{where}：区域“{word[:30]}”不是单位名称或单位编码",
                                           field="conditions")
                converted.append(unit_id)
        elif f is Field.SIZE:
            converted = []
            for word in (w for w in _CODES.split(value) if w):
                size = _SIZE_WORDS.get(word.lower())
                if size is None:
                    raise InvalidArguments(
                        f"{where}：企业规模“{word[:30]}”无法识别，请填大型、中型、小型或微型",
                        field="conditions")
                converted.append(size)
        elif f is Field.CERTIFICATIONS:
            converted = [w.strip() for w in _LIST.split(value) if w.strip()]
        elif f is Field.INDUSTRY:
            converted = industry_codes(value)
        else:  # tax credit grades
            converted = [w for w in _CODES.split(value) if w]
        out.append({"field": f.value, "op": row.op, "value": converted})
        numbers.append(n)
    return out, numbers


def industry_codes(value: str) -> list[str]:
    """Industries as typed, names or codes ("制造业、F52", "电力、热力、燃气及水生产和供应业")
    as codes ("C", "F52", "D"); whether a code is valid is the domain's to say."""
    coded = _INDUSTRY_NAMES.sub(lambda m: f" {_INDUSTRY_CODE_OF[m.group(0)]} ", _nfkc(value))
    return [w for w in _CODES.split(coded) if w]


def industry_code(raw: str) -> str:
    """One industry as typed in the enterprise form: a name becomes its code ("零售业" →
    "F52"), anything else is left for the domain to check."""
    value = _nfkc(raw)
    return _INDUSTRY_CODE_OF.get(value, value)


def _number(value: str, where: str, f: Field) -> int | float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise InvalidArguments(f"{where}：“{FIELD_ZH[f]}”应为数字", field="conditions")
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def renumber(message: str, numbers: Sequence[int]) -> str:
    """The service counts the conditions it was given; the form counts its rows (some empty)."""
    def row(m: re.Match[str]) -> str:
        k = int(m.group(1))
        return f"第 {numbers[k - 1]} 条条件" if 0 < k <= len(numbers) else m.group(0)
    return _ROW.sub(row, message)


def bad_row(message: str) -> int | None:
    """The row a message names, to mark it on the form."""
    m = _ROW.search(message)
    return int(m.group(1)) if m else None


def rows_of(conditions: Iterable[Mapping[str, Any]], unit_names: Mapping[int, str],
            lang: str = "zh") -> list[ConditionRow]:
    """The editor rows of a stored policy's conditions, in the page's language where the
    editor takes either (a size is 小型 or small; several values are listed with 、 or ,)."""
    rows = []
    for c in conditions:
        f, value = str(c.get("field", "")), c.get("value")
        items = value if isinstance(value, list | tuple) else [value]
        if f == Field.REGION.value:
            words = [unit_names.get(int(v), str(v)) if isinstance(v, int) else str(v)
                     for v in items]
        elif f == Field.SIZE.value:
            words = [str(v) if lang == "en" or v not in set(SizeClass)
                     else SIZE_ZH[SizeClass(v)] for v in items]
        elif f in {x.value for x in NUMERIC} and isinstance(value, int | float):
            words = [plain_number(value)]
        else:
            words = [str(v) for v in items]
        rows.append(ConditionRow(f, str(c.get("op", "")),
                                 (", " if lang == "en" else "、").join(words)))
    return rows


# --- plain values ----------------------------------------------------------------------------


def yuan_to_fen(raw: str, label: str, name: str) -> int | None:
    """An amount typed in 元 ("1200", "1,200.50", "１２００") as 分; blank is None."""
    value = _nfkc(raw).replace(",", "").replace("元", "").strip()
    if not value:
        return None
    if not _MONEY.fullmatch(value):
        raise InvalidArguments(f"{label}应为以元计的金额，最多两位小数", field=name)
    try:
        return int(Decimal(value) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise InvalidArguments(f"{label}应为以元计的金额，最多两位小数", field=name) from None


def fen_to_yuan(fen: int | None) -> str:
    """分 as the plain 元 figure a form shows ("1200", "1200.5")."""
    if fen is None:
        return ""
    return f"{Decimal(fen) / 100:f}".rstrip("0").rstrip(".") if fen % 100 else str(fen // 100)


def yuan(fen: int | None) -> str:
    """分 as read on a page: "1,200.00"."""
    if fen is None:
        return "—"
    return f"{fen / 100:,.2f}"


def optional_date(raw: str, label: str, name: str) -> date | None:
    value = _nfkc(raw)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArguments(f"{label}应为日期，如 2026-01-31", field=name) from None


def optional_int(raw: str, label: str, name: str, *, most: int = 10**9) -> int | None:
    value = _nfkc(raw).replace(",", "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 12 or int(value) > most:
        raise InvalidArguments(f"{label}应为不大于 {most} 的整数", field=name)
    return int(value)


def optional_number(raw: str, label: str, name: str) -> float | None:
    value = _nfkc(raw).replace(",", "")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0 or number > 1e12:
        raise InvalidArguments(f"{label}应为不小于 0 的数", field=name)
    return number


def optional_id(raw: str, label: str, name: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise InvalidArguments(f"请从列表中选择{label}", field=name)
    return int(value)


def plain_number(value: float | int | None) -> str:
    """A figure as a form shows it again: 120.0 → "120"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
