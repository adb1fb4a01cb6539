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
- Below a building everything is masked: a room (501室, 1806房, 25栋1703, 4#1501房), a
  building + unit or door (12号楼3单元, 8号楼1门), a unit + floor (3单元5楼), building-unit-room
  in figures (3-2-501, a33-1-601; 2-204 right after a compound's name). A numbered courtyard
  (8号院) before its building is part of the chain.
- A building + floor (2号楼3层), or a unit alone (3单元), is masked only after a dwelling
  anchor: a street number or a numbered courtyard (幸福路8号院2号楼3层), a residential
  compound's name (阳光小区, 和平里, 三期, 家属院) or a word of dwelling (住在). Without one
  it may be an office or a hotel (市民中心1号楼一楼), or a count of buildings with their height
  (3栋24层的高楼, never masked, nor a floor followed by 高/以上).
- Rooms listed after a masked one are masked too (9栋201、202、401); a room in Chinese digits
  counts with a 零 in it (三单元五零一, 五零二室). A building numbered by a letter alone with
  bare digits after it (a栋4002, A座1203) and two parts in figures (5-2902) are a flat only
  after a dwelling anchor or near a word of home (我家, 住在, 业主, 楼上): without one they are
  as often an office or a range. A lettered building + floor (B栋3楼) needs the word of home
  (小区B栋一楼规划的消防通道 is a public place).
- Stays: a building alone (阳光小区3号楼电梯停运, 12号楼东侧路灯不亮, 幸福路8号院2号楼门口):
  dozens of households share it and what it names is theirs together (the lift, the roof), so
  it says where, not who; the public pages say so. Also a shopfront or lobby on a floor
  (2栋一楼门面), 两 (a count: 两栋, 1楼两家), a building's height (3层楼高), a number after a
  building that is no room (3号楼5号楼之间, 3号楼100米外, 3栋20多户, 16栋08户型), ranges
  (200-300元, 18-18-18), bus and metro lines (3路, 2号线, 100号公交), a day of the month
  (我们村3号停电), dates and times (12-25-2019), amounts, tracking codes, and a shop's number
  (1-2-245号商铺, B2栋155门面, 25栋110号万囍宾馆): it is on the shop's sign and names a business,
  not a home. So does the block of an office, mall or market building, whose room is still
  masked (嘉熙国际中心a座****室), and a mall unit that only an owner's word (业主) calls a home.
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
    SURNAMES_BY_FREQUENCY,
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
# A room read digit by digit in Chinese (五零一, 一二零三): a 零 makes it a door, not a count or
# a month (三单元五零一, 五零二室; never 七零八落 or 二零一七年, which no building precedes).
_HAN_ROOM = r"[一二三四五六七八九](?=[一二三四五六七八九]?[零〇])[零〇一二三四五六七八九]{2,3}"
# A building numbered by a letter alone (a栋, A座, b幢): like 3栋, it needs a room after it.
_LETTER_BUILDING = r"(?<![0-9A-Za-z])[A-Za-z](?=[栋幢座]|号楼)"
# A building: 3栋, 3幢, 3号楼, 9号栋, A座, and as builders and buyers write it 3#, 3#楼.
_BUILDING = r"(?:栋|幢|号楼|号栋|座|#[楼栋幢]?)"
# A space may part a building from its room when the room has its word (2# 205户, 3栋 501室);
# without one the number after a space is as often a count, a year or a length (2# 20户已入住,
# 3# 2019年交房), and 户型 is a layout.
_SPACE_BEFORE_ROOM = (
    r"(?: (?=[A-Za-z]?(?:\d{1,5}[A-Za-z]?(?:室|号房|房间|房(?![补改产]))|\d{3,5}户(?!型))))?"
)
# 房 ends a room too (1806房, 411房屋), but not a year's 房补/房改 (2005房补文件).
_ROOM_END = r"(?:室|号房|房间|房(?![补改])|号|户)"
# A room number: digits, or a Chinese numeral only with its 室/号/户 ("1楼两家住户" is a count;
# "一房一价" a price list). Bare digits count from three (501, 1703: floor and door), so that a
# building is not read with a floor list, a length, a count or a year (2号栋1、2、3楼,
# 3号楼100米外, 3栋20多户, 5栋2018年建成, 5栋70多户); 户 ends a room of three digits or more
# (3#103户, not 3栋20户 or the layout 16栋08户型). Nor is a number a room when another building
# follows it (3号楼5号楼之间, 1#2#3#栋).
_ROOM = (
    r"(?:[A-Za-z]?\d{1,5}[A-Za-z]?(?:室|号房|房间|房(?![补改]))|[A-Za-z]?\d{3,5}户"
    r"|[A-Za-z]?\d{1,5}[A-Za-z]?号(?![楼栋幢座#户])"
    r"|[A-Za-z]?\d{3,5}[A-Za-z]?"
    r"(?![\dA-Za-z号楼栋幢座#米多余年月日天个元块平层级人户家辆台次万千百来%％])"
    r"|[一二三四五六七八九十]{1,3}(?:室|号房|房间|号|户)(?![楼栋幢座#])"
    r"|" + _HAN_ROOM + r"(?:室|号房|房间|号|户)?(?![零〇一二三四五六七八九十楼栋幢座#年月日号]))"
)
# Building–unit–room in figures: 3-2-501, a33-1-601, 2-16-2-501, 2-204, 7-106房. With three
# parts or more, or a room's word after it, it is a flat; two parts alone may be a range
# (200-300元, 80-100分贝) and count only right after a dwelling anchor (花语书苑2-204).
_DASHED = (
    r"[A-Za-z]?\d{1,2}[A-Za-z]?(?:-\d{1,2}){0,2}-\d{3,4}(?![\d-])(?:室|号房|房间|房(?![补改]))?"
)
_DASHED_ROOM = re.compile(_DASHED)
_HOUSE = re.compile(
    r"(?=[A-Za-z\d一二三四五六七八九十])(?:"
    + "|".join(
        (
            # 3栋2单元501室, G2栋320, 12号楼3单元, 5幢1-502, 8号楼1门302 (门: a unit's door,
            # as northern cities number them), 8号院2号楼3层 (a numbered courtyard first),
            # 4#1501房
            r"(?:\d{1,4}号院)?(?:" + _NUM + "|" + _LETTER_BUILDING + ")" + _BUILDING
            + _SPACE_BEFORE_ROOM
            + r"(?:" + _NUM + r"(?:单元|门(?![面店])|层|楼))*"
            r"(?:\d{1,2}(?:-\d{1,2})?-\d{3,4}(?![\d-])|" + _ROOM + r")?",
            # 12楼3门201号: 楼 is the building when a 门 follows (北京 和平里七区12楼3门)
            r"\d{1,3}楼\d{1,2}门(?:\d{2,4}" + _ROOM_END + r"?)?",
            # 2单元501室, 3单元
            _NUM + r"单元(?:" + _NUM + r"(?:层|楼))?" + _ROOM + "?",
            # 5楼503, 3层301室
            r"\d{1,2}(?:楼|层)\d{3,4}" + _ROOM_END + "?",
            # 501室, 1201号房, 1806房 (a single digit before 室 is usually a layout like 3室2厅;
            # no flat's door is 00: 阳光100房屋 is an estate; 2017房产 a year)
            r"(?:\d{2,5}(?:室|号房|房间)|(?!\d*00房)\d{3,5}房(?![补改产]))(?![厅卫])(?![0-9A-Za-z])",
            # 五零二室: a room in Chinese digits with its word
            _HAN_ROOM + r"(?:室|号房|房间)",
            # 3-2-501, 2-204 (no digit, letter, dot or dash before it: not 2019-1-1101)
            # (or a letter right after a room's three digits: a34-3-501b16-3-501, two flats
            # run together)
            r"(?:(?<![\dA-Za-z.-])|(?<=\d{3})(?=[A-Za-z]\d))" + _DASHED,
        )
    )
    + ")"
)

# A floor after a building or a unit: "2号楼3层", "3单元5楼".
_FLOOR_AFTER = re.compile(r"(?:栋|幢|座|号楼|#|单元|门)" + _NUM + r"[层楼]")
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
    r"|(?<!工业)(?<!产业)(?<!科技)(?<!软件)(?<!公)(?<!乐)园|[苑庭府城居湾郡里]"
    r"|[A-Za-z\d一二三四五六七八九十]区|[\d一二三四五六七八九十]期|住|住在|家住|家在)$"
)

# 门牌号: the number after a road, lane or village ("多福巷12号", "芙蓉路88-2号", "王庄3号院"). In a
# hutong or a village it is one household's gate, so every street number is masked; the road
# name stays, so a reader still knows where. Not after 街道 (a subdistrict office: in
# "街道3号通知" it is a date), 知道 or 这里/那里/公里 ("这里3号停水"). Nor a day of the month
# that a time or an event follows (我们村3号停电, 小组12号上午开会), nor a metro or bus line
# (万家丽路5号地铁线, 解放路100号公交车).
_DAY_EVENT = (
    "上午|下午|中午|早上|晚上|凌晨|傍晚|当天|那天|开始|左右|以前|之前|以后|之后"
    "|停水|停电|停气|开会|召开|封路"
)
_STREET_NUMBER = re.compile(
    r"(?:(?<=[路街道巷弄里条村组屯庄坊])|(?<=胡同)|(?<=\d排))"
    r"(?<!街道)(?<!知道)(?<!这里)(?<!那里)(?<!哪里)(?<!公里)(?<!千里)"
    r"(?! ?(?:[12]?\d|3[01]) ?号(?:" + _DAY_EVENT + "))"
    r" ?\d{1,5}(?:[-之]\d{1,4})? ?号(?![线文令]|地铁|公交)"
)


def _words(s: str) -> tuple[str, ...]:
    return tuple(s.split())


_HAN_NUMERALS = frozenset("一二三四五六七八九十两零〇")

# Self-introductions: "我叫张三", "本人李四", "联系人：王五".
_INTRO = re.compile(r"(我叫|我是|本人是?|名叫|姓名[:：]?|联系人[:：]?|户主[:：]?|业主[:：])\s*")
# 姓邓名权义, 姓覃，名叫覃建华: the surname, then the given name (with the surname again).
_SURNAME_THEN_NAME = re.compile(
    "姓("
    + "|".join(sorted(COMPOUND_SURNAMES))
    + "|["
    + "".join(sorted(COMMON_SURNAMES))
    + "])[，,、 ]?(?:(?:名字?叫|名字?是|名)(\\1)?|叫(\\1))"
)
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
    "的了是在们个位名和与跟给些有被对向把班校级科市区县省村镇组队所局厅处部院站人您你我他她"
)
_FUNCTION_CHARS = frozenset("的了是在们个和与跟给被把对")
# Function characters that start phrases like "向张先生", never a name.
_NOT_NAME_START = frozenset("和与给找请对跟让叫被由同及是位名的了这那该有个在为将把从令即或来")


