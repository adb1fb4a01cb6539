"""English of the messages `jiesu.services.intake_config` gives about an uploaded routing
table, urgency rules, gazetteer, grid boundaries or category keywords, and of what the admin
page says when one was saved.

Those messages are Chinese sentences built from parts: "{what}有 3 处问题，未作任何修改：第 2 行：
…；第 5 行：…". Each part is translated by a pattern below; a value the administrator wrote
(a code, a name, a keyword) is kept as it is. A message no pattern knows stays Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_WHAT = {"网格边界": "grid boundaries", "路由规则": "routing rules", "紧急规则": "urgency rules",
         "地名表": "gazetteer", "分类关键词": "category keywords"}
_W = "|".join(_WHAT)


def _list(zh: str) -> str:
    return zh.replace("、", ", ")


_DONE = {"新增": "added", "修改": "changed", "删除": "deleted"}


def _all(zh: str) -> str:
    """A routing rule in words: “全部分类 × 东城区 → 市水务局”, the “all” parts translated."""
    return zh.replace("全部分类", "all categories").replace("全部区域", "all areas")


def _What(zh: str) -> str:
    return _WHAT[zh][0].upper() + _WHAT[zh][1:]


# where a problem is: a line of a CSV, an item of a JSON list, a feature of a GeoJSON
_WHERE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"第 (\d+) 行"), "line {0}"),
    (re.compile(r"第 (\d+) 条"), "item {0}"),
    (re.compile(r"第 (\d+) 个要素"), "feature {0}"),
    (re.compile(r"分类 (.+)"), "category {0}"),
]

Convert = dict[str, Callable[[str], str]]

# one problem (what follows "第 2 行：")
_PROBLEMS: list[tuple[re.Pattern[str], str, Convert]] = [
    (re.compile(r"不是单位编码（须与单位树中的编码一致）"),
     "not a unit code (it must be a code of the unit tree)", {}),
    (re.compile(r"每条规则须为对象 \{\"category\", \"area\", \"unit\"\}"),
     'each rule must be an object {{"category", "area", "unit"}}', {}),
    (re.compile(r"不认识的字段 (?P<fields>.+?)（可用 (?P<allowed>[^）]+)）"),
     "unknown field {fields} (allowed: {allowed})", {"fields": _list, "allowed": _list}),
    (re.compile(r"category、area、unit 须为文本"), "category, area and unit must be text", {}),
    (re.compile(r"分类 (?P<c>.+) 不存在（填分类编码或完整名称）"),
     "category {c} does not exist (give its code or its full name)", {}),
    (re.compile(r"分类 (?P<c>.+) 不存在（填分类编码或完整名称，如 (?P<e>.+)）"),
     "category {c} does not exist (give its code or its full name, e.g. {e})", {}),
    (re.compile(r"区域单位 (?P<u>.+) 不存在"), "area unit {u} does not exist", {}),
    (re.compile(r"承办单位 (?P<u>.+) 不存在"), "unit {u} does not exist", {}),
    (re.compile(r"缺少承办单位（unit）"), "the unit is missing (unit)", {}),
    (re.compile(r"须指定分类或区域（否则所有诉求都会派给同一单位）"),
     "give a category or an area (otherwise every appeal would go to this one unit)", {}),
    (re.compile(r"与(?P<w>.+)的分类和区域相同"), "same category and area as {w}",
     {"w": lambda zh: _where(zh)}),
    (re.compile(r"每条规则须为对象（name、keywords、level…）"),
     "each rule must be an object (name, keywords, level…)", {}),
    (re.compile(r"缺少规则名称（name）"), "the rule has no name (name)", {}),
    (re.compile(r"规则名称 (?P<n>.+) 重复"), "the rule name {n} is used twice", {}),
    (re.compile(r"keywords 须为非空的关键词列表，例如 (?P<e>.+)"),
     "keywords must be a list of keywords, not empty, e.g. {e}", {}),
    (re.compile(r"keywords 中有空的关键词"), "keywords has an empty keyword", {}),
    (re.compile(r"level 须为 urgent（紧急）或 emergency（特急），不能是 (?P<v>.+)"),
     "level must be urgent or emergency, not {v}", {}),
    (re.compile(r"transfer_to 须为电话号码列表，例如 (?P<e>.+)"),
     "transfer_to must be a list of phone numbers, e.g. {e}", {}),
    (re.compile(r"message 须为文本"), "message must be text", {}),
    (re.compile(r"exclude 须为短语列表"), "exclude must be a list of phrases", {}),
    (re.compile(r"缺少编码（code）"), "the code is missing (code)", {}),
    (re.compile(r"缺少名称（name）"), "the name is missing (name)", {}),
    (re.compile(r"层级“(?P<v>.*)”无效，可选 (?P<levels>[^（]+)（或 区、街道、社区、网格）"),
     "level “{v}” is not valid; use {levels} (or 区, 街道, 社区, 网格)", {"levels": _list}),
    (re.compile(r"编码 (?P<c>.+) 与第 (?P<n>\d+) 行重复"), "code {c} is also on line {n}", {}),
    (re.compile(r"没有任何地名"), "there is no place in it", {}),
    (re.compile(r"上级编码 (?P<c>.+) 不在地名表中"), "parent code {c} is not in the gazetteer", {}),
    (re.compile(r"上级 (?P<c>.+)（(?P<p>[^（）]+)）须比本级（(?P<l>[^（）]+)）层级更高"),
     "parent {c} ({p}) must be a higher level than this one ({l})", {}),
    (re.compile(r"须为 Feature 对象"), "must be a Feature object", {}),
    (re.compile(r"缺少 properties\.code（单位编码）"), "properties.code (the unit code) is missing",
     {}),
    (re.compile(r"编码与第 (?P<n>\d+) 个要素重复"), "its code is also the code of feature {n}", {}),
    (re.compile(r"几何类型须为 Polygon 或 MultiPolygon，不能是 (?P<v>.+)"),
     "the geometry must be a Polygon or MultiPolygon, not {v}", {}),
    (re.compile(r"coordinates 为空"), "coordinates is empty", {}),
    (re.compile(r"多边形须为环的列表"), "a polygon must be a list of rings", {}),
    (re.compile(r"每个环至少须有 3 个点"), "every ring needs at least 3 points", {}),
    (re.compile(r"坐标 (?P<p>.+) 不是 \[经度, 纬度\]"),
     "the point {p} is not [longitude, latitude]", {}),
    (re.compile(r"坐标 (?P<p>.+) 超出范围（GeoJSON 的顺序是 \[经度, 纬度\]，请检查是否写反）"),
     "the point {p} is out of range (GeoJSON puts longitude first: are they swapped?)", {}),
    (re.compile(r"须为 \{\"category\": …, \"keywords\": \[…\]\}"),
     'must be {{"category": …, "keywords": […]}}', {}),
    (re.compile(r"关键词须为列表或以逗号、顿号、\| 分隔的文本"),
     "the keywords must be a list, or text separated by commas, 、 or |", {}),
    (re.compile(r"关键词至少 (?P<n>\d+) 个字：(?P<w>.+)"),
     "a keyword needs at least {n} characters: {w}", {"w": _list}),
    (re.compile(r"分类 (?P<c>.+) 与(?P<w>.+)重复"), "category {c} is also given in {w}",
     {"w": lambda zh: _where(zh)}),
    (re.compile(r"编码 (?P<c>.+) 不是单位编码"), "code {c} is not a unit code", {}),
]

# a whole message
_MESSAGES: list[tuple[re.Pattern[str], str, Convert]] = [
    # what the admin page says after a successful upload (`web/routes/admin.py`)
    (re.compile(r"路由规则已保存：(?P<n>\d+) 条"), "Routing rules saved: {n}", {}),
    (re.compile(r"紧急规则已保存：现有 (?P<n>\d+) 条"), "Urgency rules saved: {n} in force", {}),
    (re.compile(r"分类关键词已保存：(?P<n>\d+) 个分类"),
     "Category keywords saved: {n} categories", {}),
    (re.compile(r"地名表已导入：(?P<n>\d+) 个地名，其中 (?P<m>\d+) 个对应单位"),
     "Gazetteer loaded: {n} place(s), {m} of them linked to units", {}),
    (re.compile(r"网格边界已导入：(?P<n>\d+) 个区域"), "Grid boundaries loaded: {n} area(s)", {}),
    # one rule saved from the rows of the intake tab
    (re.compile(r"已(?P<done>新增|修改|删除)路由规则：(?P<rule>.+)"),
     "Routing rule {done}: {rule}", {"done": _DONE.__getitem__, "rule": _all}),
    (re.compile(r"已(?P<done>新增|修改|删除)紧急规则：(?P<name>.+)"),
     "Urgency rule {done}: {name}", {"done": _DONE.__getitem__}),
    (re.compile(rf"(?P<what>{_W})未保存：(?P<items>.+)"), "{what}: not saved: {items}",
     {"what": _What, "items": lambda zh: "; ".join(_item(i) for i in zh.split("；"))}),
    (re.compile(r"已有同一分类和区域的路由规则（派给 (?P<u>.+)），请修改那一条"),
     "There is a routing rule of this category and area already (to {u}): change that one",
     {}),
    (re.compile(r"已有名为 (?P<n>.+) 的紧急规则"), "There is an urgency rule named {n} already",
     {}),
    (re.compile(r"至少须保留一条紧急规则；要改用内置规则，请点“恢复内置规则”"),
     "At least one urgency rule must stay; to use the built-in rules, choose “Restore the "
     "built-in rules”", {}),
    (re.compile(r"该路由规则已不存在（可能刚被修改或删除），请刷新后重试"),
     "This routing rule is no longer there (it may just have been changed or deleted): "
     "reload the page and try again", {}),
    (re.compile(r"紧急规则 (?P<n>.+) 已不存在（可能刚被修改或删除），请刷新后重试"),
     "The urgency rule {n} is no longer there (it may just have been changed or deleted): "
     "reload the page and try again", {}),
    (re.compile(r"分类已导入：新增 (?P<n>\d+)，已有 (?P<m>\d+)"),
     "Categories imported: {n} new, {m} already there", {}),
    (re.compile(rf"(?P<what>{_W})有 (?P<n>\d+) 处问题，未作任何修改：(?P<items>.+?)"
                r"(?:；另有 (?P<more>\d+) 处)?"),
     "{what}: {n} problem(s), nothing was changed: {items}{more}",
     {"what": _What, "items": lambda zh: "; ".join(_item(i) for i in zh.split("；")),
      "more": lambda n: f"; and {n} more" if n else ""}),
    (re.compile(r"配置类型“(?P<k>.+)”无效，可选：(?P<kinds>.+)"),
     "“{k}” is not a kind of setting; use {kinds}", {"kinds": _list}),
    (re.compile(rf"(?P<what>{_W})不是有效的 JSON：第 (?P<l>\d+) 行第 (?P<c>\d+) 列：(?P<m>.+)"),
     "{what}: not valid JSON: line {l}, column {c}: {m}", {"what": _What}),
    (re.compile(rf"(?P<what>{_W})的 JSON 嵌套层数过多"), "{what}: the JSON is nested too deeply",
     {"what": _What}),
    (re.compile(rf"(?P<what>{_W})须为列表，或形如 \{{\"rules\": \[\.\.\.\]\}} 的对象"),
     '{what}: must be a list, or an object like {{"rules": [...]}}', {"what": _What}),
    (re.compile(rf"(?P<what>{_W})第 (?P<l>\d+) 行不是有效的 CSV：(?P<m>.+)"),
     "{what}: line {l} is not valid CSV: {m}", {"what": _What}),
    (re.compile(rf"(?P<what>{_W})的第一行须为表头，包含 (?P<cols>.+?) 列（缺少 (?P<miss>.+)）"),
     "{what}: the first line must be a header with the columns {cols} "
     "({miss} missing)", {"what": _What, "cols": _list, "miss": _list}),
    (re.compile(r"地名表的第一行须为表头 code,name,level,parent_code,aliases"
                r"(?:（缺少 (?P<miss>.+)）)?"),
     "The first line of the gazetteer must be the header code,name,level,parent_code,aliases"
     "{miss}", {"miss": lambda zh: f" ({_list(zh)} missing)" if zh else ""}),
    (re.compile(r"地名表无法加载：(?P<m>.+)"), "The gazetteer cannot be loaded: {m}", {}),
    (re.compile(r"网格边界无法加载：(?P<m>.+)"), "The grid boundaries cannot be loaded: {m}", {}),
    (re.compile(r"紧急规则无法加载：(?P<m>.+)"), "The urgency rules cannot be loaded: {m}", {}),
    (re.compile(r"紧急规则既不是 JSON 也不是有效的 TOML：(?P<m>.+)"),
     "The urgency rules are neither JSON nor valid TOML: {m}", {}),
    (re.compile(r"紧急规则的 TOML 嵌套层数过多"), "The urgency rules TOML is nested too deeply",
     {}),
    (re.compile(r"地名表中没有一个编码与单位编码相同.*"),
     "No code of the gazetteer is a unit code, so no address could be placed in a unit. "
     "Give districts, streets and communities the codes of their units in the unit tree "
     "(the codes used with jiesu unit add)", {}),
    (re.compile(r"网格边界须为 GeoJSON FeatureCollection 对象"),
     "The grid boundaries must be a GeoJSON FeatureCollection object", {}),
    (re.compile(r"网格边界须为 GeoJSON FeatureCollection（\"type\": \"FeatureCollection\"）"),
     'The grid boundaries must be a GeoJSON FeatureCollection ("type": "FeatureCollection")',
     {}),
    (re.compile(r"网格边界中没有任何要素（features）"),
     "The grid boundaries have no feature (features)", {}),
    (re.compile(r"分类关键词须为 \{分类: \[关键词\]\} 对象或 "
                r"\[\{\"category\", \"keywords\"\}\] 列表"),
     'The category keywords must be a {{category: [keywords]}} object or a '
     '[{{"category", "keywords"}}] list', {}),
]


def apply_patterns(patterns: Sequence[tuple[re.Pattern[str], str, Mapping[str, Any]]],
                   zh: str) -> str | None:
    """The English template of the first pattern the whole message matches, each named part
    converted (a part a pattern does not convert stays as written); None if none matches."""
    for pattern, template, convert in patterns:
        found = pattern.fullmatch(zh)
        if found:
            parts = {k: convert.get(k, str)(v or "") for k, v in found.groupdict().items()}
            return template.format(**parts)
    return None


def _where(zh: str) -> str:
    head, paren, rest = zh.partition("（")
    for pattern, template in _WHERE:
        found = pattern.fullmatch(head)
        if found:
            en = template.format(*found.groups())
            return f"{en} ({rest.removesuffix('）')})" if paren else en
    return zh


def _item(zh: str) -> str:
    whole = apply_patterns(_PROBLEMS, zh)  # a form's problem has no line or item before it
    if whole is not None:
        return whole
    where, sep, problem = zh.partition("：")
    if not sep:
        return apply_patterns(_PROBLEMS, zh) or zh
    return f"{_where(where)}: {apply_patterns(_PROBLEMS, problem) or problem}"


def translate(message: str) -> str | None:
    """English of an intake-configuration message, or None if it is not one."""
    return apply_patterns(_MESSAGES, message)
