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
    division = code[1:3]
    if division and DIVISION_SECTION.get(division) != code[:1]:
        right = DIVISION_SECTION.get(division)
        hint = f"，应为 {right}{code[1:]}" if right else ""
        raise InvalidArguments(
            f"行业代码 {code} 有误：大类 {division} 不属于门类 {code[:1]}"
            f"（{SECTIONS_ZH[code[:1]]}）{hint}", field=field)
    return code


# GB/T 4754-2017 大类 (two digits, numbered across the 门类)
DIVISIONS_ZH = {
    "01": "农业", "02": "林业", "03": "畜牧业", "04": "渔业",
    "05": "农、林、牧、渔专业及辅助性活动",
    "06": "煤炭开采和洗选业", "07": "石油和天然气开采业", "08": "黑色金属矿采选业",
    "09": "有色金属矿采选业", "10": "非金属矿采选业", "11": "开采专业及辅助性活动",
    "12": "其他采矿业",
    "13": "农副食品加工业", "14": "食品制造业", "15": "酒、饮料和精制茶制造业",
    "16": "烟草制品业", "17": "纺织业", "18": "纺织服装、服饰业",
    "19": "皮革、毛皮、羽毛及其制品和制鞋业", "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业", "22": "造纸和纸制品业", "23": "印刷和记录媒介复制业",
    "24": "文教、工美、体育和娱乐用品制造业", "25": "石油、煤炭及其他燃料加工业",
    "26": "化学原料和化学制品制造业", "27": "医药制造业", "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业", "30": "非金属矿物制品业", "31": "黑色金属冶炼和压延加工业",
    "32": "有色金属冶炼和压延加工业", "33": "金属制品业", "34": "通用设备制造业",
    "35": "专用设备制造业", "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业", "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业", "40": "仪器仪表制造业", "41": "其他制造业",
    "42": "废弃资源综合利用业", "43": "金属制品、机械和设备修理业",
    "44": "电力、热力生产和供应业", "45": "燃气生产和供应业", "46": "水的生产和供应业",
    "47": "房屋建筑业", "48": "土木工程建筑业", "49": "建筑安装业",
    "50": "建筑装饰、装修和其他建筑业",
    "51": "批发业", "52": "零售业",
    "53": "铁路运输业", "54": "道路运输业", "55": "水上运输业", "56": "航空运输业",
    "57": "管道运输业", "58": "多式联运和运输代理业", "59": "装卸搬运和仓储业", "60": "邮政业",
    "61": "住宿业", "62": "餐饮业",
    "63": "电信、广播电视和卫星传输服务", "64": "互联网和相关服务", "65": "软件和信息技术服务业",
    "66": "货币金融服务", "67": "资本市场服务", "68": "保险业", "69": "其他金融业",
    "70": "房地产业", "71": "租赁业", "72": "商务服务业",
    "73": "研究和试验发展", "74": "专业技术服务业", "75": "科技推广和应用服务业",
    "76": "水利管理业", "77": "生态保护和环境治理业", "78": "公共设施管理业", "79": "土地管理业",
    "80": "居民服务业", "81": "机动车、电子产品和日用产品修理业", "82": "其他服务业",
    "83": "教育", "84": "卫生", "85": "社会工作",
    "86": "新闻和出版业", "87": "广播、电视、电影和录音制作业", "88": "文化艺术业", "89": "体育",
    "90": "娱乐业",
    "91": "中国共产党机关", "92": "国家机构", "93": "人民政协、民主党派", "94": "社会保障",
    "95": "群众团体、社会团体和其他成员组织", "96": "基层群众自治组织及其他组织",
    "97": "国际组织",
}


# The English titles (ISIC-style) of the 门类 and 大类, for the English pages and the API's
# industry_en beside industry_zh.
SECTIONS_EN = {
    "A": "Agriculture, forestry, animal husbandry and fishery", "B": "Mining",
    "C": "Manufacturing", "D": "Electricity, heat, gas and water supply",
    "E": "Construction", "F": "Wholesale and retail trade",
    "G": "Transport, storage and post", "H": "Accommodation and catering",
    "I": "Information transmission, software and IT services", "J": "Finance",
    "K": "Real estate", "L": "Leasing and business services",
    "M": "Scientific research and technical services",
    "N": "Water conservancy, environment and public facilities",
    "O": "Resident, repair and other services", "P": "Education",
    "Q": "Health and social work", "R": "Culture, sports and entertainment",
    "S": "Public administration, social security and social organisations",
    "T": "International organisations",
}