# The second character of a verb + complement (掐住, 拖走, 推倒, 打伤, 赶出).
_COMPLEMENTS = frozenset("住走倒伤出起开掉跑死翻坏破断")
# First characters of what a wrongdoer is said to do (独揽, 私自, 擅自, 拒不, 欠款, 瞒报, 骗取,
# 偷偷, 寄出, 杀害, 懒政), which a given name seldom ends with: a three-character name ending in
# one is two and the verb (组长胡洁独览 -> 胡洁, a typo of 独揽; 老板张赛拒不承认 -> 张赛), unless
# the context closes the three (父亲苏军欠。, 法人代表谢彪寄，: names in the data).
_VERB_HEADS = frozenset("独私擅拒欠瞒骗偷寄杀懒")


@dataclass(frozen=True)
class _Lexicon:
    """What the name detectors need of jieba's dictionary (its tags mark names as nr*)."""

    ordinary: frozenset[str]  # 2-4 character words that start with a surname, not names
    tags: dict[str, str]  # 2-character words in common use (not names) -> part of speech
    # words jieba tags as names but that are mostly words (陈述, 许可, 顾全大局) or public figures
    frequent_names: frozenset[str]
    frequent: frozenset[str]  # two-character words used very often (电话, 工作), never a given name
    # two-character names jieba knows that may be words too (马虎, 高达, 安保), not a famous
    # person's (李强)
    names: frozenset[str]
    # verbs too rare to be in `tags`, and verb + complement however common (掐住, 拖走, 推倒,
    # 接访): a name before one ends a character earlier (主任洪可掐住脖子 -> 洪可, 李健接访 -> 李健)
    verbs: frozenset[str]
    # three-character names jieba knows (王国林), though surname + first given is a word (王国)
    full_names: frozenset[str]
    # single characters -> part of speech (杰 nr, 送 v, 而 c)
    chars: dict[str, str]


@cache
def _lexicon() -> _Lexicon:
    """Read jieba's dictionary once, without importing jieba.

    Importing jieba scans every installed distribution through pkg_resources, and its
    tokenizer is not needed: ~30,000 ordinary words starting with a surname (公务员, 居住) and
    ~43,000 common two-character words, about 0.3 s once per process, which `prepare` spends
    at startup rather than in the first registration that mentions a name.
    """
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("the jieba package (a dependency) is not installed")
    words = set()
    tags = {}
    frequent_names = set()
    frequent = set()
    names = set()
    verbs = set()
    full_names = set()
    chars = {}
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3:
                continue
            word = parts[0]
            if len(word) == 1:
                chars[word] = parts[2]
            if parts[2].startswith("nr"):
                if word[0] in COMMON_SURNAMES and (int(parts[1]) >= 200 or len(word) == 4):
                    frequent_names.add(word)
                # nrfg: a famous person's name (李强), a name only, not a word too
                if len(word) == 2 and word[0] in COMMON_SURNAMES and parts[2] != "nrfg":
                    names.add(word)
                if len(word) == 3 and word[0] in COMMON_SURNAMES and parts[2] == "nr":
                    full_names.add(word)
                continue
            if 2 <= len(word) <= 4 and (
                word[0] in COMMON_SURNAMES or word[:2] in COMPOUND_SURNAMES
            ):
                words.add(word)
            # a rare verb ending in a grammar word is mostly a misparse (明于 in 黎文明于2019年)
            if len(word) == 2 and parts[2] == "v" and (
                word[1] in _COMPLEMENTS or (int(parts[1]) < 20 and word[1] not in _GIVEN_STOP)
            ):
                verbs.add(word)
            if len(word) == 2 and int(parts[1]) >= 20:
                tags[word] = parts[2]
                if int(parts[1]) >= 2000 and not parts[2].startswith(("ns", "nz", "t", "s")):
                    frequent.add(word)
    return _Lexicon(
        frozenset(words),
        tags,
        frozenset(frequent_names),
        frozenset(frequent),
        frozenset(names),
        frozenset(verbs),
        frozenset(full_names),
        chars,
    )


def _ordinary_words() -> frozenset[str]:
    """Dictionary words that start with a surname character but are not names (公务员, 居住)."""
    return _lexicon().ordinary


def prepare() -> None:
    """Load the name detectors' word lists now (at startup), not in the first request."""
    _lexicon()


