"""Hard urgency rules for intake (紧急程度): "燃气泄漏" → emergency, transfer to 119.

Rules are data (`rules_from_dicts` loads them from JSON/TOML), so a city can add or tune
keywords without a release. A keyword does not fire when it is negated right before it
("没有着火", "不是燃气泄漏") or when it sits in a hypothetical or preventive clause
("一旦发生火灾后果不堪设想", "存在火灾隐患") — the commonest way complaints mention a
disaster that is not happening.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from jiesu.nlp.text import fold_width

Level = Literal["normal", "urgent", "emergency"]
LEVELS: tuple[Level, ...] = ("normal", "urgent", "emergency")
_RANK = {level: i for i, level in enumerate(LEVELS)}
TRANSFER_LINES = ("110", "119", "120", "122", "12369", "96777")

# Right before a keyword: "没有着火", "不是燃气泄漏", "并未发生爆炸", "无人受伤".
_NEGATION = re.compile(
    r"(?:没有|没|不是|并非|并没有|并未|未|无|不存在|排除)(?:发生|出现|人员?|什么)?$"
)
# Earlier in the same clause: the event is feared, prevented or hypothetical.
_HYPOTHETICAL = re.compile(
    r"一旦|万一|如果|若是|假如|如若|要是|防止|预防|避免|以免|以防|谨防|防范|担心|害怕|恐怕|"
    r"容易|隐患|演练|宣传|培训|知识|曾经|去年|以前|引发|导致|造成|经常|多次|频繁|较多|常常|"
    r"时有|案例|随时|怕|是否|\d+年"
)
_CLAUSE_END = re.compile(r"[，,。；;！!？?\n]")


@dataclass(frozen=True)
class UrgencyRule:
    """Keywords that raise an appeal to `level`, the line to transfer to and what to say."""

    name: str
    keywords: tuple[str, ...]
    level: Level
    transfer_to: tuple[str, ...] = ()
    message: str | None = None
    # Phrases containing a keyword that do not count: "火灾隐患" for "火灾".
    exclude: tuple[str, ...] = ()
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.level not in ("urgent", "emergency"):
            raise ValueError(f"rule {self.name!r}: level must be 'urgent' or 'emergency'")
        if not self.keywords or not all(self.keywords):
            raise ValueError(f"rule {self.name!r}: needs non-empty keywords")
        keywords = sorted({fold_width(k) for k in self.keywords}, key=len, reverse=True)
        object.__setattr__(self, "_pattern", re.compile("|".join(map(re.escape, keywords))))

    def hits(self, text: str) -> list[str]:
        """The keywords of this rule that really fire in (width-folded) `text`."""
        out = []
        for m in self._pattern.finditer(text):
            if not _excluded(text, m.start(), m.end(), self.exclude) and _affirmed(text, m.start()):
                out.append(m.group())
        return out


@dataclass(frozen=True)
class UrgencyAssessment:
    """Result for the operator: level, lines to transfer to, a message, and what matched."""

    level: Level
    transfer_to: list[str]
    message: str | None
    matched: list[str]


def _excluded(text: str, start: int, end: int, phrases: Iterable[str]) -> bool:
    for phrase in phrases:
        i = text.find(phrase, max(0, end - len(phrase)), start + len(phrase))
        if i != -1 and i <= start and i + len(phrase) >= end:
            return True
    return False


def _affirmed(text: str, start: int) -> bool:
    clause_start = 0
    for m in _CLAUSE_END.finditer(text, 0, start):
        clause_start = m.end()
    before = text[clause_start:start]
    return not (_NEGATION.search(before[-6:]) or _HYPOTHETICAL.search(before))


def rules_from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[UrgencyRule, ...]:
    """Build rules from plain data, e.g. `json.load(f)["rules"]` or a TOML array of tables.

    Keys: name, keywords (list), level ('urgent'|'emergency'), transfer_to (list, optional),
    message (optional), exclude (list, optional). Unknown keys are an error, so that a typo
    in configuration does not silently disable a rule.
    """
    allowed = {"name", "keywords", "level", "transfer_to", "message", "exclude"}
    rules = []
    for i, item in enumerate(items):
        unknown = set(item) - allowed
        if unknown:
            raise ValueError(f"urgency rule #{i}: unknown keys {sorted(unknown)}")
        try:
            rules.append(
                UrgencyRule(
                    name=str(item["name"]),
                    keywords=tuple(item["keywords"]),
                    level=item["level"],
                    transfer_to=tuple(item.get("transfer_to", ())),
                    message=item.get("message"),
                    exclude=tuple(item.get("exclude", ())),
                )
            )
        except KeyError as e:
            raise ValueError(f"urgency rule #{i}: missing key {e.args[0]!r}") from None
    return tuple(rules)


def rules_to_dicts(rules: Iterable[UrgencyRule]) -> list[dict[str, Any]]:
    """The inverse of `rules_from_dicts`, for exporting the defaults as an editable file."""
    return [
        {
            "name": r.name,
            "keywords": list(r.keywords),
            "level": r.level,
            "transfer_to": list(r.transfer_to),
            "message": r.message,
            "exclude": list(r.exclude),
        }
        for r in rules
    ]


def assess(text: str, rules: Sequence[UrgencyRule] | None = None) -> UrgencyAssessment:
    """Apply the rules to an appeal's text: highest level wins; transfers and messages add up."""
    rules = DEFAULT_RULES if rules is None else rules
    folded = fold_width(text)
    fired: list[tuple[UrgencyRule, list[str]]] = [
        (rule, hits) for rule in rules if (hits := rule.hits(folded))
    ]
    if not fired:
        return UrgencyAssessment("normal", [], None, [])
    level = max((rule.level for rule, _ in fired), key=_RANK.__getitem__)
    # Emergency rules first, so the operator reads the most pressing instruction first.
    fired.sort(key=lambda f: -_RANK[f[0].level])
    transfer: list[str] = []
    messages: list[str] = []
    matched: list[str] = []
    for rule, hits in fired:
        transfer += [t for t in rule.transfer_to if t not in transfer]
        if rule.message and rule.message not in messages:
            messages.append(rule.message)
        matched += [h for h in dict.fromkeys(hits) if h not in matched]
    return UrgencyAssessment(level, transfer, "；".join(messages) or None, matched)