DIVISIONS_EN = {
    "01": "Agriculture", "02": "Forestry", "03": "Animal husbandry", "04": "Fishery",
    "05": "Support activities for agriculture, forestry, animal husbandry and fishery",
    "06": "Mining and washing of coal", "07": "Extraction of petroleum and natural gas",
    "08": "Mining and processing of ferrous metal ores",
    "09": "Mining and processing of non-ferrous metal ores",
    "10": "Mining and processing of non-metallic minerals",
    "11": "Support activities for mining", "12": "Other mining",
    "13": "Processing of food from agricultural products", "14": "Manufacture of foods",
    "15": "Manufacture of liquor, beverages and refined tea",
    "16": "Manufacture of tobacco products", "17": "Manufacture of textiles",
    "18": "Manufacture of textile garments and apparel",
    "19": "Manufacture of leather, fur, feathers and related products, and footwear",
    "20": "Processing of timber and manufacture of wood, bamboo, rattan, palm and "
          "straw products",
    "21": "Manufacture of furniture", "22": "Manufacture of paper and paper products",
    "23": "Printing and reproduction of recording media",
    "24": "Manufacture of articles for culture, education, arts and crafts, sport and "
          "entertainment",
    "25": "Processing of petroleum, coal and other fuels",
    "26": "Manufacture of raw chemical materials and chemical products",
    "27": "Manufacture of medicines", "28": "Manufacture of chemical fibres",
    "29": "Manufacture of rubber and plastic products",
    "30": "Manufacture of non-metallic mineral products",
    "31": "Smelting and pressing of ferrous metals",
    "32": "Smelting and pressing of non-ferrous metals",
    "33": "Manufacture of metal products", "34": "Manufacture of general-purpose machinery",
    "35": "Manufacture of special-purpose machinery", "36": "Manufacture of motor vehicles",
    "37": "Manufacture of railway, ship, aerospace and other transport equipment",
    "38": "Manufacture of electrical machinery and apparatus",
    "39": "Manufacture of computers, communication and other electronic equipment",
    "40": "Manufacture of measuring instruments and meters", "41": "Other manufacturing",
    "42": "Comprehensive use of waste resources",
    "43": "Repair of metal products, machinery and equipment",
    "44": "Production and supply of electricity and heat",
    "45": "Production and supply of gas", "46": "Production and supply of water",
    "47": "Construction of buildings", "48": "Civil engineering",
    "49": "Construction installation",
    "50": "Building decoration, renovation and other construction",
    "51": "Wholesale trade", "52": "Retail trade",
    "53": "Rail transport", "54": "Road transport", "55": "Water transport",
    "56": "Air transport", "57": "Pipeline transport",
    "58": "Multimodal transport and transport agency",
    "59": "Loading, unloading and storage", "60": "Postal services",
    "61": "Accommodation", "62": "Food and beverage services",
    "63": "Telecommunications, broadcasting and satellite transmission services",
    "64": "Internet and related services",
    "65": "Software and information technology services",
    "66": "Monetary and financial services", "67": "Capital market services",
    "68": "Insurance", "69": "Other financial services",
    "70": "Real estate", "71": "Leasing", "72": "Business services",
    "73": "Research and experimental development",
    "74": "Professional technical services",
    "75": "Technology promotion and application services",
    "76": "Water conservancy management",
    "77": "Ecological protection and environmental management",
    "78": "Public facilities management", "79": "Land management",
    "80": "Resident services",
    "81": "Repair of motor vehicles, electronic products and household goods",
    "82": "Other services",
    "83": "Education", "84": "Health", "85": "Social work",
    "86": "News and publishing",
    "87": "Radio, television, film and sound recording production",
    "88": "Culture and art", "89": "Sports", "90": "Entertainment",
    "91": "Organs of the Communist Party of China", "92": "State organs",
    "93": "Chinese People's Political Consultative Conference and democratic parties",
    "94": "Social security",
    "95": "Mass organisations, social organisations and other membership organisations",
    "96": "Grassroots self-governing organisations and other organisations",
    "97": "International organisations",
}