def _name_at(
    text: str,
    pos: int,
    *,
    need_boundary: bool,
    punct_only: bool = False,
    no_word_prefix: bool = False,
    strong: bool = False,
) -> str | None:
    """The 2–4 character personal name starting at `pos`, if there plausibly is one.

    `strong`: the cue always introduces a name (我叫, 名叫, 姓名：), so a name closed by a
    punctuation mark may end in a character that usually ends a word (我叫曹正科，).
    """
    fallback = None
    for size in (3, 2, 4) if need_boundary else (4, 3, 2):
        cand = text[pos : pos + size]
        if len(cand) != size or not all("\u4e00" <= c <= "\u9fff" for c in cand):
            continue
        if size == 4 and cand[:2] not in COMPOUND_SURNAMES:
            continue
        if cand[0] not in COMMON_SURNAMES and cand[:2] not in COMPOUND_SURNAMES:
            return None
        if cand[0] in _NOT_NAME_START:
            continue
        if cand[-1] in _NOT_NAME_END and not (
            strong
            and cand[-1] not in _FUNCTION_CHARS
            and text[pos + size : pos + size + 1] in _PUNCT_AFTER_NAME
        ):
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
        if cand[-1] + rest[:1] in _lexicon().tags:
            # the name's last character starts the next word: 本人于明年毕业; but after 我叫
            # nothing else fits either: 我叫张立高于1976年
            fallback = fallback or (cand if strong and size == 3 else None)
            continue
        if (
            not rest
            or not ("\u4e00" <= rest[0] <= "\u9fff")
            or any(rest.startswith(w) for w in _AFTER_NAME)
        ):
            return cand
    return fallback


def _everywhere(text: str, names: Iterable[str]) -> Iterable[tuple[str, int, int]]:
    """Every occurrence of each of `names` (two characters or more) in `text`."""
    for name in names:
        if len(name) < 2:  # one character would flag half the text
            continue
        start = text.find(name)
        while start != -1:
            yield "name", start, start + len(name)
            start = text.find(name, start + len(name))


# A 网友's handle in quotes (“范红星”网友, 网友“邹建礼”): the requester's own name when it reads
# as a full one; most handles are words (“农夫”, “风雨无阻”) or codes (UU0082012) and stay.
_HANDLE = re.compile(
    r"网友[“\"]([\u4e00-\u9fff]{2,4})[”\"]|[“\"]([\u4e00-\u9fff]{2,4})[”\"]\s*网友"
)


def _names(text: str, given: Iterable[str]) -> Iterable[tuple[str, int, int]]:
    yield from _everywhere(text, {n.strip() for n in given})
    if "网友" in text:
        for m in _HANDLE.finditer(text):
            group = 1 if m.group(1) else 2
            if _party_name_ok(m.group(group), closed=True):
                yield "name", m.start(group), m.end(group)
    for m in _INTRO.finditer(text):
        intro = m.group(1)
        # "我是…" and "本人…" are followed by nouns as often as by names (我是业主, 本人房屋).
        found = _name_at(
            text,
            m.end(),
            need_boundary=True,
            punct_only=intro == "我是",
            no_word_prefix=intro.startswith("本人"),
            strong=intro in ("我叫", "名叫", "姓名:", "姓名："),
        )
        if (
            found
            and intro.startswith("本人")
            and (found[0] in _WORDY_SURNAMES or found in _lexicon().frequent_names)
            and (
                _lexicon().tags.get(found[1:]) == "t"
                or not _closed_at(text, m.end() + len(found), digits=False)
            )
        ):
            # 本人于今年, 她本人都声称, 本人查明: a preposition, an adverb, a verb jieba also
            # lists as a name; but 本人向孟运，
            continue
        if found:
            yield "name", m.end(), m.end() + len(found)
    for title in _HONORIFIC.finditer(text):
        yield from _titled_name(text, title.start())
    for m in _SURNAME_THEN_NAME.finditer(text):
        at = m.end()
        size = 1 if _closed_at(text, at + 1) else 2
        chars = text[at : at + size]
        if len(chars) < size or not all(
            is_han(c) and c not in _GIVEN_STOP and c not in _NOT_NAME_START for c in chars
        ):
            continue
        # 姓覃，叫覃建华 -> 姓覃，叫覃**; 姓邓名权义 -> 姓邓**: the cue between them is masked too
        again = m.start(2) if m.group(2) else m.start(3) if m.group(3) else m.start(1)
        yield "name", again, at + size


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
                and _in_words(text, start)
                and not any(text[:start].endswith(role) for role in _ROLES)
            ):
                continue
            if any(c in _FUNCTION_CHARS for c in cand) or _HONORIFIC.search(cand):
                continue  # 但老师老师, 师傅师傅: a title is not part of a name
            if cand[0] in _PLACE_SUFFIXES and _ascii_alnum(text[start - 1 : start]):
                continue  # A3区一小老师: a district's school
            # 下来的老同志: the head is a word; but 张国庆女士 names someone after a clear start
            clear = start == 0 or not _in_words(text, start)
            if cand[1:] in _ordinary_words() and not (clear and len(cand) == 3):
                continue
            surname_len = 2 if cand[:2] in COMPOUND_SURNAMES else 1
            if len(cand) > surname_len and _name_at(cand, 0, need_boundary=False) == cand:
                yield "name", start, title_at
                return


# Third parties the requester names (邻居张建国, 楼上李四家门口, 法人付华俊, 刘毅俊夫妇). A full
# name, a surname and one or two given characters, counts only where the words around it say
# it is a person: right after a role (邻居, 业主, 老板, 负责人, 报告人 …), right before 家 and
# what is at a home (家门口, 家的狗), before 夫妇/一家/等人, or before an official's title
# (胡华衡书记, 社区朱红焰书记, 县委赵玉书记). A name so found is then masked wherever the text
# repeats it. Surname + title alone (王先生, 李经理, 胡书记) is the usual public form and stays;
# so do place and shop names that only look like names (王府井, 张家湾, 李村, 刘记): they come
# without such a context, or start a dictionary word.
_PARTY_ROLES = _words(
    "邻居 房东 房主 租户 租客 住户 户主 业主 村民 居民 老板 老板娘 店主 车主 负责人 法人 "
    "法人代表 法定代表人 承包人 包工头 经理 组长 队长 村长 支书 会计 出纳 主任 书记 局长 科长 "
    "所长 站长 处长 院长 校长 厂长 部长 楼长 网格员 委员 干部 老师 医生 护士 民警 警官 司机 保安 "
    "员工 工人 同事 丈夫 妻子 老公 老婆 儿子 女儿 父亲 母亲 哥哥 姐姐 弟弟 妹妹 当事人 男子 女子 "
    # people an appeal names by who they are to it (举报人：李辉光, 患者文家善, 工作人员李春宇)
    "举报人 投诉人 信访人 申请人 反映人 报案人 受害人 嫌疑人 监护人 代理人 委托人 联系人 "
    # who signs or handles a complaint (报告人：, 控告人:, 经办人：, 诉求人：, 被执行人)
    "报告人 控告人 被控告人 被举报人 被投诉人 诉求人 求助人 申诉人 请求人 上访人 留言人 咨询人 "
    "来电人 经办人 承办人 办理人 经手人 收件人 发件人 责任人 被执行人 合伙人 实际控制人 "
    "工作人员 人员 职工 股东 干部 村干部 学生 患者 病人 死者 伤者 教练 业务员 销售员 快递员 "
    "师傅 老人 老太 老伯 大爷 大妈 阿姨 爷爷 奶奶 外公 外婆 孙子 孙女 外孙 女婿 儿媳 爱人 "
    "前妻 前夫 侄子 外甥 总监"
)
# Where a neighbour lives: a name after these counts only with 家 after it (楼下李四家), as a
# shop's name often follows them too (楼下牛聋子粉馆).
_NEIGHBOURS = _words("楼上 楼下 隔壁 对门 对面")
_ROLES_AND_NEIGHBOURS = frozenset((*_PARTY_ROLES, *_NEIGHBOURS))
_ROLE_SIZES = sorted({len(w) for w in _ROLES_AND_NEIGHBOURS})
_PARTY_TITLES = _words(
    "书记 主任 经理 局长 科长 所长 队长 站长 处长 院长 校长 厂长 部长 组长 村长 老板 医生 会计 "
    "律师 警官 主席 董事长 老师 同志 网格员 楼长 镇长 乡长 县长 区长 市长 厅长 大队长 中队长"
)
_TITLE_SET = frozenset(_PARTY_TITLES)
# The last character of an organisation's or a place's name (社区, 物业, 教育局, 汉回村, 县委,
# 公司, 街道, 政府, 中心, 中学, a county bureau's section 基教股): an official's full name
# between it and a title is closed, as after a punctuation mark (社区朱红焰书记, 县委赵玉书记,
# 物业王丽经理).
_UNIT_ENDS = frozenset("区村委局科办所站队部处院校学镇乡厂店组会司业道府心行团馆社股")
# The last character of a word of time (当年, 事前, 之后, 2008年, 当时)
_TIME_ENDS = frozenset("年前后时")
_PARTY_GROUPS = _words("夫妇 一家 全家 父子 母子 父女 母女 兄弟 姐妹 等人 一伙 两口子")
# 家 followed by what is at someone's home: 李四家门口, 王二家的狗, 张三家违建.
_AT_HOME = (
    r"家(?=门|的|里|中|院|房|屋|楼|后|前|旁|对面|附近|隔壁|装修|违|私自|搭|占|养|堆|乱|擅|一直|经常|总是"
    r"|长期|人|孩子|小孩|老人|狗|[，。、；！？,.;!?\s]|$)"
)