_FIRE_EXCLUDE = ("火灾隐患", "消防隐患", "防火", "火灾风险", "火灾事故责任", "起火点")

DEFAULT_RULES: tuple[UrgencyRule, ...] = rules_from_dicts(
    [
        {
            "name": "gas_leak",
            "keywords": [
                "燃气泄漏",
                "煤气泄漏",
                "天然气泄漏",
                "液化气泄漏",
                "燃气泄露",
                "煤气泄露",
                "天然气泄露",
                "闻到煤气",
                "闻到燃气",
                "闻到天然气",
                "煤气味",
                "燃气味",
                "天然气味",
                "煤气中毒",
            ],
            "level": "emergency",
            "transfer_to": ["119"],
            "message": "疑似燃气泄漏，请立即转接 119 并提醒来电人远离现场、切勿开关电器、"
            "不要使用明火，开窗通风",
        },
        {
            "name": "fire",
            "keywords": ["起火", "着火", "失火", "火灾", "大火", "烧起来", "冒烟起火"],
            "level": "emergency",
            "transfer_to": ["119"],
            "message": "疑似火情，请立即转接 119，提醒来电人迅速撤离、不要乘坐电梯",
            "exclude": list(_FIRE_EXCLUDE),
        },
        {
            "name": "explosion",
            "keywords": ["爆炸", "炸了", "发生爆燃"],
            "exclude": ["爆炸案", "爆炸性"],
            "level": "emergency",
            "transfer_to": ["119", "110"],
            "message": "疑似爆炸，请立即转接 119 和 110，提醒来电人远离现场",
        },
        {
            "name": "hazmat",
            "keywords": [
                "危化品泄漏",
                "化学品泄漏",
                "毒气泄漏",
                "氨气泄漏",
                "氯气泄漏",
                "危险品泄漏",
                "危化品泄露",
                "化学品泄露",
            ],
            "level": "emergency",
            "transfer_to": ["119", "12369"],
            "message": "疑似危险化学品泄漏，请立即转接 119，提醒来电人逆风撤离、捂住口鼻",
        },
        {
            "name": "collapse",
            "keywords": ["坍塌", "塌方", "倒塌", "垮塌", "房屋开裂严重", "山体滑坡", "泥石流"],
            "level": "emergency",
            "transfer_to": ["119", "110"],
            "message": "疑似坍塌，请立即转接 119，提醒来电人撤离危险区域、不要靠近",
            "exclude": ["坍塌隐患", "倒塌隐患", "垮塌隐患", "倒塌风险"],
        },
        {
            "name": "electrocution",
            "keywords": ["触电", "电线掉落", "电线断落", "高压线断", "漏电伤人"],
            "level": "emergency",
            "transfer_to": ["120", "110"],
            "message": "疑似触电或带电线路断落，请立即转接 120，提醒来电人切勿靠近或用手拉人，"
            "先断电",
            "exclude": ["触电隐患", "触电危险", "触电风险"],
        },
        {
            "name": "drowning",
            "keywords": ["溺水", "落水", "掉进河", "掉进水里", "掉入水中", "被水冲走"],
            "level": "emergency",
            "transfer_to": ["110", "120"],
            "message": "有人落水，请立即转接 110 和 120",
        },
        {
            "name": "trapped",
            "keywords": ["被困", "困在电梯", "关在电梯", "困在里面", "卡在电梯", "电梯困人"],
            "level": "emergency",
            "transfer_to": ["119"],
            "message": "有人被困，请立即转接 119，提醒被困人员保持冷静、不要强行扒门",
        },
        {
            "name": "injury",
            "keywords": [
                "有人受伤",
                "人受伤了",
                "昏迷",
                "晕倒",
                "不省人事",
                "大量出血",
                "流血不止",
                "没有呼吸",
                "心脏骤停",
                "抽搐",
                "被车撞",
            ],
            "level": "emergency",
            "transfer_to": ["120"],
            "message": "有人受伤或急症，请立即转接 120，并询问伤者位置和状况",
        },
        {
            "name": "violence",
            "keywords": [
                "打架斗殴",
                "持刀",
                "砍人",
                "行凶",
                "被抢劫",
                "家暴",
                "正在打人",
                "跳楼",
                "轻生",
                "自杀",
            ],
            "level": "emergency",
            "transfer_to": ["110"],
            "message": "涉及人身安全，请立即转接 110",
        },
        {
            "name": "utilities_outage",
            "keywords": [
                "水管爆裂",
                "爆管",
                "自来水管破裂",
                "大面积停电",
                "突然停电",
                "停水停电",
                "井盖丢失",
                "井盖被盗",
                "没有井盖",
                "路面塌陷",
                "下水道堵塞外溢",
                "污水漫溢",
            ],
            "level": "urgent",
            "message": "影响群众生活或出行安全，请按紧急诉求办理，尽快派单",
        },
        {
            "name": "traffic_hazard",
            "keywords": [
                "交通事故",
                "红绿灯坏了",
                "信号灯故障",
                "树木倒伏",
                "大树倒了",
                "高空坠物",
                "路面结冰",
                "道路积水严重",
            ],
            "level": "urgent",
            "transfer_to": ["122"],
            "message": "存在交通或公共安全风险，请按紧急诉求办理；发生事故请转接 122",
        },
        {
            "name": "vulnerable_person",
            "keywords": [
                "老人走失",
                "小孩走失",
                "孩子走失",
                "儿童走失",
                "独居老人",
                "无人照顾",
                "流浪乞讨",
            ],
            "level": "urgent",
            "transfer_to": ["110"],
            "message": "涉及走失或无人照料人员，请按紧急诉求办理；走失请转接 110",
        },
    ]
)
