"""Find and redact personal information (个人信息) in Chinese appeal text.

`redact` is the one redaction function for every public output (公开栏, open data, Open311):
call it on every free-text field before it leaves the building. Detection is regex-based with
checksum verification (ID numbers, bank cards) so that ordinary numbers — amounts, dates,
tracking codes like 2026112600123 — stay readable.

Masks never match a detector again, so `redact(redact(t)) == redact(t)` and
`contains_pii(redact(t))` is False.

House numbers (门牌号, 楼栋房号): what names one household is masked, what names a place stays.
- A street number (the number after a road, lane, village or a village row: 多福巷12号, 王庄
  3号院, 5排2号) is masked and the street kept.
- Below a building everything is masked: a room (501室, 25栋1703), a building + unit or door
  (12号楼3单元, 8号楼1门), a unit + floor (3单元5楼). A numbered courtyard (8号院) before its
  building is part of the chain.
- A building + floor (2号楼3层), or a unit alone (3单元), is masked only after a dwelling
  anchor: a street number or a numbered courtyard (幸福路8号院2号楼3层), a residential
  compound's name (阳光小区, 和平里, 三期, 家属院) or a word of dwelling (住在). Without one
  it may be an office or a hotel (市民中心1号楼一楼), or a count of buildings with their height
  (3栋24层的高楼, never masked, nor a floor followed by 高/以上).
- Stays: a building alone (12号楼东侧路灯不亮, 幸福路8号院2号楼门口), a shopfront or lobby
  on a floor (2栋一楼门面), 两 (a count: 两栋, 1楼两家), a building's height (3层楼高), bus and
  metro lines (3路, 2号线), dates and times, amounts, tracking codes.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from jiesu.domain.privacy import (
    COMMON_SURNAMES,
    COMPOUND_SURNAMES,
    MASK,
    luhn_ok,
    mask_name,
    mask_phone,
    valid_id_number,
)
from jiesu.nlp.text import fold_width, is_han

__all__ = [
    "KINDS",
    "PiiMatch",
    "contains_pii",
    "find_pii",
    "luhn_ok",
    "mask_phone",
    "redact",
    "valid_id_number",
]

KINDS = (
    "id_number",
    "bank_card",
    "mobile",
    "landline",
    "plate",
    "email",
    "qq",
    "wechat",
    "house_number",
    "name",
)


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal information: its kind and where it is in the original text."""

    kind: str
    start: int
    end: int
    text: str


# No ASCII letter or digit may touch a number on either side: "电话13812345678" is a phone,
# "20261126001234567" is not. Chinese characters are fine neighbours.
_L = r"(?<![0-9A-Za-z.])"
_R = r"(?![0-9A-Za-z])"

_MOBILE = re.compile(_L + r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _R)
# Area codes: 010, 02x, and 4-digit 03xx–09xx; local numbers never start with 0.
_AREA = r"(?:010|02\d|0[3-9]\d{2})"
# Unseparated, the local part must start with 2–9 so that 0 + 10 digits is not read as one.
_LANDLINE = re.compile(
    _L + r"(?:\(" + _AREA + r"\)[ -]?|" + _AREA + r"[ -]|" + _AREA + r"(?=[2-9]))[1-9]\d{6,7}" + _R
)
# A bare 7–8 digit local number counts only right after a word that announces a phone.
_LOCAL_PHONE = re.compile(
    r"(?:电话|座机|固话|联系方式|号码)(?:号码)?(?:是|为)?[:：]?\s*([2-9]\d{6,7})" + _R
)
_ID_NUMBER = re.compile(
    _L + r"[1-9]\d{5} ?\d{8} ?\d{3}[\dXx]" + _R + "|" + _L + r"[1-8]\d{14}" + _R
)
_BANK_CARD = re.compile(_L + r"[3-69]\d{3}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?" + _R)
# A number the text itself calls a card, an account or an ID number is one even when its check
# digit is wrong: a mistyped card or ID still points at one person's money or identity, and an
# enterprise's 对公账户 has no Luhn digit at all. Elsewhere the checksums keep ordinary numbers
# (order numbers, tracking codes) readable.
_ANNOUNCED_ACCOUNT = re.compile(
    r"(?:银行卡|银行账户|银行帐户|卡号|账号|帐号|账户|帐户)(?:号码?)?(?:是|为)?[:：]?\s*"
    r"(\d(?:[ -]?\d){7,29})" + _R
)
_ANNOUNCED_ID = re.compile(
    r"(?:身份证|证件)(?:号码?)?(?:是|为)?[:：]?\s*"
    r"([1-9]\d{5} ?\d{8} ?\d{3}[\dXx]|[1-9]\d{14})" + _R
)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    "[" + _PROVINCES + r"][A-HJ-NP-Za-hj-np-z][·•・. ]?"
    r"(?:[DFdf][A-HJ-NP-Za-hj-np-z0-9]\d{4}|\d{5}[DFdf]|[A-HJ-NP-Za-hj-np-z0-9]{4}"
    r"[A-HJ-NP-Za-hj-np-z0-9挂学警港澳])" + _R
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_QQ = re.compile(r"(?:QQ|qq|扣扣)(?:号码?)?(?:是|为)?[:：]?\s*([1-9]\d{4,10})" + _R)
_WECHAT = re.compile(r"微信(?:号)?(?:是|为)?[:：]\s*([A-Za-z][-_A-Za-z0-9]{5,19})" + _R)