_AT_HOME_RE = re.compile(_AT_HOME)


def _first_chars(words: Iterable[str]) -> str:
    # A leading class lets the regex skip most positions at once (an alternation of literals
    # is tried word by word at every position): the scan is on the board's search path.
    return "(?=[" + "".join(sorted({w[0] for w in words})) + "])"


_PARTY_AFTER = re.compile(
    _first_chars(("家", "副", *_PARTY_GROUPS, *_PARTY_TITLES))
    + "(?:"
    + "|".join((_AT_HOME, *_PARTY_GROUPS, "副?(?:" + "|".join(_PARTY_TITLES) + ")"))
    + ")"
)
_PARTY_BEFORE = re.compile(
    _first_chars(_PARTY_ROLES)
    + "(?P<role>"
    + "|".join(sorted(_PARTY_ROLES, key=len, reverse=True))
    + ")[:：（()）]?(?=["
    + "".join(sorted(COMMON_SURNAMES))
    + "])"
)
# The ~200 most common surnames, less those that are more often a word of their own (于, 和,
# 都, 全 …), so that "业主都知道" is not read as a name.
_WORDY_SURNAMES = frozenset("于向和都时全应万那由来但常连车祝房路")
_PARTY_SURNAMES = frozenset(SURNAMES_BY_FREQUENCY[:200]) - _WORDY_SURNAMES
# Where the name is closed (see _closed_at), the rarer surnames count too (晏, 仇, 商, 湛, 禤),
# less those that are mostly words of their own or start many (区, 海, 国, 门, 信 …): the
# dictionary check of surname + first given character stops the rest (居民安全, 业主权益).
_CLOSED_SURNAMES = (
    frozenset(SURNAMES_BY_FREQUENCY)
    - _WORDY_SURNAMES
    - frozenset("位区海花权强豆盖练井支国平计相初门云容敬普薄阿母修宿印战危玉公利呼居干信")
    - frozenset("展智幸富元")
    - frozenset("楼师原")  # 居民楼林立, 会计师班, 原档案局长
)
# Surnames that are mostly words of their own (于 a preposition, 向 toward, 时, 万, 常 …):
# a name with one counts only where the context closes it (妻子于梅娥，, ，于海洋书记), with two
# given characters, and neither they nor surname + first given character are a word (业主于是，,
# 居民常常，, 业主于今年，, 村民于三月，).
_WORD_SURNAMES = frozenset("于向时万常全连祝房路应")
# What closes a name: a punctuation mark, a space or the end, or a word that follows a person
# (业主张国庆反映, 儿子王栋，男, 村民刘生文系…).
_PUNCTUATION = frozenset("，,。.；;：:！!？?、 （()）“”\"'《》\n\t")
_CLOSERS = _PUNCTUATION | frozenset("0123456789")  # 举报人：王建2019年2月
# What follows a place, not a person: 联系人：黄财镇农办.
_PLACE_SUFFIXES = frozenset("镇村乡县区市省州路街巷")
_CLOSING_WORDS = _words(
    "反映 称 说 表示 今年 现年 家住 住在 系 电话 手机 身份证 夫妇 一家 等人 同志 先生 女士 师傅 家"
)
_CLOSING_STARTS = frozenset(w[0] for w in _CLOSING_WORDS)
# 曾 is a common surname and a common adverb (业主曾多次反映, 曾有, 曾为).
_ADVERB_SURNAMES = {"曾": frozenset("多有为在被向经与和对把打一几两三数")}
# 小姐, 大哥, 老爷: a title made of a given-name-like character and a kin word.
_KIN = frozenset("姐哥爷妈叔婶伯娘嫂妹弟姨舅")
_NUMERALS = frozenset("一二三四五六七八九十两几百千万零")
# Characters that never stand in a given name here: grammar words, and the first characters
# of titles and kin words (王先生, 李经理, 张师傅, 刘某, 王家).
_GIVEN_STOP = frozenset(
    "的地得了着过说讲称道问叫在是和与跟及等也都又还就才却把被将对向给从到让请找要会能不没未已曾再"
    "很更最太这那其此该每各某个们于因所无竟仍即便则但并均皆亦乃吗呢吧啊呀自以时违副两"
    "先女同师阿老总经局科所站书主处院校医警队组村支会董厂厅店氏记家姓哥姐弟叔婶伯爷奶妈爸嫂姨舅"
    "委部办或"
    "年月日号区市县镇乡省路街巷楼栋室层门我你他她您它"
)
# Stop characters that stand in given names too (蒋先辉, 陈其国, 阳书名, 窦太平, 曾向东, 蒋银月):
# one of them counts in a two-character given name the context closes, unless the two are a
# title or a kin word (张先生，, 王太太，) or hold a numeral (张三月，).
_CLOSED_GIVEN_OK = frozenset("先其书太向月")
_TITLE_WORDS = frozenset(_words("先生 太太 太婆 太公 太爷 书记 书生"))
# Parts of speech of a two-character word that a given name never is (重申, 知道, 一直).
_NOT_GIVEN_TAGS = frozenset(("v", "vn", "vd", "d", "ad", "p", "c", "u", "uj", "r", "f", "m", "q"))
# Parts of speech of a two-character word that a closed given name never is (王一直，).
_CLOSED_NOT_GIVEN_TAGS = frozenset(("d", "p", "c", "u", "uj", "ul", "r", "f", "m", "q", "y", "e"))
# What may stand right before a name found by what follows it: a boundary, a grammar word, or
# the end of a role or a verb of telling (举报李四家, 楼上李四家, 尊敬的胡华衡书记).
_PARTY_BOUNDARY = frozenset("的了是和与跟及同给对向把被让叫请找由在到去从为说称问将即或报诉映告委")


