"""Enterprises (企业): the 统一社会信用代码 and the statistical size class (大/中/小/微).

Pure standard library. The size thresholds are the table of 国家统计局《统计上大中小微型企业
划分办法（2017）》(国统字〔2017〕213号); industries are GB/T 4754-2017 codes: the 门类 letter,
optionally followed by the 大类/中类/小类 digits ("C", "F52", "K7020").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from jiesu.domain.errors import InvalidArguments

# GB 32100-2015: 18 characters from this alphabet (digits and capitals without I O S V Z); the
# last is a check character over the first 17 with these weights, modulo 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_SEPARATORS = re.compile(r"[\s\-–—]")


def uscc_check_char(first17: str) -> str:
    """The check character (第 18 位) of the first 17 characters of a code."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(raw: str, field: str = "uscc") -> str:
    """The code in capitals without spaces; InvalidArguments unless it is a valid code.

    Full-width characters and lower case (what a Chinese input method gives) are accepted.
    """
    code = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "")).upper()
    if len(code) != 18:
        raise InvalidArguments(f"统一社会信用代码应为 18 位，现为 {len(code)} 位", field=field)
    if not _USCC_SHAPE.fullmatch(code):
        raise InvalidArguments(
            "统一社会信用代码含有不允许的字符（第 3–8 位为行政区划数字，不使用 I、O、S、V、Z）",
            field=field)
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidArguments("统一社会信用代码校验位不正确，请核对是否输错", field=field)
    return code


def is_valid_uscc(raw: str) -> bool:
    try:
        normalize_uscc(raw)
    except InvalidArguments:
        return False
    return True


# --- industries (GB/T 4754-2017 门类) --------------------------------------------------------

SECTIONS_ZH = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业", "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
    "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业", "P": "教育",
    "Q": "卫生和社会工作", "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}
_INDUSTRY = re.compile(r"[A-T](?:\d{2}(?:\d{1,2})?)?")


def normalize_industry(raw: str, field: str = "industry") -> str:
    """A GB/T 4754-2017 code: 门类 letter plus 0, 2, 3 or 4 digits ("C", "F52", "K7020")."""
    code = unicodedata.normalize("NFKC", raw or "").strip().upper()
    if not _INDUSTRY.fullmatch(code):
        raise InvalidArguments(
            "行业代码应为国民经济行业分类代码：门类字母加 0、2、3 或 4 位数字，如 C、F52、K7020",
            field=field)
    return code


def industry_zh(code: str) -> str:
    """The 门类 name of a code, with the code: "F52 批发和零售业"."""
    return f"{code} {SECTIONS_ZH.get(code[:1], '')}".strip()


# --- size class ------------------------------------------------------------------------------


