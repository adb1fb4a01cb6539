"""Admin configuration of intake intelligence (智能受理配置): read it, replace it.

- routing rules: category (code prefix) × area (unit subtree) → lead unit; they take precedence
  over what history suggests;
- urgency rules: keyword rules that mark an appeal urgent/emergency and tell the operator which
  line to transfer the caller to (`jiesu.nlp.urgency`); none stored means the built-in rules;
- gazetteer: CSV `code,name,level,parent_code,aliases` (`jiesu.nlp.location.Gazetteer`); a
  place whose code is a unit code becomes the appeal's area;
- grid polygons: GeoJSON FeatureCollection whose `properties.code` are unit codes;
- keywords per category: the cold-start classifier before any model is trained.

Every replacement is validated as a whole; bad input changes nothing and raises
`InvalidArguments` listing the problems (line or item numbers). After a change the given
intake intelligence reloads at once; other processes pick it up within their reload interval.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io
import json
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from jiesu.domain.errors import InvalidArguments, NotFound
from jiesu.nlp import urgency
from jiesu.nlp.location import LEVELS, Gazetteer, PolygonIndex
from jiesu.services.auth import CurrentUser
from jiesu.services.config_log import hold_log, record_change
from jiesu.store import intake_store as store
from jiesu.store.intake_store import (
    GAZETTEER_KEY,
    POLYGONS_KEY,
    ROUTING_RULES_KEY,
    URGENCY_RULES_KEY,
)
from jiesu.store.uow import Database, UnitOfWork

T = TypeVar("T")
LOGGED = 200  # at most this many rules of a replacement are kept in the change log
KINDS = ("routing", "urgency", "gazetteer", "polygons", "keywords")
KIND_ZH = {"routing": "路由规则", "urgency": "紧急规则", "gazetteer": "地名表",
           "polygons": "网格边界", "keywords": "分类关键词"}
MAX_PROBLEMS_SHOWN = 5  # in the message; all (up to MAX_PROBLEMS) are in `problems`
MAX_PROBLEMS = 50
MIN_KEYWORD_LENGTH = 2
_TRANSFER_LINE = re.compile(r"^\d{3,6}$")
# Level names an admin may write in Chinese (stored in English).
LEVEL_ALIASES = {"区": "district", "县": "district", "区县": "district", "县区": "district",
                 "街道": "street", "乡镇": "street", "乡": "street", "镇": "street",
                 "社区": "community", "村": "community", "村居": "community",
                 "社区村": "community", "网格": "grid"}
LEVEL_ZH = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}
_ROUTING_COLUMNS = {"category": "category", "分类": "category", "事项分类": "category",
                    "area": "area", "区域": "area", "地区": "area",
                    "unit": "unit", "单位": "unit", "承办单位": "unit"}
_KEYWORD_COLUMNS = {"category": "category", "分类": "category", "事项分类": "category",
                    "keywords": "keywords", "关键词": "keywords"}
GAZETTEER_COLUMNS = ("code", "name", "level", "parent_code", "aliases")


class Reloadable(Protocol):
    """What must hear about a change (the process's `IntakeIntelligence`)."""

    def reload(self) -> None: ...


@dataclass(frozen=True)
class RoutingRule:
    category: str | None
    area: str | None
    unit: str

    def as_dict(self) -> dict[str, str]:
        out = {"category": self.category, "area": self.area, "unit": self.unit}
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class GazetteerSummary:
    places: int
    levels: dict[str, int]
    linked: int  # places whose code is a unit code (they become an appeal's area)
    unlinked: list[str]  # the first codes that are not unit codes
    updated_at: datetime | None = None


@dataclass(frozen=True)
class PolygonsSummary:
    areas: int
    codes: list[str]
    updated_at: datetime | None = None


@dataclass(frozen=True)
class CategoryKeywords:
    code: str
    full_name: str
    keywords: list[str]


@dataclass
class IntakeSettings:
    """Everything an admin configured, for `show` pages and GET endpoints."""

    routing: list[RoutingRule] = field(default_factory=list)
    routing_updated_at: datetime | None = None
    urgency_rules: list[dict[str, Any]] = field(default_factory=list)
    urgency_source: str = "default"  # 'custom' once an admin stored rules
    urgency_updated_at: datetime | None = None
    gazetteer: GazetteerSummary | None = None
    polygons: PolygonsSummary | None = None
    keywords: list[CategoryKeywords] = field(default_factory=list)


class _Problems:
    """Collects what is wrong with an upload, then raises them together."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.items: list[str] = []
        self._order: list[int] = []

    def add(self, where: str, message: str, order: int = 0) -> None:
        """Note a problem; `order` (a line number) sorts problems found in a later pass."""
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(f"{where}：{message}" if where else message)
            self._order.append(order)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        self.items = [item for _, item in sorted(zip(self._order, self.items, strict=True),
                                                 key=lambda pair: pair[0])]
        shown = "；".join(self.items[:MAX_PROBLEMS_SHOWN])
        extra = len(self.items) - MAX_PROBLEMS_SHOWN
        more = f"；另有 {extra} 处" if extra > 0 else ""
        raise InvalidArguments(
            f"{self.what}有 {len(self.items)} 处问题，未作任何修改：{shown}{more}",
            problems=list(self.items))


class IntakeConfigService:
    """Intake configuration use cases; each replacement is recorded in the configuration-change
    log as made by `by` (None: the command line) in the same transaction."""

    def __init__(self, db: Database, intake: Reloadable | None = None,
                 by: CurrentUser | None = None) -> None:
        self.db = db
        self.intake = intake
        self.by = by

    def _log(self, uow: UnitOfWork, kind: str, action: str, summary: str,
             details: dict[str, Any], now: datetime | None = None) -> None:
        record_change(uow, self.by, "intake", action, summary, {"kind": kind, **details},
                      now=now)

    # --- reading ----------------------------------------------------------------------------

    def show(self) -> IntakeSettings:
        """The whole configuration (gazetteer and polygons as summaries)."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            stored = store.read_settings(s)
            units = store.unit_ids_by_code(s)
            cats = store.categories(s)
        out = IntakeSettings()
        if ROUTING_RULES_KEY in stored:
            out.routing = [_rule_of(r) for r in stored[ROUTING_RULES_KEY].value or []]
            out.routing_updated_at = stored[ROUTING_RULES_KEY].updated_at
        if stored.get(URGENCY_RULES_KEY) and stored[URGENCY_RULES_KEY].value:
            out.urgency_rules = list(stored[URGENCY_RULES_KEY].value)
            out.urgency_source = "custom"
            out.urgency_updated_at = stored[URGENCY_RULES_KEY].updated_at
        else:
            out.urgency_rules = urgency.rules_to_dicts(urgency.DEFAULT_RULES)
        if stored.get(GAZETTEER_KEY) and stored[GAZETTEER_KEY].value:
            rows = parse_gazetteer(stored[GAZETTEER_KEY].value)
            out.gazetteer = _gazetteer_summary(rows, units, stored[GAZETTEER_KEY].updated_at)
        if stored.get(POLYGONS_KEY) and stored[POLYGONS_KEY].value:
            features = stored[POLYGONS_KEY].value.get("features", [])
            codes = [str((f.get("properties") or {}).get("code")) for f in features]
            out.polygons = PolygonsSummary(len(codes), codes, stored[POLYGONS_KEY].updated_at)
        out.keywords = [CategoryKeywords(c.code, c.full_name, store.split_keywords(c.keywords))
                        for c in cats if store.split_keywords(c.keywords)]
        return out

    def gazetteer_csv(self) -> str | None:
        """The stored gazetteer CSV (normalised: the five columns, no blank rows)."""
        value = self._setting(GAZETTEER_KEY)
        return str(value) if value else None

    def polygons_geojson(self) -> dict[str, Any] | None:
        value = self._setting(POLYGONS_KEY)
        return dict(value) if value else None

    def export(self, kind: str) -> str:
        """A kind's current configuration in the format its upload takes (edit and re-upload)."""
        if kind == "routing":
            return routing_csv(self.show().routing)
        if kind == "urgency":
            return json.dumps({"rules": self.show().urgency_rules}, ensure_ascii=False, indent=2)
        if kind == "keywords":
            return keywords_csv(self.show().keywords)
        if kind == "gazetteer":
            return self.gazetteer_csv() or ",".join(GAZETTEER_COLUMNS) + "\n"
        if kind == "polygons":
            return json.dumps(self.polygons_geojson() or {"type": "FeatureCollection",
                                                          "features": []},
                              ensure_ascii=False, indent=1)
        raise InvalidArguments(_unknown_kind(kind), field="kind")

    # --- replacing --------------------------------------------------------------------------

    def replace_routing(self, rules: str | Sequence[Any] | Mapping[str, Any], *,
                        now: datetime) -> list[RoutingRule]:
        """Replace all routing rules (JSON list, {"rules": [...]}, or CSV category,area,unit)."""
        items = parse_routing(rules) if isinstance(rules, str) else _json_items(rules, "路由规则")
        with self.db.uow() as uow:
            s = uow.session
            units = store.unit_ids_by_code(s)
            cats = store.categories(s)
            parsed = _validate_routing(items, units, cats)
            store.write_setting(s, ROUTING_RULES_KEY, [r.as_dict() for r in parsed], now)
            self._log(uow, "routing", "replace", f"替换路由规则：{len(parsed)} 条",
                      {"count": len(parsed), "rules": [r.as_dict() for r in parsed][:LOGGED]},
                      now)
            uow.commit()
        self._changed()
        return parsed

    def replace_urgency(self, rules: str | Sequence[Any] | Mapping[str, Any], *,
                        now: datetime) -> int:
        """Replace the urgency rules (JSON or TOML); an empty list restores the built-in rules.

        Returns the number of rules now in force.
        """
        items = parse_urgency(rules) if isinstance(rules, str) else _json_items(rules, "紧急规则")
        parsed = validate_urgency(items)
        with self.db.uow() as uow:
            if parsed:
                store.write_setting(uow.session, URGENCY_RULES_KEY,
                                    urgency.rules_to_dicts(parsed), now)
            else:
                store.delete_setting(uow.session, URGENCY_RULES_KEY)
            self._log(uow, "urgency", "replace",
                      f"替换紧急规则：{len(parsed)} 条" if parsed else "紧急规则恢复为内置规则",
                      {"count": len(parsed),
                       "rules": urgency.rules_to_dicts(parsed)[:LOGGED] if parsed else []}, now)
            uow.commit()
        self._changed()
        return len(parsed) if parsed else len(urgency.DEFAULT_RULES)

    def replace_gazetteer(self, csv_text: str, *, now: datetime) -> GazetteerSummary:
        """Replace the gazetteer with a CSV (stored normalised)."""
        rows = parse_gazetteer(csv_text)
        normalised = gazetteer_csv_text(rows)
        try:
            Gazetteer.from_csv(io.StringIO(normalised))
        except ValueError as exc:  # parse_gazetteer checks what this does; kept as a guard
            raise InvalidArguments(f"地名表无法加载：{exc}") from None
        with self.db.uow() as uow:
            units = store.unit_ids_by_code(uow.session)
            summary = _gazetteer_summary(rows, units, now)
            if not summary.linked:
                raise InvalidArguments(
                    "地名表中没有一个编码与单位编码相同，无法把地址定位到单位。请让区、街道、"
                    "社区的编码与单位树中的单位编码一致（例如 jiesu unit add 时用的编码）",
                    problems=[f"编码 {c} 不是单位编码" for c in summary.unlinked])
            store.write_setting(uow.session, GAZETTEER_KEY, normalised, now)
            self._log(uow, "gazetteer", "replace", f"替换地名表：{len(rows)} 行",
                      {"rows": len(rows), "sha256": _digest(normalised)}, now)
            uow.commit()
        self._changed()
        return summary

    def replace_polygons(self, geojson: str | Mapping[str, Any], *,
                         now: datetime) -> PolygonsSummary:
        """Replace the grid polygons (GeoJSON FeatureCollection; properties.code = unit code)."""
        data = parse_geojson(geojson) if isinstance(geojson, str) else dict(geojson)
        problems = _Problems("网格边界")
        codes = _check_geojson(data, problems)
        problems.raise_if_any()
        try:
            PolygonIndex.from_geojson(data)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise InvalidArguments(f"网格边界无法加载：{exc}") from None
        with self.db.uow() as uow:
            units = store.unit_ids_by_code(uow.session)
            for n, code in enumerate(codes, start=1):
                if code not in units:
                    problems.add(f"第 {n} 个要素（{code}）",
                                 "不是单位编码（须与单位树中的编码一致）")
            problems.raise_if_any()
            store.write_setting(uow.session, POLYGONS_KEY, data, now)
            self._log(uow, "polygons", "replace", f"替换网格边界：{len(codes)} 个网格",
                      {"grids": len(codes), "codes": codes[:LOGGED],
                       "sha256": _digest(json.dumps(data, sort_keys=True))}, now)
            uow.commit()
        self._changed()
        return PolygonsSummary(len(codes), codes, now)

    def replace_keywords(self, keywords: str | Sequence[Any] | Mapping[str, Any], *,
                         now: datetime) -> list[CategoryKeywords]:
        """Replace every category's keywords; categories not listed get none.

        Accepts {category: [keywords]} or [{"category", "keywords"}] (JSON), or CSV
        `category,keywords`; a category is named by its code or full name.
        """
        items = parse_keywords(keywords) if isinstance(keywords, str) else _keyword_items(
            keywords)
        with self.db.uow() as uow:
            cats = store.categories(uow.session)
            chosen = _validate_keywords(items, cats)
            store.replace_keywords(uow.session, {
                c.id: store.join_keywords(words) for c, words in chosen})
            self._log(uow, "keywords", "replace", f"替换分类关键词：{len(chosen)} 个分类",
                      {"categories": len(chosen),
                       "keywords": {c.code: list(words) for c, words in chosen[:LOGGED]}}, now)
            uow.commit()
        self._changed()
        return [CategoryKeywords(c.code, c.full_name, words) for c, words in chosen]

    # --- one rule at a time (the admin page's rows) ----------------------------------------

    def save_routing_rule(self, rule: Mapping[str, str], *, replacing: RoutingKey | None = None,
                          now: datetime) -> RoutingRule:
        """Add a routing rule, or change the one whose category and area are `replacing`; a
        rule of the same category and area as another is refused, so is a bad one."""
        with self.db.uow() as uow:
            hold_log(uow)
            s = uow.session
            rules = self._stored_routing(s)
            at = _routing_index(rules, replacing) if replacing is not None else None
            new = _one_rule(lambda items: _validate_routing(
                items, store.unit_ids_by_code(s), store.categories(s)), rule, "路由规则")[0]
            clash = next((r for i, r in enumerate(rules)
                          if i != at and (r.category, r.area) == (new.category, new.area)), None)
            if clash is not None:
                raise InvalidArguments(f"已有同一分类和区域的路由规则（派给 {clash.unit}），"
                                       "请修改那一条", field="category")
            before = _put(rules, at, new)
            self._write_routing(uow, rules, "update" if before else "add",
                                f"{'修改' if before else '新增'}路由规则："
                                f"{_routing_words(new)}", before, new, now)
            uow.commit()
        self._changed()
        return new

    def delete_routing_rule(self, key: RoutingKey, *, now: datetime) -> RoutingRule:
        """Remove the routing rule of this category and area."""
        with self.db.uow() as uow:
            hold_log(uow)
            rules = self._stored_routing(uow.session)
            gone = rules.pop(_routing_index(rules, key))
            self._write_routing(uow, rules, "delete", f"删除路由规则：{_routing_words(gone)}",
                                gone, None, now)
            uow.commit()
        self._changed()
        return gone

    def save_urgency_rule(self, rule: Mapping[str, Any], *, replacing: str | None = None,
                          now: datetime) -> urgency.UrgencyRule:
        """Add an urgency rule, or change the one named `replacing`. The built-in rules are
        what is edited until custom ones are stored; the first change stores them all."""
        for key, label in (("name", "规则名称"), ("keywords", "关键词")):
            if not rule.get(key):
                raise InvalidArguments(f"请填写{label}", field=key)
        new = _one_rule(validate_urgency, rule, "紧急规则")[0]
        with self.db.uow() as uow:
            hold_log(uow)
            rules = self._stored_urgency(uow.session)
            names = [r["name"] for r in rules]
            at = _urgency_index(names, replacing) if replacing is not None else None
            if new.name in names and names.index(new.name) != at:
                raise InvalidArguments(f"已有名为 {new.name} 的紧急规则", field="name")
            after = urgency.rules_to_dicts([new])[0]
            before = _put(rules, at, after)
            self._write_urgency(uow, rules, "update" if before else "add",
                                f"{'修改' if before else '新增'}紧急规则：{new.name}",
                                before, after, now)
            uow.commit()
        self._changed()
        return new

    def delete_urgency_rule(self, name: str, *, now: datetime) -> str:
        """Remove the urgency rule of this name; the last one stays (none stored means the
        built-in rules: 恢复内置规则 does that on purpose)."""
        with self.db.uow() as uow:
            hold_log(uow)
            rules = self._stored_urgency(uow.session)
            gone = rules.pop(_urgency_index([r["name"] for r in rules], name))
            if not rules:
                raise InvalidArguments("至少须保留一条紧急规则；要改用内置规则，请点“恢复内置规则”")
            self._write_urgency(uow, rules, "delete", f"删除紧急规则：{gone['name']}", gone,
                                None, now)
            uow.commit()
        self._changed()
        return str(gone["name"])

    def _stored_routing(self, session: Any) -> list[RoutingRule]:
        found = store.read_settings(session, [ROUTING_RULES_KEY]).get(ROUTING_RULES_KEY)
        return [_rule_of(r) for r in (found.value if found else None) or []]

    def _write_routing(self, uow: UnitOfWork, rules: list[RoutingRule], action: str,
                       summary: str, before: RoutingRule | None, after: RoutingRule | None,
                       now: datetime) -> None:
        store.write_setting(uow.session, ROUTING_RULES_KEY, [r.as_dict() for r in rules], now)
        self._log(uow, "routing", action, summary, {
            "count": len(rules), "before": before.as_dict() if before else None,
            "after": after.as_dict() if after else None}, now)

    def _stored_urgency(self, session: Any) -> list[dict[str, Any]]:
        found = store.read_settings(session, [URGENCY_RULES_KEY]).get(URGENCY_RULES_KEY)
        if found is None or not found.value:
            return urgency.rules_to_dicts(urgency.DEFAULT_RULES)
        return [dict(r) for r in found.value]

    def _write_urgency(self, uow: UnitOfWork, rules: list[dict[str, Any]], action: str,
                       summary: str, before: dict[str, Any] | None,
                       after: dict[str, Any] | None, now: datetime) -> None:
        store.write_setting(uow.session, URGENCY_RULES_KEY, rules, now)
        self._log(uow, "urgency", action, summary,
                  {"count": len(rules), "before": before, "after": after}, now)

    def clear(self, kind: str) -> None:
        """Remove a kind's configuration (urgency: back to the built-in rules)."""
        if kind not in KINDS:
            raise InvalidArguments(_unknown_kind(kind), field="kind")
        with self.db.uow() as uow:
            if kind == "keywords":
                store.replace_keywords(uow.session, {})
            else:
                store.delete_setting(uow.session, {
                    "routing": ROUTING_RULES_KEY, "urgency": URGENCY_RULES_KEY,
                    "gazetteer": GAZETTEER_KEY, "polygons": POLYGONS_KEY}[kind])
            self._log(uow, kind, "clear", f"清除{KIND_ZH[kind]}", {})
            uow.commit()
        self._changed()

    # --- internals --------------------------------------------------------------------------

    def _setting(self, key: str) -> Any:
        with self.db.uow(write=False) as uow:
            found = store.read_settings(uow.session, [key]).get(key)
        return found.value if found else None

    def _changed(self) -> None:
        if self.intake is not None:
            self.intake.reload()


def _unknown_kind(kind: str) -> str:
    return f"配置类型“{kind}”无效，可选：{'、'.join(KINDS)}"


# --- routing ----------------------------------------------------------------------------------

Item = tuple[str, Any]  # (where, value): where is "第 3 行" (CSV) or "第 3 条" (JSON)


def _looks_like_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{")


def _load_json(text: str, what: str) -> Any:
    try:
        return json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InvalidArguments(
            f"{what}不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}") from None
    except RecursionError:
        raise InvalidArguments(f"{what}的 JSON 嵌套层数过多") from None


def _json_items(data: Any, what: str) -> list[Item]:
    """The items of a JSON list or of {"rules": [...]}, numbered for messages."""
    if isinstance(data, Mapping):
        if set(data) != {"rules"}:
            raise InvalidArguments(f"{what}须为列表，或形如 {{\"rules\": [...]}} 的对象")
        data = data["rules"]
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        raise InvalidArguments(f"{what}须为列表，或形如 {{\"rules\": [...]}} 的对象")
    return [(f"第 {i} 条", item) for i, item in enumerate(data, start=1)]


@contextmanager
def _csv_errors(what: str, reader: Any) -> Iterator[None]:
    """A file the csv module cannot read (a NUL byte, a field over its size limit) is a
    message naming the line, like any other problem of the file."""
    try:
        yield
    except csv.Error as exc:
        line = getattr(reader, "reader", reader).line_num  # a DictReader's own lags a row
        raise InvalidArguments(f"{what}第 {line} 行不是有效的 CSV：{exc}") from None


def _checked(reader: Any, what: str) -> Iterator[Any]:
    with _csv_errors(what, reader):
        yield from reader


def _csv_items(text: str, columns: Mapping[str, str], required: Sequence[str],
               what: str) -> list[Item]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    with _csv_errors(what, reader):
        header = next(reader, None)
    if header is None:
        return []
    names = [columns.get(h.strip().lower()) for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise InvalidArguments(f"{what}的第一行须为表头，包含 {'、'.join(required)} 列"
                               f"（缺少 {'、'.join(missing)}）")
    out: list[Item] = []
    for row in _checked(reader, what):
        if not any(cell.strip() for cell in row):
            continue
        values = {name: cell.strip() for name, cell in zip(names, row, strict=False) if name}
        out.append((f"第 {reader.line_num} 行", values))
    return out


def parse_routing(text: str) -> list[Item]:
    """Routing rules from JSON text or CSV with header category,area,unit."""
    if _looks_like_json(text):
        return _json_items(_load_json(text, "路由规则"), "路由规则")
    return _csv_items(text, _ROUTING_COLUMNS, ("unit",), "路由规则")


def _validate_routing(items: Sequence[Item], units: Mapping[str, int],
                      cats: Sequence[store.CategoryInfo]) -> list[RoutingRule]:
    problems = _Problems("路由规则")
    codes = {c.code for c in cats}
    by_name = {c.full_name: c.code for c in cats}
    seen: dict[tuple[str | None, str | None], str] = {}
    rules: list[RoutingRule] = []
    for where, item in items:
        if not isinstance(item, Mapping):
            problems.add(where, "每条规则须为对象 {\"category\", \"area\", \"unit\"}")
            continue
        unknown = set(item) - {"category", "area", "unit"}
        if unknown:
            problems.add(where, f"不认识的字段 {'、'.join(sorted(map(str, unknown)))}"
                         "（可用 category、area、unit）")
            continue
        values = {k: item.get(k) for k in ("category", "area", "unit")}
        if any(v is not None and not isinstance(v, str) for v in values.values()):
            problems.add(where, "category、area、unit 须为文本")
            continue
        category = (values["category"] or "").strip() or None
        area = (values["area"] or "").strip() or None
        unit = (values["unit"] or "").strip()
        if category is not None and category not in codes:
            if category in by_name:
                category = by_name[category]
            else:
                problems.add(where, f"分类 {category} 不存在（填分类编码或完整名称）")
        if area is not None and area not in units:
            problems.add(where, f"区域单位 {area} 不存在")
        if not unit:
            problems.add(where, "缺少承办单位（unit）")
        elif unit not in units:
            problems.add(where, f"承办单位 {unit} 不存在")
        if category is None and area is None:
            problems.add(where, "须指定分类或区域（否则所有诉求都会派给同一单位）")
        key = (category, area)
        if key in seen:
            problems.add(where, f"与{seen[key]}的分类和区域相同")
        seen.setdefault(key, where)
        rules.append(RoutingRule(category, area, unit))
    problems.raise_if_any()
    return rules


RoutingKey = tuple[str | None, str | None]  # a routing rule's category and area


def _one_rule(validate: Callable[[list[Item]], Sequence[T]], rule: Mapping[str, Any],
              what: str) -> Sequence[T]:
    """One rule typed into a form, checked as an upload's rule is; its problems come back
    without the line numbers an upload's have (what was wrong, for the form)."""
    try:
        return validate([("", dict(rule))])
    except InvalidArguments as exc:
        problems = exc.details.get("problems")
        if not isinstance(problems, list) or not problems:
            raise
        raise InvalidArguments(f"{what}未保存：{'；'.join(map(str, problems))}",
                               problems=problems) from None


def _put(rules: list[T], at: int | None, rule: T) -> T | None:
    """Put `rule` in place of the one at `at` (returned) or, with no place, at the end."""
    if at is None:
        rules.append(rule)
        return None
    before, rules[at] = rules[at], rule
    return before


def _routing_index(rules: Sequence[RoutingRule], key: RoutingKey) -> int:
    category, area = (k or None for k in key)
    for i, r in enumerate(rules):
        if (r.category, r.area) == (category, area):
            return i
    raise NotFound("该路由规则已不存在（可能刚被修改或删除），请刷新后重试")


def _urgency_index(names: Sequence[str], name: str) -> int:
    if name not in names:
        raise NotFound(f"紧急规则 {name} 已不存在（可能刚被修改或删除），请刷新后重试")
    return names.index(name)


def phrases(text: str) -> list[str]:
    """Keywords or phrases typed into one field, separated by commas, 、, |, ; or lines."""
    return store.split_keywords(text)


def _routing_words(rule: RoutingRule) -> str:
    return f"{rule.category or '全部分类'} × {rule.area or '全部区域'} → {rule.unit}"


def _rule_of(data: Mapping[str, Any]) -> RoutingRule:
    return RoutingRule(data.get("category") or None, data.get("area") or None,
                       str(data.get("unit") or ""))


def routing_csv(rules: Sequence[RoutingRule]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["category", "area", "unit"])
    for r in rules:
        w.writerow([r.category or "", r.area or "", r.unit])
    return out.getvalue()


# --- urgency ----------------------------------------------------------------------------------

def parse_urgency(text: str) -> list[Item]:
    """Urgency rules from JSON (a list or {"rules": [...]}) or TOML ([[rules]] tables)."""
    if not text.strip():
        return []
    if _looks_like_json(text) and not text.lstrip("\ufeff \t\r\n").startswith("[["):
        return _json_items(_load_json(text, "紧急规则"), "紧急规则")
    try:
        data = tomllib.loads(text.lstrip("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidArguments(f"紧急规则既不是 JSON 也不是有效的 TOML：{exc}") from None
    except RecursionError:
        raise InvalidArguments("紧急规则的 TOML 嵌套层数过多") from None
    return _json_items(data, "紧急规则")


def validate_urgency(items: Sequence[Item]) -> tuple[urgency.UrgencyRule, ...]:
    """Check every rule (types, level, transfer lines, unique names), then build them."""
    problems = _Problems("紧急规则")
    allowed = {"name", "keywords", "level", "transfer_to", "message", "exclude"}
    names: set[str] = set()
    good: list[Mapping[str, Any]] = []
    for where, item in items:
        if not isinstance(item, Mapping):
            problems.add(where, "每条规则须为对象（name、keywords、level…）")
            continue
        label = f"{where}（{item.get('name')}）" if item.get("name") and where else where
        before = len(problems.items)
        unknown = set(item) - allowed
        if unknown:
            problems.add(label, f"不认识的字段 {'、'.join(sorted(map(str, unknown)))}"
                         f"（可用 {'、'.join(sorted(allowed))}）")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.add(label, "缺少规则名称（name）")
        elif name in names:
            problems.add(label, f"规则名称 {name} 重复")
        else:
            names.add(name)
        keywords = item.get("keywords")
        if not _str_list(keywords) or not keywords:
            problems.add(label, "keywords 须为非空的关键词列表，例如 [\"燃气泄漏\", \"煤气泄漏\"]")
        elif not all(k.strip() for k in keywords):
            problems.add(label, "keywords 中有空的关键词")
        if item.get("level") not in ("urgent", "emergency"):
            problems.add(label, f"level 须为 urgent（紧急）或 emergency（特急），"
                         f"不能是 {item.get('level')!r}")
        transfer = item.get("transfer_to", [])
        if not _str_list(transfer) or not all(_TRANSFER_LINE.match(t) for t in transfer):
            problems.add(label, "transfer_to 须为电话号码列表，例如 [\"119\", \"120\"]")
        message = item.get("message")
        if message is not None and not isinstance(message, str):
            problems.add(label, "message 须为文本")
        if not _str_list(item.get("exclude", [])):
            problems.add(label, "exclude 须为短语列表")
        if len(problems.items) == before:
            good.append(item)
    problems.raise_if_any()
    try:
        return urgency.rules_from_dicts(good)
    except (ValueError, TypeError) as exc:  # the checks above should have caught it
        raise InvalidArguments(f"紧急规则无法加载：{exc}") from None


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# --- gazetteer --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GazetteerRow:
    code: str
    name: str
    level: str
    parent_code: str
    aliases: str
    line: int = 0  # in the uploaded file


def parse_gazetteer(text: str) -> list[GazetteerRow]:
    """Rows of a gazetteer CSV, checked as a whole (columns, levels, codes, parents).

    Blank rows are skipped; levels may be written in Chinese (区/街道/社区/网格…).
    """
    problems = _Problems("地名表")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    with _csv_errors("地名表", reader):
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("code", "name", "level") if c not in header]
    if not reader.fieldnames or missing:
        raise InvalidArguments("地名表的第一行须为表头 code,name,level,parent_code,aliases"
                               + (f"（缺少 {'、'.join(missing)}）" if reader.fieldnames else ""))
    reader.fieldnames = header
    rows: list[GazetteerRow] = []
    lines: dict[str, int] = {}
    for row in _checked(reader, "地名表"):
        line = reader.line_num
        cells = {k: (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()
                 if k is not None}
        if not any(cells.values()):
            continue
        where = f"第 {line} 行"
        code, name = cells.get("code", ""), cells.get("name", "")
        add = functools.partial(problems.add, order=line)
        level = LEVEL_ALIASES.get(cells.get("level", ""), cells.get("level", "").lower())
        if not code:
            add(where, "缺少编码（code）")
        if not name:
            add(where, "缺少名称（name）")
        if level not in LEVELS:
            add(where, f"层级“{cells.get('level', '')}”无效，可选 "
                f"{'、'.join(LEVELS)}（或 区、街道、社区、网格）")
        if code and code in lines:
            add(where, f"编码 {code} 与第 {lines[code]} 行重复")
        elif code:
            lines[code] = line
        rows.append(GazetteerRow(code, name, level, cells.get("parent_code", ""),
                                 cells.get("aliases", ""), line))
    if not rows and not problems:
        problems.add("", "没有任何地名")
    depth = {lv: i for i, lv in enumerate(LEVELS)}
    by_code = {r.code: r for r in rows if r.code}
    for r in rows:
        if not r.parent_code:
            continue
        where = f"第 {r.line} 行"
        parent = by_code.get(r.parent_code)
        if parent is None:
            problems.add(where, f"上级编码 {r.parent_code} 不在地名表中", r.line)
        elif r.level in depth and parent.level in depth and depth[parent.level] >= depth[r.level]:
            problems.add(where, f"上级 {r.parent_code}（{parent.level}）须比本级（{r.level}）"
                         "层级更高", r.line)
    problems.raise_if_any()
    return rows


def gazetteer_csv_text(rows: Sequence[GazetteerRow]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(GAZETTEER_COLUMNS)
    for r in rows:
        w.writerow([r.code, r.name, r.level, r.parent_code, r.aliases])
    return out.getvalue()


def reparent_place(text: str, code: str, parent_code: str) -> str | None:
    """The gazetteer CSV with place `code` under `parent_code` (a unit moved to another
    parent, say a community to another street: the place moved with it); None when `code` is
    not in it or is there already. InvalidArguments, in words an administrator can act on,
    when the new parent is not in it or its level does not fit."""
    rows = parse_gazetteer(text)
    place = next((r for r in rows if r.code == code), None)
    if place is None or place.parent_code == parent_code:
        return None
    parent = next((r for r in rows if r.code == parent_code), None)
    if parent is None:
        raise InvalidArguments(f"地名表中没有 {parent_code}，{code} 在地名表中的上级仍是 "
                               f"{place.parent_code or '（无）'}，请在智能受理页更新地名表")
    if LEVELS.index(parent.level) >= LEVELS.index(place.level):
        raise InvalidArguments(
            f"地名表中 {parent_code} 是{LEVEL_ZH[parent.level]}，不能作为{LEVEL_ZH[place.level]} "
            f"{code} 的上级，{code} 在地名表中的上级仍是 {place.parent_code or '（无）'}，"
            "请在智能受理页更新地名表")
    return gazetteer_csv_text([dataclasses.replace(r, parent_code=parent_code)
                               if r is place else r for r in rows])


def _gazetteer_summary(rows: Sequence[GazetteerRow], units: Mapping[str, int],
                       updated_at: datetime | None) -> GazetteerSummary:
    levels = Counter(r.level for r in rows)
    unlinked = [r.code for r in rows if r.code not in units]
    return GazetteerSummary(len(rows), {lv: levels[lv] for lv in LEVELS if levels[lv]},
                            len(rows) - len(unlinked), unlinked[:20], updated_at)


# --- polygons ---------------------------------------------------------------------------------

def parse_geojson(text: str) -> dict[str, Any]:
    data = _load_json(text, "网格边界")
    if not isinstance(data, dict):
        raise InvalidArguments("网格边界须为 GeoJSON FeatureCollection 对象")
    return data


def _check_geojson(data: Mapping[str, Any], problems: _Problems) -> list[str]:
    """Structure and coordinate ranges of every feature; returns the codes."""
    if data.get("type") != "FeatureCollection":
        raise InvalidArguments("网格边界须为 GeoJSON FeatureCollection（\"type\": "
                               "\"FeatureCollection\"）")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidArguments("网格边界中没有任何要素（features）")
    codes: list[str] = []
    seen: dict[str, int] = {}
    for n, feature in enumerate(features, start=1):
        where = f"第 {n} 个要素"
        if not isinstance(feature, Mapping):
            problems.add(where, "须为 Feature 对象")
            continue
        props = feature.get("properties") or {}
        code = props.get("code") if isinstance(props, Mapping) else None
        if code is None or not str(code).strip():
            problems.add(where, "缺少 properties.code（单位编码）")
            code = ""
        code = str(code).strip()
        if code:
            where = f"{where}（{code}）"
            if code in seen:
                problems.add(where, f"编码与第 {seen[code]} 个要素重复")
            seen.setdefault(code, n)
        codes.append(code)
        geom = feature.get("geometry") or {}
        kind = geom.get("type") if isinstance(geom, Mapping) else None
        if kind not in ("Polygon", "MultiPolygon"):
            problems.add(where, f"几何类型须为 Polygon 或 MultiPolygon，不能是 {kind!r}")
            continue
        coords = geom.get("coordinates")
        polygons = [coords] if kind == "Polygon" else coords
        message = _check_polygons(polygons)
        if message:
            problems.add(where, message)
    return codes


def _check_polygons(polygons: Any) -> str | None:
    if not isinstance(polygons, list) or not polygons:
        return "coordinates 为空"
    for poly in polygons:
        if not isinstance(poly, list) or not poly:
            return "多边形须为环的列表"
        for ring in poly:
            if not isinstance(ring, list) or len(ring) < 3:
                return "每个环至少须有 3 个点"
            for point in ring:
                if (not isinstance(point, list) or len(point) < 2
                        or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                   for v in point[:2])):
                    return f"坐标 {point!r} 不是 [经度, 纬度]"
                lon, lat = point[0], point[1]
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    return (f"坐标 {point!r} 超出范围（GeoJSON 的顺序是 [经度, 纬度]，"
                            "请检查是否写反）")
    return None


# --- keywords ---------------------------------------------------------------------------------

def parse_keywords(text: str) -> list[Item]:
    """Keywords from JSON ({category: [keywords]} or a list) or CSV category,keywords."""
    if _looks_like_json(text):
        return _keyword_items(_load_json(text, "分类关键词"))
    return [(where, (v.get("category", ""), v.get("keywords", "")))
            for where, v in _csv_items(text, _KEYWORD_COLUMNS, ("category", "keywords"),
                                       "分类关键词")]


def _keyword_items(data: Any) -> list[Item]:
    if isinstance(data, Mapping):
        return [(f"分类 {k}", (k, v)) for k, v in data.items()]
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        raise InvalidArguments("分类关键词须为 {分类: [关键词]} 对象或 "
                               "[{\"category\", \"keywords\"}] 列表")
    out: list[Item] = []
    for i, item in enumerate(data, start=1):
        if isinstance(item, Mapping) and set(item) <= {"category", "keywords"}:
            out.append((f"第 {i} 条", (item.get("category"), item.get("keywords"))))
        else:
            out.append((f"第 {i} 条", None))
    return out


def _validate_keywords(items: Sequence[Item], cats: Sequence[store.CategoryInfo]
                       ) -> list[tuple[store.CategoryInfo, list[str]]]:
    problems = _Problems("分类关键词")
    by_key: dict[str, store.CategoryInfo] = {c.full_name: c for c in cats}
    by_key.update({c.code: c for c in cats})
    chosen: dict[int, tuple[store.CategoryInfo, list[str]]] = {}
    where_of: dict[int, str] = {}
    for where, item in items:
        if item is None:
            problems.add(where, "须为 {\"category\": …, \"keywords\": […]}")
            continue
        key, raw = item
        category = by_key.get(str(key).strip()) if isinstance(key, str) else None
        if category is None:
            problems.add(where, f"分类 {key} 不存在（填分类编码或完整名称，如 城乡建设/市政设施）")
            continue
        if isinstance(raw, str):
            words = store.split_keywords(raw)
        elif _str_list(raw):
            words = list(dict.fromkeys(w.strip() for w in raw if w.strip()))
        else:
            problems.add(where, "关键词须为列表或以逗号、顿号、| 分隔的文本")
            continue
        short = [w for w in words if len(w) < MIN_KEYWORD_LENGTH]
        if short:
            problems.add(where, f"关键词至少 {MIN_KEYWORD_LENGTH} 个字：{'、'.join(short)}")
        if category.id in chosen:
            problems.add(where, f"分类 {category.code} 与{where_of[category.id]}重复")
            continue
        if words:
            chosen[category.id] = (category, words)
            where_of[category.id] = where
    problems.raise_if_any()
    return sorted(chosen.values(), key=lambda cw: cw[0].code)


def keywords_csv(items: Sequence[CategoryKeywords]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["category", "keywords"])
    for item in items:
        w.writerow([item.code, "|".join(item.keywords)])
    return out.getvalue()


def keyword_rules(cats: Sequence[store.CategoryInfo]) -> dict[str, list[str]]:
    """Keyword classifier rules from the active categories' keywords: full name → keywords.

    Labels are full names, which intake maps back to category codes.
    """
    return {c.full_name: words for c in cats
            if c.active and (words := store.split_keywords(c.keywords))}


def _digest(text: str) -> str:
    """SHA-256 of a large replacement (gazetteer, polygons): the log names it, not holds it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