def _given_chars_ok(given: str, *, closed: bool) -> bool:
    """Whether no character of `given` is a stop character (see _GIVEN_STOP), or, in a
    closed two-character given name, only one of those that stand in names (_CLOSED_GIVEN_OK):
    陈其国0000, 蒋先辉局长, 法人曾向东，; but not 张先生，, 李太太，, 张三月，.
    """
    stops = [c for c in given if c in _GIVEN_STOP]
    if not stops:
        return True
    return (
        closed
        and len(given) == 2
        and len(stops) == 1
        and stops[0] in _CLOSED_GIVEN_OK
        and given not in _TITLE_WORDS
        and not any(c in _NUMERALS for c in given)
        # 太 + an adjective is "too": 离居民房太近，; but 太平 is a noun
        and (stops[0] != "太" or _lexicon().tags.get(given, "").startswith("n"))
    )


def _party_name_ok(cand: str, *, closed: bool = False) -> bool:
    """Whether `cand` (surname + 1-2 given characters) reads as a person's full name.

    `closed`: the context closes the name (业主张国庆，), so a given name may be a word
    (国庆, 建设, 聪明, 平安), the surname a rarer one (晏, 湛) and surname + first given
    character a name jieba knows (黎明辉, 刘翔易) or, before a given name that is a word, any
    word (王国 + 国庆). A two-character candidate that is a word stays out (居民安全，).
    """
    if not all("\u4e00" <= c <= "\u9fff" for c in cand):
        return False
    surname = 2 if cand[:2] in COMPOUND_SURNAMES and len(cand) >= 3 else 1
    given = cand[surname:]
    # the surnames that are words (房, 向) need all their given characters: 居民房太近，
    if not 1 <= len(given) <= 2 or not _given_chars_ok(
        given, closed=closed and cand[0] not in _WORD_SURNAMES
    ):
        return False
    lex = _lexicon()
    # 于梅娥, 向冬云, 曾志超 (where 曾 + a word reads as an adverb): only closed, and no part
    # of it a word
    strict = (
        closed
        and len(given) == 2
        and given not in lex.tags
        and cand[:2] not in lex.tags
        and cand[:2] not in lex.ordinary
        and not any(c in _NUMERALS for c in given)
    )
    if (
        surname == 1
        and cand[0] not in (_CLOSED_SURNAMES if closed else _PARTY_SURNAMES)
        and not (strict and cand[0] in _WORD_SURNAMES)
    ):
        return False
    if given[0] in _ADVERB_SURNAMES.get(cand[0], ()) and not strict:
        return False
    if cand[0] in _ADVERB_SURNAMES and lex.tags.get(given) in _NOT_GIVEN_TAGS:
        return False  # 曾拨打, 曾反映: 曾 as an adverb before a verb
    if given[0] in "小大老" and given[1:2] in _KIN:
        return False  # 陈小姐, 王大哥
    if len(given) == 2 and given[0] == cand[0]:
        return False  # 谢谢李书记 (but 杨杨 is a name)
    if cand[0] == "方" and given in lex.tags:
        return False  # 方 after a role is its side: 村民方提出, 患者方如期
    if given in _ROLES_AND_NEIGHBOURS or given in _TITLE_SET:
        return False  # 班主任管干部
    head = cand[: surname + 1]
    if cand in lex.ordinary or cand in lex.frequent_names:
        return False
    # 王国, 欧阳建: surname + first given character is a word, but 王国庆，splits as 王 + 国庆
    if head in lex.ordinary and not (
        closed and (surname == 2 or given in lex.tags or cand in lex.full_names)
    ):
        return False
    if head in lex.frequent_names and not (closed and len(given) == 2):
        return False  # 陈述, 许可; but 黎明辉，is not the singer 黎明
    if len(given) < 2:
        return True
    if closed:  # 张国庆，: only grammar words are never given names (王一直，)
        tag = lex.tags.get(given)
        # but a rare adverb may be one: 汤立新局长 (立新, 51 uses in jieba's dictionary)
        return tag not in _CLOSED_NOT_GIVEN_TAGS or (tag == "d" and given not in lex.frequent)
    # 都重申, 张电话: a given name is not a verb or a word used every day
    return not (lex.tags.get(given) in _NOT_GIVEN_TAGS or given in lex.frequent)


def _closed_at(text: str, end: int, *, digits: bool = True) -> bool:
    """Whether a name ending at `end` is closed by what follows it (see _CLOSERS)."""
    if end >= len(text) or text[end] in (_CLOSERS if digits else _PUNCTUATION):
        return True
    return text[end] in _CLOSING_STARTS and any(text.startswith(w, end) for w in _CLOSING_WORDS)


def _closed_or_verb_at(text: str, end: int, *, digits: bool = True) -> bool:
    """Closed (see _closed_at), or right before a verb that does not start inside the name:
    窦太平任职, 王国林解除 (but not 王平安装: 平安 is a word across the end)."""
    if _closed_at(text, end, digits=digits):
        return True
    tags = _lexicon().tags
    return tags.get(text[end : end + 2]) == "v" and text[end - 1 : end + 1] not in tags


def _party_name_at(
    text: str,
    pos: int,
    *,
    need_closed: bool = False,
    word_given: bool = True,
    signed: bool = False,
) -> str | None:
    """The full name starting at `pos` (after a role): three characters unless the third
    starts the next word (邻居张三每天 -> 张三, 邻居张建国每天 -> 张建国).

    `need_closed`: the role may be part of another word (公司法人, 私企业主, 村村民), so only a
    closed name that passes the strict checks counts. Not `word_given`: the surname is part of a
    word with the role's end (业主张菊业, 物业主管申报), so the given name must not be a word.
    `signed`: a colon follows the role (申请人：王建设2019年5月), so a date closes the name too.
    """
    if (
        text[pos] not in _CLOSED_SURNAMES
        and text[pos] not in _WORD_SURNAMES
        and text[pos : pos + 2] not in COMPOUND_SURNAMES
    ):
        return None  # the cheap test first: 居民区, 业主都 (the closed surnames hold the others)
    lex = _lexicon()
    if text[pos : pos + 4] in lex.ordinary or text[pos : pos + 4] in lex.frequent_names:
        return None  # an idiom: 何去何从, 顾全大局
    if text[pos + 1 : pos + 3] == "一" + text[pos]:
        return None  # 管一管, 查一查
    for size in (3, 2) if text[pos : pos + 2] not in COMPOUND_SURNAMES else (4, 3):
        cand = text[pos : pos + size]
        if len(cand) != size:
            continue
        last, nxt = cand[-1], text[pos + size : pos + size + 1]
        if size == 3 and cand[1] in "小大老" and last in _KIN:
            return None  # 陈小姐, 王大哥
        # 李四家 is 四 + 家, and 张建国家门口 is 建国 + 家门口 (not 国家)
        home = nxt == "家" and (
            last in _NUMERALS or (size >= 3 and _AT_HOME_RE.match(text, pos + size) is not None)
        )
        if (
            last in _GIVEN_STOP
            and not (last in _CLOSED_GIVEN_OK and _closed_or_verb_at(text, pos + size))
        ) or (nxt and last + nxt in lex.tags and not home):
            continue  # the last character starts the next word: 张三每天
        if size > 2 and last + nxt in lex.verbs and not _closed_at(text, pos + size):
            continue  # 主任洪可掐住脖子: 掐住 is a verb, however rare (but 范风可先生)
        if size > 2 and last in _VERB_HEADS and not _closed_at(text, pos + size):
            continue  # 组长胡洁独览: 独 starts the verb (独揽, misspelt); but 法人代表谢彪寄，
        if nxt in _PLACE_SUFFIXES or text.startswith(_SCHOOL_AFTER, pos + size):
            continue  # 联系人：黄财镇农办, 学生（周楠教育集团） (but 法人喻中情公司管理者)
        if need_closed and not _closed_at(text, pos + size):
            continue
        if (
            size == 2
            and cand in lex.names
            and nxt
            and nxt not in _PUNCTUATION
            and text[pos + 2 : pos + 4] not in lex.frequent
        ):
            # a word jieba also knows as a name (患者高达20多起, 人员马虎对待), unless a common
            # word follows it: 校长左云长期
            continue
        if not word_given and cand[1:] in lex.tags:
            continue  # 物业主管申报，
        if cand[0] in _WORD_SURNAMES and nxt and nxt not in _PUNCTUATION:
            continue  # 受害人向毛骏反映: 向 + a name + a verb is "to"
        # a given name that is a word needs more than a date after it: 居民张电话0000
        relaxed = word_given and (
            _closed_at(text, pos + size, digits=signed)
            # before a verb only a name whose head is no word (窦太平任职, not 干部许诺送采矿,
            # 患者安危而不顾), or one jieba knows (王国林解除)
            or (
                _closed_or_verb_at(text, pos + size, digits=signed)
                and (
                    cand in lex.full_names
                    or not any(
                        cand[:2] in words
                        for words in (lex.tags, lex.ordinary, lex.frequent_names)
                    )
                    # the head is a name jieba knows (李俊), the given name no word and its
                    # last character no verb or grammar word: 校长李俊杰回答 (but
                    # 干部许诺送采矿, 患者安危而不顾: 送 a verb, 而 a conjunction)
                    or (
                        size == 3
                        and cand[:2] in lex.frequent_names
                        and cand[1:] not in lex.tags
                        and cand[1:] not in lex.ordinary
                        and lex.chars.get(last, "v") not in _NOT_GIVEN_TAGS
                    )
                )
            )
        )
        if _party_name_ok(cand, closed=relaxed):
            return cand
    return None