# 楼栋房号: the building–unit–room part of an address. "3室1厅" describes a flat's layout, not
# which flat, and stays.
# 两 counts ("两栋", "两单元"), it never numbers one.
_NUM = r"(?:[A-Za-z]?\d{1,5}[A-Za-z]?|[一二三四五六七八九十]{1,3})"
_ROOM_END = r"(?:室|号房|房间|号|户)"
# A room number: digits, or a Chinese numeral only with its 室/号/户 ("1楼两家住户" is a count).
_ROOM = (
    r"(?:[A-Za-z]?\d{1,5}[A-Za-z]?" + _ROOM_END + r"?|[一二三四五六七八九十]{1,3}" + _ROOM_END + ")"
)
_HOUSE = re.compile(
    "|".join(
        (
            # 3栋2单元501室, G2栋320, 12号楼3单元, 5幢1-502, 8号楼1门302 (门: a unit's door,
            # as northern cities number them), 8号院2号楼3层 (a numbered courtyard first)
            r"(?:\d{1,4}号院)?" + _NUM + r"(?:栋|幢|号楼|座)(?:" + _NUM + r"(?:单元|门|层|楼))*"
            r"(?:\d{1,2}-\d{3,4}|" + _ROOM + r")?",
            # 12楼3门201号: 楼 is the building when a 门 follows (北京 和平里七区12楼3门)
            r"\d{1,3}楼\d{1,2}门(?:\d{2,4}" + _ROOM_END + r"?)?",
            # 2单元501室, 3单元
            _NUM + r"单元(?:" + _NUM + r"(?:层|楼))?" + _ROOM + "?",
            # 5楼503, 3层301室
            r"\d{1,2}(?:楼|层)\d{3,4}" + _ROOM_END + "?",
            # 501室, 1201号房 (a single digit before 室 is usually a layout like 3室2厅)
            r"\d{2,5}(?:室|号房|房间)(?![厅卫])",
        )
    )
    + r"(?![0-9A-Za-z])"
)

# A floor after a building or a unit: "2号楼3层", "3单元5楼".
_FLOOR_AFTER = re.compile(r"(?:栋|幢|座|号楼|单元|门)" + _NUM + r"[层楼]")
# "3栋24层的高楼", "2栋11层板楼": buildings counted with their height, not a flat.
_COUNTED_FLOOR = re.compile(
    r"的?(?:高|楼高|楼房|高楼|高层|小高层|住宅|公寓|大楼|建筑|板楼|塔楼|洋房|平房)|以上|以下|左右"
)
# "2栋一楼门面": a shopfront or a lobby on that floor is a public place, not a home.
_PUBLIC_FLOOR = re.compile(r"的?(?:门面|商铺|铺面|大堂|大厅)")
# What makes a building + floor (or a unit alone) one household's address: right after a
# street number or a numbered courtyard (幸福路8号院), a residential compound's name
# (阳光小区, 和平里, 三期) or a word of dwelling (住在). Elsewhere "2号楼3层" may be an office
# or a hotel (市民中心1号楼一楼) and "3栋24层" three buildings of 24 storeys.
_DWELLING_ANCHOR = re.compile(
    r"(?:(?:[路街巷弄里条村组屯庄坊]|胡同) ?\d{1,5}(?:[-之]\d{1,4})? ?号院?"
    r"|\d{1,4}号院|小区|花园|家园|新村|公寓|宿舍|大院|家属院|家属区|家属楼|山庄|公馆"
    r"|(?<!工业)(?<!产业)(?<!科技)(?<!软件)(?<!公)园|[苑庭府城居湾郡里]"
    r"|[A-Za-z\d一二三四五六七八九十]区|[\d一二三四五六七八九十]期|住|住在|家住|家在)$"
)