class SizeClass(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


SIZE_ZH = {SizeClass.LARGE: "大型", SizeClass.MEDIUM: "中型", SizeClass.SMALL: "小型",
           SizeClass.MICRO: "微型"}


class Indicator(StrEnum):
    EMPLOYEES = "employees"  # 从业人员（人）
    REVENUE = "revenue"      # 营业收入（万元）
    ASSETS = "assets"        # 资产总额（万元）


INDICATOR_ZH = {Indicator.EMPLOYEES: "从业人员", Indicator.REVENUE: "营业收入",
                Indicator.ASSETS: "资产总额"}


@dataclass(frozen=True)
class SizeRow:
    """One industry row of the table: per indicator the lower bounds of 大型, 中型, 小型."""

    sector: str
    bounds: tuple[tuple[Indicator, float, float, float], ...]


_E, _R, _A = Indicator.EMPLOYEES, Indicator.REVENUE, Indicator.ASSETS
SIZE_TABLE: dict[str, SizeRow] = {row.sector: row for row in (
    SizeRow("农、林、牧、渔业", ((_R, 20000, 500, 50),)),
    SizeRow("工业", ((_E, 1000, 300, 20), (_R, 40000, 2000, 300))),
    SizeRow("建筑业", ((_R, 80000, 6000, 300), (_A, 80000, 5000, 300))),
    SizeRow("批发业", ((_E, 200, 20, 5), (_R, 40000, 5000, 1000))),
    SizeRow("零售业", ((_E, 300, 50, 10), (_R, 20000, 500, 100))),
    SizeRow("交通运输业", ((_E, 1000, 300, 20), (_R, 30000, 3000, 200))),
    SizeRow("仓储业", ((_E, 200, 100, 20), (_R, 30000, 1000, 100))),
    SizeRow("邮政业", ((_E, 1000, 300, 20), (_R, 30000, 2000, 100))),
    SizeRow("住宿业", ((_E, 300, 100, 10), (_R, 10000, 2000, 100))),
    SizeRow("餐饮业", ((_E, 300, 100, 10), (_R, 10000, 2000, 100))),
    SizeRow("信息传输业", ((_E, 2000, 100, 10), (_R, 100000, 1000, 100))),
    SizeRow("软件和信息技术服务业", ((_E, 300, 100, 10), (_R, 10000, 1000, 50))),
    SizeRow("房地产开发经营", ((_R, 200000, 1000, 100), (_A, 10000, 5000, 2000))),
    SizeRow("物业管理", ((_E, 1000, 300, 100), (_R, 5000, 1000, 500))),
    SizeRow("租赁和商务服务业", ((_E, 300, 100, 10), (_A, 120000, 8000, 100))),
    SizeRow("其他未列明行业", ((_E, 300, 100, 10),)),
)}


# 门类 whose rows of the size table differ by 大类: a bare letter cannot be classified.
_NEEDS_MAJOR = frozenset("FGHIK")


def size_sector(industry: str) -> str | None:
    """The row of the size table an industry code falls in (the 2017 办法's 行业 column), or
    None when the code is too coarse to tell (a bare F, G, H, I or K; G59, whose 装卸搬运
    counts as 交通运输业 and the rest as 仓储业; K70, whose 中类 have different rows)."""
    section, digits = industry[:1], industry[1:]
    major = int(digits[:2]) if len(digits) >= 2 else None
    if major is None and section in _NEEDS_MAJOR:
        return None
    if digits in ("59", "70"):
        return None
    if section == "A":
        return "其他未列明行业" if major == 5 else "农、林、牧、渔业"  # 05: 专业及辅助性活动
    if section in "BCD":
        return "工业"
    if section == "E":
        return "建筑业"
    if section == "F":
        return "零售业" if major == 52 else "批发业"
    if section == "G":
        # the 办法's 交通运输业 leaves out 铁路运输业 (53) and takes in 装卸搬运 (591)
        if major == 53:
            return "其他未列明行业"
        if major == 59:
            return "交通运输业" if digits.startswith("591") else "仓储业"
        return "邮政业" if major == 60 else "交通运输业"
    if section == "H":
        return "餐饮业" if major == 62 else "住宿业"
    if section == "I":
        return "软件和信息技术服务业" if major == 65 else "信息传输业"
    if section == "K":
        if digits.startswith("702"):
            return "物业管理"
        return "房地产开发经营" if digits.startswith("701") else "其他未列明行业"
    if section == "L":
        return "租赁和商务服务业"
    return "其他未列明行业"


def classify_size(industry: str, *, employees: float | None = None,
                  revenue: float | None = None, assets: float | None = None) -> SizeClass | None:
    """The size class by the 2017 办法, or None when an indicator its row needs is unknown.

    大型、中型、小型 must reach every listed lower bound, otherwise one class down; what reaches
    no 小型 bound on every indicator is 微型. Revenue and assets are in 万元 (ten thousand yuan).
    """
    values = {Indicator.EMPLOYEES: employees, Indicator.REVENUE: revenue, Indicator.ASSETS: assets}
    sector = size_sector(industry)
    if sector is None:
        return None
    row = SIZE_TABLE[sector]
    needed = [(values[ind], bounds) for ind, *bounds in row.bounds]
    if any(v is None for v, _ in needed):
        return None
    for level, size in enumerate((SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL)):
        if all(v is not None and v >= bounds[level] for v, bounds in needed):
            return size
    return SizeClass.MICRO


def size_indicators(industry: str) -> tuple[Indicator, ...]:
    """The indicators the size class of this industry is decided on (for forms and messages);
    empty when the code is too coarse to tell."""
    sector = size_sector(industry)
    return () if sector is None else tuple(ind for ind, *_ in SIZE_TABLE[sector].bounds)


# --- profile -----------------------------------------------------------------------------------

TAX_CREDIT_GRADES = ("A", "B", "M", "C", "D")  # 纳税信用等级


def normalize_tax_credit(raw: str | None, field: str = "tax_credit") -> str | None:
    if raw is None or not raw.strip():
        return None
    grade = unicodedata.normalize("NFKC", raw).strip().upper()
    if grade not in TAX_CREDIT_GRADES:
        raise InvalidArguments("纳税信用等级应为 A、B、M、C、D 之一", field=field)
    return grade


def normalize_certifications(raw: list[str] | tuple[str, ...] | str | None) -> tuple[str, ...]:
    """Certifications (资质, e.g. 高新技术企业, 专精特新中小企业): trimmed, deduplicated, sorted.

    A string is split at commas, 、 and semicolons (what people type into one field)."""
    if raw is None:
        return ()
    items = re.split(r"[,，、;；\n]", raw) if isinstance(raw, str) else list(raw)
    out = {unicodedata.normalize("NFKC", str(i)).strip() for i in items}
    for item in out:
        if len(item) > 50:
            raise InvalidArguments("每项资质名称不超过 50 字", field="certifications")
    if len(out) > 50:
        raise InvalidArguments("资质最多 50 项", field="certifications")
    return tuple(sorted(i for i in out if i))
