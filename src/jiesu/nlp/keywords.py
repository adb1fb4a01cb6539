"""Keyword rules per category (关键词规则): the cold start before any model is trained.

Rules are plain data, label -> keywords, that an administrator edits (JSON file). The
probabilities are deliberately low and `threshold` is None, so a keyword guess is shown to
the operator as a suggestion but never auto-dispatches.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from jiesu.nlp.classify import Prediction
from jiesu.nlp.tokenize import normalize

# The 7 first-level categories (一级分类) of the 问政 data and words residents use for them.
DEFAULT_RULES: dict[str, list[str]] = {
    "城乡建设": ["物业", "小区", "业主", "拆迁", "征收", "房产证", "违建", "违章建筑", "装修",
             "施工", "噪音扰民", "电梯", "供水", "停水", "停电", "燃气", "路灯", "棚改",
             "安置", "开发商", "交房", "规划", "市政", "下水道", "井盖", "住房"],
    "劳动和社会保障": ["社保", "医保", "养老保险", "养老金", "退休", "工资", "拖欠", "欠薪",
                "劳动合同", "失业", "工伤", "公积金", "辞退", "加班", "人社", "低保",
                "就业", "农民工", "社会保险", "编制"],
    "教育文体": ["学校", "学生", "老师", "教师", "幼儿园", "入学", "学位", "补课", "培训",
             "教育", "招生", "课外", "校车", "学费", "中学", "小学", "大学", "体育", "文化",
             "图书馆", "考试"],
    "商贸旅游": ["商家", "消费者", "退款", "欺诈", "传销", "超市", "商场", "景区", "旅游",
             "门票", "价格", "市场", "摊贩", "网购", "快递", "营业执照", "假冒", "虚假宣传",
             "酒店", "投资", "商铺"],
    "环境保护": ["污染", "排放", "废气", "废水", "臭味", "异味", "粉尘", "扬尘", "垃圾焚烧",
             "环保", "噪声", "噪音", "油烟", "排污", "渣土", "水质", "河道", "黑臭", "化工厂",
             "环评", "烟雾"],
    "卫生计生": ["医院", "医生", "患者", "病人", "诊所", "药店", "药品", "疫苗", "计生",
             "生育", "二胎", "独生子女", "卫生院", "看病", "手术", "护士", "疫情", "医疗",
             "准生证", "卫健委"],
    "交通运输": ["公交", "出租车", "的士", "网约车", "驾校", "驾照", "车辆", "道路", "红绿灯",
             "交警", "停车", "高速", "收费站", "地铁", "客运", "运输", "货车", "公路", "站台",
             "线路"],
}
# What the best keyword guess may claim at most: low, so nobody mistakes it for a model.
MAX_PROBABILITY = 0.6


class KeywordClassifier:
    """Counts keyword hits (title hits double) and spreads a low probability over them."""

    threshold: float | None = None  # never auto-dispatch on keywords
    metadata: dict[str, object]

    def __init__(self, rules: Mapping[str, Sequence[str]] | None = None) -> None:
        source = DEFAULT_RULES if rules is None else rules
        self.rules: dict[str, list[str]] = {
            str(label): [normalize(k) for k in words if normalize(k)]
            for label, words in source.items()
        }
        self.labels = list(self.rules)
        self.metadata = {"version": "keywords", "kind": "keywords", "labels": self.labels}

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> KeywordClassifier:
        """Rules from a JSON object {label: [keyword, ...]} written by an administrator."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(
            isinstance(v, list) and all(isinstance(w, str) for w in v) for v in data.values()
        ):
            raise ValueError(f"{path}: expected a JSON object of label -> list of keywords")
        return cls(data)

    def save(self, path: str | os.PathLike[str]) -> None:
        Path(path).write_text(json.dumps(self.rules, ensure_ascii=False, indent=2),
                              encoding="utf-8")

    def scores(self, title: str, detail: str) -> dict[str, float]:
        """Keyword hits per label; a hit in the title counts twice."""
        t, d = normalize(title), normalize(detail)
        return {
            label: float(sum(2 * t.count(w) + d.count(w) for w in words))
            for label, words in self.rules.items()
        }

    def predict_top(self, title: str, detail: str, k: int = 3) -> list[Prediction]:
        """Up to k labels with hits, most hits first; [] when no keyword matches."""
        hits = {lab: s for lab, s in self.scores(title, detail).items() if s > 0}
        total = sum(hits.values())
        if not total:
            return []
        # shrink towards "unsure": with few hits even the only candidate stays well below 0.6
        confidence = MAX_PROBABILITY * total / (total + 2)
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1], self.labels.index(kv[0])))
        return [Prediction(lab, confidence * s / total) for lab, s in ranked[: max(0, k)]]

    def predict_many(self, items: list[tuple[str, str]], k: int = 3) -> list[list[Prediction]]:
        return [self.predict_top(t, d, k) for t, d in items]