# 门牌号: the number after a road, lane or village ("多福巷12号", "芙蓉路88-2号", "王庄3号院"). In a
# hutong or a village it is one household's gate, so every street number is masked; the road
# name stays, so a reader still knows where. Not after 街道 (a subdistrict office: in
# "街道3号通知" it is a date), 知道 or 这里/那里/公里 ("这里3号停水").
_STREET_NUMBER = re.compile(
    r"(?:(?<=[路街道巷弄里条村组屯庄坊])|(?<=胡同)|(?<=\d排))"
    r"(?<!街道)(?<!知道)(?<!这里)(?<!那里)(?<!哪里)(?<!公里)(?<!千里)"
    r" ?\d{1,5}(?:[-之]\d{1,4})? ?号(?![线文令])"
)


def _words(s: str) -> tuple[str, ...]:
    return tuple(s.split())


_HAN_NUMERALS = frozenset("一二三四五六七八九十两")

# Self-introductions: "我叫张三", "本人李四", "联系人：王五".
_INTRO = re.compile(r"(我叫|我是|本人是?|名叫|姓名[:：]?|联系人[:：]?|户主[:：]?|业主[:：])\s*")
_PUNCT_AFTER_NAME = frozenset("，,。.；;：:！!？?、 （(\n\t")
_HONORIFIC = re.compile(r"先生|女士|小姐|同志|师傅|阿姨|老师")
# What may follow a name: punctuation, space, end, or the start of a common next word.
_AFTER_NAME = _words(
    "反映 是 在 家 住 的 现 向 想 要 来 因 和 与 今 于 系 为 电话 手机 身份证 联系 先生 女士 "
    "小姐 同志 师傅 阿姨 老师 投诉 举报 咨询 请 已 从 自 这 去 于 今年 昨 前 上 年 ， 。"
)
_ROLES = _words(
    "主任 经理 书记 局长 科长 所长 队长 站长 处长 院长 校长 老板 物业 社区 业主 市民 网友 居民 "
    "村民 同学 医生 律师 民警 警官 工作人员 管理员 班主任 领导 部长 组长 主管 老人 儿子 女儿 "
    "主席 市长 区长 县长 镇长 乡长 村长 厅长 联系人 负责人 同志 分管"
)
# Characters that end phrases like "班的老师", "有老师", "车辆是", never a name.
_NOT_NAME_END = frozenset(
    "的了是在们个位名和与跟给些有被对向把班校级科市区县省村镇组队所局厅处部院站人"
)
_FUNCTION_CHARS = frozenset("的了是在们个和与跟给被把对")
# Function characters that start phrases like "向张先生", never a name.
_NOT_NAME_START = frozenset("和与给找请对跟让叫被由同及是位名的了这那该有个在为将把从令即或来")


@cache
def _ordinary_words() -> frozenset[str]:
    """Dictionary words that start with a surname character but are not names (公务员, 居住).

    Read from jieba's dictionary (its part-of-speech tags mark names as nr*), without
    importing jieba (its import scans every installed distribution through pkg_resources)
    or starting its tokenizer: ~30,000 words, about 0.2 s once per process, which `prepare`
    spends at startup rather than in the first registration that mentions a name.
    """
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("the jieba package (a dependency) is not installed")
    words = set()
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if (
                len(parts) == 3
                and 2 <= len(parts[0]) <= 4
                and (parts[0][0] in COMMON_SURNAMES or parts[0][:2] in COMPOUND_SURNAMES)
                and not parts[2].startswith("nr")
            ):
                words.add(parts[0])
    return frozenset(words)


def prepare() -> None:
    """Load the name detector's word list now (at startup), not in the first request."""
    _ordinary_words()


def _name_at(
    text: str,
    pos: int,
    *,
    need_boundary: bool,
    punct_only: bool = False,
    no_word_prefix: bool = False,
) -> str | None:
    """The 2–4 character personal name starting at `pos`, if there plausibly is one."""
    for size in (3, 2, 4):
        cand = text[pos : pos + size]
        if len(cand) != size or not all("\u4e00" <= c <= "\u9fff" for c in cand):
            continue
        if size == 4 and cand[:2] not in COMPOUND_SURNAMES:
            continue
        if cand[0] not in COMMON_SURNAMES and cand[:2] not in COMPOUND_SURNAMES:
            return None
        if cand[0] in _NOT_NAME_START or cand[-1] in _NOT_NAME_END:
            continue
        if cand in _ordinary_words() or (no_word_prefix and cand[:2] in _ordinary_words()):
            continue
        if not need_boundary:
            return cand
        rest = text[pos + size :]
        if punct_only:
            if not rest or rest[0] in _PUNCT_AFTER_NAME:
                return cand
            continue
        if (
            not rest
            or not ("\u4e00" <= rest[0] <= "\u9fff")
            or any(rest.startswith(w) for w in _AFTER_NAME)
        ):
            return cand
    return None