# the first 大类 of each 门类
_SECTION_STARTS = (("A", 1), ("B", 6), ("C", 13), ("D", 44), ("E", 47), ("F", 51), ("G", 53),
                   ("H", 61), ("I", 63), ("J", 66), ("K", 70), ("L", 71), ("M", 73), ("N", 76),
                   ("O", 80), ("P", 83), ("Q", 84), ("R", 86), ("S", 91), ("T", 97))
DIVISION_SECTION = {d: next(s for s, first in reversed(_SECTION_STARTS) if int(d) >= first)
                    for d in DIVISIONS_ZH}


def industry_name(code: str) -> str:
    """The most specific name known for a code: its 大类 when the code has one ("F52" →
    "零售业"), else its 门类 ("C" → "制造业"); "" for a code of no known 门类."""
    division = code[1:3]
    if len(division) == 2 and DIVISION_SECTION.get(division) == code[:1]:
        return DIVISIONS_ZH[division]
    return SECTIONS_ZH.get(code[:1], "")


def industry_name_en(code: str) -> str:
    """`industry_name` in English: "F52" → "Retail trade", "C" → "Manufacturing"."""
    division = code[1:3]
    if len(division) == 2 and DIVISION_SECTION.get(division) == code[:1]:
        return DIVISIONS_EN[division]
    return SECTIONS_EN.get(code[:1], "")


def industry_en(code: str) -> str:
    """`industry_zh` in English: "F52 Retail trade", "C Manufacturing"."""
    return f"{code} {industry_name_en(code)}".strip()


def industry_zh(code: str) -> str:
    """The code with its name, as a page shows it: "F52 零售业", "C 制造业"."""
    return f"{code} {industry_name(code)}".strip()


def industry_codes_of_names() -> dict[str, str]:
    """Each 门类 and 大类 name with its code ("制造业" → "C", "零售业" → "F52"), so that a
    form may take names; a 门类 wins where a 大类 has the same name ("教育" → "P")."""
    out = {name: DIVISION_SECTION[d] + d for d, name in DIVISIONS_ZH.items()}
    out.update({name: s for s, name in SECTIONS_ZH.items()})
    return out


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
    """The size class by the 2017 办法, or None when an indicator its row needs is unknown
    and the known ones do not decide it.

    大型、中型、小型 must reach every listed lower bound, otherwise one class down; what reaches
    no 小型 bound on every indicator is 微型. 微型 needs only one indicator below its 小型 bound
    (微型企业只须满足所列指标中的一项即可), so such an indicator decides it even while another is
    unknown. Revenue and assets are in 万元 (ten thousand yuan).
    """
    values = {Indicator.EMPLOYEES: employees, Indicator.REVENUE: revenue, Indicator.ASSETS: assets}
    sector = size_sector(industry)
    if sector is None:
        return None
    row = SIZE_TABLE[sector]
    needed = [(values[ind], bounds) for ind, *bounds in row.bounds]
    if any(v is None for v, _ in needed):
        if any(v is not None and v < bounds[2] for v, bounds in needed):
            return SizeClass.MICRO
        return None
    for level, size in enumerate((SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL)):
        if all(v is not None and v >= bounds[level] for v, bounds in needed):
            return size
    return SizeClass.MICRO


def size_missing(industry: str | None, *, employees: float | None = None,
                 revenue: float | None = None, assets: float | None = None) -> str | None:
    """Why the size class cannot be computed, in words that say what to fill in; None when
    it can."""
    if industry is None:
        return "请填写所属行业"
    sector = size_sector(industry)
    if sector is None:
        return f"行业 {industry} 包含规模标准不同的行业，请写到下一级代码（如 F52、G592、K7020）"
    values = {Indicator.EMPLOYEES: employees, Indicator.REVENUE: revenue, Indicator.ASSETS: assets}
    missing = [INDICATOR_ZH[ind] for ind, *_ in SIZE_TABLE[sector].bounds if values[ind] is None]
    if missing and classify_size(industry, employees=employees, revenue=revenue,
                                 assets=assets) is None:
        return f"按“{sector}”的标准还须填写{'、'.join(missing)}"
    return None


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


def from_own_contact(requester_phone: str | None, contact_phone: str | None) -> bool | None:
    """Whether a 涉企诉求 came from the phone the enterprise has on file: anyone may give a
    credit code, and the handler should know whether the caller is the enterprise's own
    contact. None when either number is missing."""
    from jiesu.domain.appeal import phone_digits

    if not requester_phone or not contact_phone:
        return None
    return phone_digits(requester_phone) == phone_digits(contact_phone)