def _in_words(text: str, start: int) -> bool:
    """Whether running text goes on right before `start`: a 汉字, or a masked name (surname +
    **), so that 章**任党小组长 is 章** + 任 + 党小组长, not a phrase start before 任党小. A longer
    run of masks (a number's, ***********吴杰家) is a boundary, as the number was."""
    if is_han(text[start - 1]):
        return True
    return (
        start >= 3
        and text[start - 2 : start] == MASK * 2
        and is_han(text[start - 3])
    )


def _party_boundary(text: str, start: int) -> bool:
    if start == 0 or not _in_words(text, start):
        return True
    return text[start - 1] in _PARTY_BOUNDARY or any(
        text[start - size : start] in _ROLES_AND_NEIGHBOURS for size in _ROLE_SIZES
    )


# A full name in brackets right after a word for a person (那个人(陆娟), 律师（孙练忠）,
# 其母（李玉珍）, 来信人（康晴）, 他（周胜长）): the bracket closes it, the word before says whose
# it is. After anything else a bracketed pair is as often a place, a brand or a note (的（雷峰）,
# ，（左转）).
_BRACKETED = re.compile(r"[（(]([\u4e00-\u9fff]{2,3})[）)]")
_PERSON_ENDS = frozenset("人者员师工导亲母女儿子妻夫姓叫他她被长")


def _bracketed_names(text: str) -> Iterable[tuple[str, int, int]]:
    lex = _lexicon()
    for m in _BRACKETED.finditer(text):
        cand = m.group(1)
        if (
            text[m.start() - 1 : m.start()] in _PERSON_ENDS
            and cand not in lex.tags
            and cand not in lex.ordinary
            and _party_name_ok(cand, closed=True)
        ):
            yield "name", m.start(1), m.end(1)


def _third_parties(text: str) -> Iterable[tuple[str, int, int]]:
    """Names of people other than the requester, found by their context (see _PARTY_ROLES)."""
    lex = _lexicon()
    tags = lex.tags
    if "（" in text or "(" in text:
        yield from _bracketed_names(text)
    for m in _PARTY_BEFORE.finditer(text):
        before = text[m.start() - 1 : m.start() + 1] if m.start() else ""
        if text[max(m.start() - 2, 0) : m.start()] in tags:
            before = ""  # 中学校长杨晓东: 中学 is a word, so 校长 is one too (not 学校)
        role_end = m.end("role")
        # the role may be part of another word: 企业主, 行业主管, 妇女儿童, but also 公司法人,
        # 病退职工, 业主张菊业
        into_name = text[role_end - 1 : role_end + 1] in tags and role_end == m.end()
        found = _party_name_at(
            text,
            m.end(),
            need_closed=before in tags or into_name,
            word_given=not (into_name and before in tags),
            signed=role_end < m.end(),
        )
        if not found and into_name and before not in tags:
            # segmented again after a role that is a word of its own on its left: 因老板胡建迪不给
            # reads 老板 + 胡建迪 (not 板胡), if neither the given name nor the surname and its
            # first given character are a word (业主张贴广告: 张贴)
            found = _party_name_at(text, m.end(), word_given=False)
        if found:
            yield "name", m.end(), m.end() + len(found)
    for m in _PARTY_AFTER.finditer(text):
        cue, end = m.group(), m.start()
        titled = cue.removeprefix("副") in _PARTY_TITLES
        if titled and (
            text[end - 1 : end + 1] in tags and text[m.end() - 1 : m.end() + 1] in lex.frequent
        ):
            continue  # 金福超市长期: both ends of the title belong to words around it
        for size in (4, 3, 2):
            start = end - size
            cand = text[max(start, 0) : end]
            # an organisation's name may end right before an official's name (社区朱红焰书记),
            # unless its last character starts a word with the next (校方, 队伍) or the two
            # characters are a name jieba knows that is mostly a word (联校安保主任)
            unit = (
                titled
                and start > 0
                and text[start - 1] in _UNIT_ENDS
                and text[start - 1 : start + 1] not in tags
                and not (size == 2 and cand in lex.names)
            )
            # a word of time may end right before an official's full name (当年陈忠红书记,
            # 事前卢庆文书记, 之前黄天锡书记) when the given name is no word (时任物业经理陈某)
            # and jieba lists no such name: there they are foreign or a brand's (当时温斯顿老师,
            # a school's teacher)
            timed = (
                titled
                and size == 3
                and start > 0
                and text[start - 1] in _TIME_ENDS
                and text[start - 1 : start + 1] not in tags
                and cand[1:] not in tags
                and cand not in lex.full_names
            )
            if start < 0 or not (unit or timed or _party_boundary(text, start)):
                continue
            if cand[0] in _PLACE_SUFFIXES and _ascii_alnum(text[start - 1 : start]):
                continue  # A3区一小老师, K2县代课老师: a district, not the surname 区
            if cue == "家" and cand[-1] + "家" in tags and tags[cand[-1] + "家"] != "m":
                break  # 回家, 国家, 大家: the word ends at 家
            # a two-character name before a title only after a clear boundary (，郭钢副书记), an
            # organisation (县委赵玉书记) or if it is no word and no name jieba knows (找李强队长)
            clear = start == 0 or not _in_words(text, start)
            short_ok = not titled or clear or unit or (
                len(cand) == 2 and cand not in lex.names and cand not in tags
            )
            # a full name between a clear boundary or an organisation and a title is closed:
            # ，邬立平局长, 社区朱红焰书记
            closed = titled and (clear or unit or timed) and len(cand) == 3
            if cand[0] in _WORD_SURNAMES and _party_name_ok(cand[1:]):
                continue  # 社区向熊洪书记: 向 is "to", 熊洪 the name
            if (_party_name_ok(cand) or (closed and _party_name_ok(cand, closed=True))) and (
                len(cand) >= 3 or short_ok
            ):
                yield "name", start, end
                break


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
        yield from _dwelling_with_list(folded, m.start(), m.end())
    for m in _STREET_NUMBER.finditer(folded):
        yield "house_number", m.start(), m.end()
    found = _consistent_lengths(folded, [*_names(folded, names), *_third_parties(folded)])
    found += _list_members(folded, found)
    # a name found once is masked wherever the text repeats it (社区熊洪书记 … 熊洪答应), but
    # not where the same characters name a place or a firm (A3区一小, 康庭公司, 华悦城物业)
    repeats = [
        (kind, start, end)
        for kind, start, end in _everywhere(folded, {folded[s:e] for _, s, e in found})
        if not _ascii_alnum(folded[start - 1 : start]) and not folded.startswith(_FIRM_AFTER, end)
    ]
    listed = _list_members(folded, repeats)  # 名单如下：丁英先、王正国、薛祥庆
    yield from found
    yield from repeats
    yield from listed
    yield from _everywhere(folded, {folded[s:e] for _, s, e in listed})