def _names(text: str, given: Iterable[str]) -> Iterable[tuple[str, int, int]]:
    for name in {n.strip() for n in given}:
        if len(name) < 2:  # one character would flag half the text
            continue
        start = text.find(name)
        while start != -1:
            yield "name", start, start + len(name)
            start = text.find(name, start + len(name))
    for m in _INTRO.finditer(text):
        intro = m.group(1)
        # "我是…" and "本人…" are followed by nouns as often as by names (我是业主, 本人房屋).
        found = _name_at(
            text,
            m.end(),
            need_boundary=True,
            punct_only=intro == "我是",
            no_word_prefix=intro.startswith("本人"),
        )
        if found:
            yield "name", m.end(), m.end() + len(found)
    for title in _HONORIFIC.finditer(text):
        yield from _titled_name(text, title.start())


def _titled_name(text: str, title_at: int) -> Iterable[tuple[str, int, int]]:
    """A full name right before a title (张三先生), looking back 2–4 汉字."""
    for size in (4, 3, 2):
        head_start = title_at - size
        head = text[max(head_start, 0) : title_at]
        if head_start < 0 or not all("\u4e00" <= c <= "\u9fff" for c in head):
            continue
        before_title = text[: title_at - 1]
        if any(before_title.endswith(role) for role in _ROLES):  # 主任李女士: surname + title
            continue
        # "张三先生" names someone; "王女士" (surname + title) is the usual public form.
        for cut in range(len(head) - 1):
            cand = head[cut:]
            start = head_start + cut
            # Only at a phrase start or after a role ("副主任周林术同志"): mid-sentence heads
            # like "下来的老同志" are not names.
            if (
                start > 0
                and is_han(text[start - 1])
                and not any(text[:start].endswith(role) for role in _ROLES)
            ):
                continue
            if any(c in _FUNCTION_CHARS for c in cand) or cand[1:] in _ordinary_words():
                continue
            surname_len = 2 if cand[:2] in COMPOUND_SURNAMES else 1
            if len(cand) > surname_len and _name_at(cand, 0, need_boundary=False) == cand:
                yield "name", start, title_at
                return


def _candidates(folded: str, names: Iterable[str]) -> Iterable[tuple[str, int, int]]:
    for m in _ID_NUMBER.finditer(folded):
        if valid_id_number(m.group().replace(" ", "")):
            yield "id_number", m.start(), m.end()
    for m in _BANK_CARD.finditer(folded):
        digits = re.sub(r"[ -]", "", m.group())
        if 16 <= len(digits) <= 19 and luhn_ok(digits):
            yield "bank_card", m.start(), m.end()
    for m in _ANNOUNCED_ID.finditer(folded):
        yield "id_number", m.start(1), m.end(1)
    for m in _ANNOUNCED_ACCOUNT.finditer(folded):
        yield "bank_card", m.start(1), m.end(1)
    for m in _MOBILE.finditer(folded):
        yield "mobile", m.start(), m.end()
    for m in _LANDLINE.finditer(folded):
        yield "landline", m.start(), m.end()
    for m in _LOCAL_PHONE.finditer(folded):
        yield "landline", m.start(1), m.end(1)
    for m in _PLATE.finditer(folded):
        if sum(ch.isdigit() for ch in m.group()) >= 3:
            yield "plate", m.start(), m.end()
    for m in _EMAIL.finditer(folded):
        yield "email", m.start(), m.end()
    for m in _QQ.finditer(folded):
        yield "qq", m.start(1), m.end(1)
    for m in _WECHAT.finditer(folded):
        yield "wechat", m.start(1), m.end(1)
    for m in _HOUSE.finditer(folded):
        if _names_a_dwelling(folded, m.start(), m.end()):
            yield "house_number", m.start(), m.end()
    for m in _STREET_NUMBER.finditer(folded):
        yield "house_number", m.start(), m.end()
    yield from _names(folded, names)


