"""Pure checksum and masking rules for personal data (个人信息).

No regexes and no text scanning here: `jiesu.nlp.pii` finds candidates in free text and asks
these rules whether a candidate is real and how to mask it. Standard library only.
"""

from __future__ import annotations

from datetime import date

# GB 11643-1999: weights 2^(17-i) mod 11 for the 17 body digits, and the check character
# indexed by (sum of weighted digits) mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"

MASK = "*"


def id_check_char(body17: str) -> str:
    """GB 11643 check character ('0'-'9' or 'X') for the first 17 digits of an ID number."""
    if len(body17) != 17 or not body17.isascii() or not body17.isdigit():
        raise ValueError("an ID number body is exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _valid_birth_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def valid_id_number(s: str) -> bool:
    """True for an 18-digit resident ID (居民身份证号码) whose check character is right.

    Legacy 15-digit numbers (1999 年前签发, no check digit) are accepted when their region
    digit and YYMMDD birth date are plausible. Only the checksum is required of 18-digit
    numbers: test data and typos in the birth date are still someone's ID number.
    """
    if not s.isascii():
        return False
    if len(s) == 18:
        body, check = s[:17], s[17].upper()
        return body.isdigit() and s[0] != "0" and id_check_char(body) == check
    if len(s) == 15 and s.isdigit():
        return s[0] in "12345678" and _valid_birth_date(
            1900 + int(s[6:8]), int(s[8:10]), int(s[10:12])
        )
    return False


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check used by bank card numbers (银行卡号)."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` pass the Luhn check."""
    for d in "0123456789":
        if luhn_ok(payload + d):
            return d
    raise ValueError("payload must be ASCII digits")  # pragma: no cover - unreachable for digits


def mask_middle(s: str, keep_start: int, keep_end: int) -> str:
    """Replace everything but the first `keep_start` and last `keep_end` characters by '*'."""
    if len(s) <= keep_start + keep_end:
        return MASK * len(s)
    return s[:keep_start] + MASK * (len(s) - keep_start - keep_end) + s[len(s) - keep_end :]


def mask_phone(number: str) -> str:
    """Mask a phone number the way Chinese services print it: 138****5678, 0731-****3456.

    Separators are kept; only digits are masked. Mobile numbers keep 3 + 4 digits, landlines
    keep the area code and the last 4 digits, a local number without its area code at most
    half of its digits. At most 7 digits stay visible, so the result never looks like a whole
    phone number again.
    """
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    if not digits:
        return number
    area_len = 0
    if number[digits[0]] == "0":  # landline: keep the area code (3 or 4 digits)
        area_len = 3 if number[digits[0] : digits[0] + 2] in ("01", "02") else 4
        keep = set(digits[:area_len]) | set(digits[-4:])
    elif len(digits) < 11 and number[digits[0]] != "1":
        # a local number without its area code (8811333): 3 + 4 would keep all 7 digits, so
        # at most half of them stay (***1333 would be 1 guess in 10; ****333 is 1 in 10,000)
        keep = set(digits[len(digits) - min(4, len(digits) // 2):])
    else:
        local = digits[-11:] if len(digits) >= 11 else digits
        keep = set(digits[: len(digits) - len(local)]) | set(local[:3]) | set(local[-4:])
    return "".join(ch if (i in keep or not ch.isdigit()) else MASK for i, ch in enumerate(number))


def mask_id_number(s: str) -> str:
    """Mask an ID number: first 6 (region) and last 4 kept, e.g. 430102********123X."""
    return mask_middle(s, 6, 4) if len(s) == 18 else mask_middle(s, 6, 3)


def mask_bank_card(digits: str) -> str:
    """Mask a bank card number: first 4 and last 4 digits kept, e.g. 6222***********1234."""
    return mask_middle(digits, 4, 4)


def mask_name(name: str) -> str:
    """Mask a personal name, keeping the surname: 张三 → 张**, 欧阳娜娜 → 欧阳**.

    Always two stars, so the mask does not reveal the length of the given name.
    """
    if not name:
        return name
    if not ("\u4e00" <= name[0] <= "\u9fff"):
        return MASK * 3
    surname_len = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:surname_len] + MASK * 2


COMPOUND_SURNAMES = frozenset(
    (
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "闻人",
        "万俟",
        "澹台",
        "公冶",
        "宗政",
        "濮阳",
        "太叔",
        "申屠",
        "钟离",
    )
)

# The ~400 most common single-character surnames (百家姓), most frequent first, then a few rare
# ones. Used to recognise "我叫张三"-style self-introductions without flagging ordinary words;
# the third-party name detector takes the head of the list, and the rest only where the context
# closes the name (see jiesu.nlp.pii).
SURNAMES_BY_FREQUENCY = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "赖洪龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥"
    "南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支"
    "卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印"
    "逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
    # rare surnames of the south and west that are never words (禤 of 广西 and 广东, 庹 of 湖南)
    "禤佴仉訾郗逄缑眭郦笪隗钭邴庹"
    # the traditional forms of 肖 and 闫, as many still write them
    "萧阎"
)
COMMON_SURNAMES = frozenset(SURNAMES_BY_FREQUENCY)