def _consistent_lengths(
    text: str, found: list[tuple[str, int, int]]
) -> list[tuple[str, int, int]]:
    """`found` with a three-character name cut to two where the same text closes those two
    elsewhere and never the three: 包工头黄俊来处理 … 但黄俊， -> 黄俊 (来 starts 来处理); but
    控告人：李生正，… 控告人李生正在 stays 李生正 (正 starts 正在).
    """
    closed = {text[s:e] for _, s, e in found if _closed_at(text, e)}
    names = {text[s:e] for _, s, e in found}
    return [
        (kind, s, e - 1)
        if e - s == 3
        and text[s : e - 1] in closed
        and text[s:e] not in closed
        and text[s : e - 1] not in COMPOUND_SURNAMES
        and text[s:e] in names
        else (kind, s, e)
        for kind, s, e in found
    ]


# What joins the names of a list: 张三、李四, 张三和李四, 张三与李四, 张三及李四.
_LIST_JOINS = ("、", "和", "与", "及", "以及", "跟")


def _list_members(text: str, found: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """The names listed after a found one (业主张三、李四、王五反映, 邻居张三和李四每天).

    The first name's cue is the list's: a member is read as after a role, and counts when it
    has the length of the name before it (张三和李四每天) or the context closes it
    (张国庆、王五反映; but not 赵敏抱 in 彭毓红、李刚、赵敏抱团);
    after 及/以及 only closed (张三及李四，), as a unit often follows them (主任成桂宁以及夏多铺
    城管中队). Never what the text elsewhere calls a place or a firm (夏多铺镇).
    """
    out: list[tuple[str, int, int]] = []
    for _, start, end in found:
        size = end - start
        while join := next((j for j in _LIST_JOINS if text.startswith(j, end)), None):
            at = end + len(join)
            cand = _party_name_at(text, at) if at < len(text) else None
            if not cand or _names_a_place(text, cand):
                break
            end = at + len(cand)
            closed = _closed_at(text, end) or text.startswith(_LIST_JOINS, end)
            if not closed and (len(cand) != size or join in ("及", "以及")):
                break
            out.append(("name", at, end))
            size = len(cand)
    return out


def _names_a_place(text: str, cand: str) -> bool:
    """Whether `text` somewhere puts a place's or a firm's word after `cand` (夏多铺镇)."""
    at = text.find(cand)
    while at != -1:
        end = at + len(cand)
        if text[end : end + 1] in _PLACE_SUFFIXES or text.startswith(_FIRM_AFTER, end):
            return True
        at = text.find(cand, end)
    return False


def _ascii_alnum(s: str) -> bool:
    return s.isascii() and s.isalnum()


# What follows a firm's, a school's or a compound's name, not a person's.
_SCHOOL_AFTER = ("教育", "中学", "小学", "集团")
_FIRM_AFTER = (
    *("物业", "公司", "医院", "主页", "产品", "小区", "酒店", "大厦", "学校"),
    *_SCHOOL_AFTER,
)


# Rooms listed after a masked one: 9栋201、202、401, 8栋702和703, 1-1-1101、1-1-2001. 、 and /
# join a list of any rooms; a comma or 和/及 only a room of the same length (住3栋1201，120急救
# is a hotline, 3栋1单元3104,2019年 a year). In a list, a room in figures may have five digits
# where a dash was left out (1-1-2602、1-12702、1-2-1002); a bare five-digit number may not
# (12345).
_ROOM_LIST_ITEM = re.compile(
    r"(?P<join>[、/，,]|和|及) ?(?P<room>[A-Za-z]?\d{1,2}[A-Za-z]?(?:-\d{1,2}){0,2}-"
    r"(?P<digits>\d{3,5})|(?P<bare>\d{3,4}))(?P<word>室|号房|房间|房(?![补改])|号|户)?"
)


_LAST_ROOM = re.compile(r"(\d{3,4})\D{0,3}$")
_HAN_ROOM_LAST = frozenset("一二三四五六七八九零〇室号房间户")


def _dwelling_with_list(text: str, start: int, end: int) -> Iterable[tuple[str, int, int]]:
    """The chain `text[start:end]` if it names a household, and the rooms listed after it."""
    if not _names_a_dwelling(text, start, end):
        return
    block = _BLOCK.match(text, start, end)
    if block is not None and block.end() < end and _commercial_before(text, start):
        start = block.end()  # 嘉熙国际中心a座3707室: the tower's block is a public place
    spans = [(start, end)]
    room = _LAST_ROOM.search(text, start, end)
    if room is not None:  # only a room starts a list of rooms, not a floor or a unit
        size = len(room.group(1))
        while (m := _ROOM_LIST_ITEM.match(text, spans[-1][1])) is not None:
            digits = m["digits"] or m["bare"]
            if _MEASURE_AFTER.match(text, m.end()) or (
                m["join"] not in "、/" and len(digits) != size
            ):
                break
            spans.append((m.start("room"), m.end()))
            size = len(digits)
        if _shop_after(text, spans[-1][1]):
            return  # 9栋106、108号门面: the list ends in what it is, a row of shops
    for s, e in spans:
        yield "house_number", s, e


def _names_a_dwelling(text: str, start: int, end: int) -> bool:
    """Whether the building/unit/floor/room chain `text[start:end]` names a household.

    A room (501室, 25栋1703) or a building + unit or door (12号楼3单元) always does; a floor
    (层/楼) or a unit alone does after an anchor (see `_DWELLING_ANCHOR`); a bare building
    ("16栋电梯") never does.
    """
    s = text[start:end]
    if _shop_after(text, end):
        return False  # 中茂城1-2-245号商铺, B2栋155门面: a business's address, not a home
    if s.count("-") == 1 and s[-1].isdigit() and _DASHED_ROOM.fullmatch(s):
        # 花语书苑2-204, 我家5-2902; not 有80-100分贝, 业主交了3-5000元, 住了12-2019
        first, last = s.split("-")
        return (
            _MEASURE_AFTER.match(text, end) is None
            and not _looks_like_a_year(first, last)
            and (_anchored(text, start) or _home_near(text, start, end))
        )
    if s.count("-") == 2 and _american_date(s):
        return False  # 12-25-2019
    if _LETTER_ONLY_ROOM.fullmatch(s):
        # a栋4002, A座1203: an office tower letters its blocks as often as an estate does; a
        # mall's unit has owners too (商业乐园c栋 … c栋120业主为了开餐饮店)
        return _anchored(text, start) or _home_near(
            text, start, end, living_only=_commercial_block(text, start)
        )
    if s[-1].isdigit() or s.endswith(("室", "号房", "房间", "房", "户", "号")):
        return True
    if s[-1] in _HAN_ROOM_LAST and _HAN_ROOM_AT_END.search(s):
        return True  # 三单元五零一
    building = any(b in s for b in ("栋", "幢", "号楼", "座", "#"))
    below = "单元" in s or "门" in s or _FLOOR_AFTER.search(s) is not None
    if not below:
        return False
    has_digit = any(ch.isdigit() for ch in s)
    # 十二号楼三单元: a building with 号 is numbered, not counted (共一栋一门两户 counts)
    numbered = has_digit or "号" in s
    if numbered and building and ("门" in s or "单元" in s):
        return True
    if _COUNTED_FLOOR.match(text, end) or _PUBLIC_FLOOR.match(text, end):
        return False  # 3栋24层的高楼 (three 24-storey buildings), 2栋一楼门面 (a shop)
    floor = _FLOOR_AFTER.search(s) is not None
    if has_digit and "单元" in s and not building and floor:
        return True  # 3单元5楼: one landing of one stairway
    if not (building or floor or has_digit):
        return False  # 一二单元: which units, in words, of which building?
    if s[0].isascii() and s[0].isalpha() and not s[1].isascii():
        # B栋一楼 after a compound's name is as often its lobby or a fire exit (小区B栋一楼规划的
        # 消防通道) or a mall's floor (商业乐园c栋三楼有个小商铺): only a word of home makes it one
        return _home_near(text, start, end)
    return "号院" in s or _anchored(text, start)


# What makes a number a business's place rather than a home: 1-2-245号商铺, 106、108号门面,
# C栋120、121两门面. A shop's number is on its sign and in its licence; it names a business,
# not a household, and where an appeal is about a shop (noise, fumes) it is what the handling
# unit and the neighbours need.
_SHOP_AFTER = re.compile(
    r"(?:号|室)?(?:[两\d一二三四五六七八九十]{1,2}[间个家]?)?(?:门面|商铺|铺面|店面|门店|摊位|档口)"
)
_SHOP_FIRST = frozenset("号室两0123456789一二三四五六七八九十门商铺店摊档")
# A number with 号 followed by a business's name (25栋110号万囍宾馆, a7栋5号的夜食尚饭店,
# 12栋80号津市牛肉粉店, 31栋103号麻将馆): the name between may not hold a word of place or of
# home, so a household's number next to a shop stays masked (3栋2号旁边的小卖店,
# 3栋5号的业主开了饭店).
_BUSINESS_AFTER = re.compile(
    r"的?(?:(?![的了开在是有业住户家楼旁边对门口隔壁附近前后面里内外上下中和与及])"
    r"[\u4e00-\u9fff]){1,6}?"
    r"(?:店|馆|超市|餐厅|酒家|会所|网吧|诊所|药房|公司)"
)


def _shop_after(text: str, end: int) -> bool:
    """Whether the number that ends at `end` is a shop's or another business's place."""
    # the first character rules out almost every position before the regex runs (search path)
    if text[end : end + 1] in _SHOP_FIRST and _SHOP_AFTER.match(text, end) is not None:
        return True
    return text[end - 1 : end] == "号" and _BUSINESS_AFTER.match(text, end) is not None
# What a number before it is not a room for: a measure, an amount, a date, a time, a line.
_MEASURE_AFTER = re.compile(
    r"[\dA-Za-z号楼栋幢座#米多余年月日天个元块平层级人户辆台次万千百来%％路线岁分秒点:：.~～]"
)
_LETTER_ONLY_ROOM = re.compile(r"[A-Za-z](?:栋|幢|座|号楼)\d{3,5}[A-Za-z]?")
# An office, commercial or market building's name (嘉熙国际中心, 金融大厦, 商业乐园, 批发市场):
# its blocks (a座, B栋) are public places, and an owner (业主) of a unit in one is a business's,
# not a household's. Its rooms are still masked, as where they are a home they name one.
_COMMERCIAL = re.compile(
    r"(?:中心|大厦|广场|商场|商城|商厦|写字楼|办公楼|商务楼|商业楼|综合楼|大楼|市场|商业街"
    r"|商业乐园|商业城)$"
)
# The block that starts a chain: a座, B栋, 3号楼, 2# (with the space a room may follow).
_BLOCK = re.compile(r"(?:[A-Za-z]\d{0,2}|\d{1,3}[A-Za-z]?)(?:栋|幢|号楼|号栋|座|#) ?")


def _commercial_before(text: str, start: int) -> bool:
    """Whether an office's, a mall's or a market's name ends right at `start`."""
    return _COMMERCIAL.search(text, max(0, start - 6), start) is not None


def _commercial_block(text: str, start: int) -> bool:
    """Whether the block at `start` (c栋) follows a commercial building's name here or
    anywhere else in the text (商业乐园c栋三楼有个小商铺 … c栋120业主)."""
    m = _BLOCK.match(text, start)
    if m is None:
        return False
    block, lower = m.group().rstrip().lower(), text.lower()
    at = lower.find(block)
    while at != -1:
        if _commercial_before(text, at):
            return True
        at = lower.find(block, at + 1)
    return False


_HAN_ROOM_AT_END = re.compile(_HAN_ROOM + r"(?:室|号房|房间|号|户)?$")
# Words of one's home: a lettered building or a two-part number (a栋4002, 5-2902) is a flat
# when one of them stands in the same sentence close before it (我家, 住在, 业主, 楼上) or right
# after it (803的业主, 5-2902住户).
_HOME_BEFORE = re.compile(
    r"我家|我们家|家住|家在|住在|居住|入住|我住|住户|业主|房主|户主|租户|租客|房东|邻居|楼上|楼下"
    r"|隔壁|对门|自家|家里|家中"
)
_HOME_AFTER = re.compile(r"的?(?:业主|住户|房主|户主|租户|租客|房东|家|住房|房子)")
# An owner or a tenant (业主, 房东, 租户) may hold a shop or an office as well as a home; near a
# commercial building's block only the words of living count (see `_commercial_block`).
_OWNERS = frozenset(("业主", "房主", "户主", "租户", "租客", "房东"))
_SENTENCE_END = re.compile(r"[。！？；!?;\n]")


def _home_near(text: str, start: int, end: int, *, living_only: bool = False) -> bool:
    """Whether a word of one's home (see `_HOME_BEFORE`) is close to `text[start:end]`;
    `living_only`: a word of living, not an owner's or a tenant's (see `_OWNERS`)."""
    before = text[max(0, start - 12) : start]
    cut = [m.end() for m in _SENTENCE_END.finditer(before)]
    words = [m.group() for m in _HOME_BEFORE.finditer(before, cut[-1] if cut else 0)]
    after = _HOME_AFTER.match(text, end)
    if after is not None:
        words.append(after.group().removeprefix("的"))
    return any(not (living_only and w in _OWNERS) for w in words)


def _looks_like_a_year(month: str, year: str) -> bool:
    """12-2019: a month and a year, not building 12 room 2019."""
    return (
        month.isdigit() and len(year) == 4 and 1950 <= int(year) <= 2049 and 1 <= int(month) <= 12
    )


def _american_date(s: str) -> bool:
    """12-25-2019, 25-12-2019: a day above 12 and a year; 1-1-2001 stays a flat (the data
    lists it among a building's flats), as no unit is numbered above 12 in practice."""
    a, b, c = s.split("-")
    if not (a.isdigit() and b.isdigit() and len(c) == 4 and c.isdigit()):
        return False
    low, high = sorted((int(a), int(b)))
    return 1 <= low <= 12 < high <= 31 and 1950 <= int(c) <= 2049


def _anchored(text: str, start: int) -> bool:
    """Whether a dwelling anchor (see `_DWELLING_ANCHOR`) ends right at `start`."""
    return _DWELLING_ANCHOR.search(text, max(0, start - 24), start) is not None


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