def _names_a_dwelling(text: str, start: int, end: int) -> bool:
    """Whether the building/unit/floor/room chain `text[start:end]` names a household.

    A room (501室, 25栋1703) or a building + unit or door (12号楼3单元) always does; a floor
    (层/楼) or a unit alone does after an anchor (see `_DWELLING_ANCHOR`); a bare building
    ("16栋电梯") never does.
    """
    s = text[start:end]
    if s[-1].isdigit() or s.endswith(("室", "号房", "房间", "户", "号")):
        return True
    building = any(b in s for b in ("栋", "幢", "号楼", "座"))
    below = "单元" in s or "门" in s or _FLOOR_AFTER.search(s) is not None
    if not below:
        return False
    has_digit = any(ch.isdigit() for ch in s)
    if has_digit and building and ("门" in s or "单元" in s):
        return True
    if _COUNTED_FLOOR.match(text, end) or _PUBLIC_FLOOR.match(text, end):
        return False  # 3栋24层的高楼 (three 24-storey buildings), 2栋一楼门面 (a shop)
    floor = _FLOOR_AFTER.search(s) is not None
    if has_digit and "单元" in s and not building and floor:
        return True  # 3单元5楼: one landing of one stairway
    if not (building or floor or has_digit):
        return False  # 一二单元: which units, in words, of which building?
    return "号院" in s or _DWELLING_ANCHOR.search(text, max(0, start - 24), start) is not None


_PRIORITY = {kind: i for i, kind in enumerate(KINDS)}


def find_pii(text: str, names: Iterable[str] = ()) -> list[PiiMatch]:
    """All personal information in `text`, non-overlapping, in reading order.

    `names` are names the requester gave (诉求人姓名, contacts); they are found verbatim.
    Where two detectors overlap, the more specific kind wins (an ID number over a bank card).
    """
    folded = fold_width(text)
    found = sorted(
        set(_candidates(folded, names)), key=lambda c: (_PRIORITY[c[0]], c[1] - c[2], c[1])
    )
    taken: list[tuple[str, int, int]] = []
    for kind, start, end in found:
        if all(end <= s or start >= e for _, s, e in taken):
            taken.append((kind, start, end))
    taken.sort(key=lambda c: c[1])
    return [PiiMatch(kind, s, e, text[s:e]) for kind, s, e in taken]


def _mask_chars(s: str, keep_start: int, keep_end: int) -> str:
    """Mask letters and digits but the first/last few, keeping separators where they are."""
    idx = [i for i, ch in enumerate(s) if ch.isalnum()]
    keep = set(idx[:keep_start]) | (set(idx[len(idx) - keep_end :]) if keep_end else set())
    return "".join(MASK if (i not in keep and ch.isalnum()) else ch for i, ch in enumerate(s))


def _mask_email(s: str) -> str:
    local, _, domain = s.partition("@")
    return local[:1] + MASK * 3 + "@" + domain


def _mask_house(s: str) -> str:
    return "".join(
        MASK if (ch.isascii() and ch.isalnum()) or ch in _HAN_NUMERALS else ch for ch in s
    )


_MASKERS: dict[str, Callable[[str], str]] = {
    "id_number": lambda s: _mask_chars(s, 6, 4 if len(s.replace(" ", "")) == 18 else 3),
    "bank_card": lambda s: _mask_chars(s, 4, 4),
    "mobile": mask_phone,
    "landline": mask_phone,
    "plate": lambda s: s[:2] + _mask_chars(s[2:], 0, 0),
    "email": _mask_email,
    "qq": lambda s: _mask_chars(s, 2, 2),
    "wechat": lambda s: _mask_chars(s, 1, 1),
    "house_number": _mask_house,
    "name": mask_name,
}


def redact(text: str, names: Iterable[str] = ()) -> str:
    """`text` with every piece of personal information masked (138****5678, 张**, *栋*单元***室)."""
    folded = fold_width(text)
    out: list[str] = []
    pos = 0
    for m in find_pii(text, names):
        out.append(text[pos : m.start])
        out.append(_MASKERS[m.kind](folded[m.start : m.end]))
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


def contains_pii(text: str) -> bool:
    """True if `text` still shows a whole phone number or a valid ID number.

    The guard for tests of public outputs; cheaper and stricter than `find_pii` (no names,
    no addresses), so it can run on every rendered page.
    """
    folded = fold_width(text)
    if _MOBILE.search(folded) or _LANDLINE.search(folded) or _LOCAL_PHONE.search(folded):
        return True
    return any(valid_id_number(m.group().replace(" ", "")) for m in _ID_NUMBER.finditer(folded))
