"""Import mappings (导入映射): how the columns of another system's export become jiesu fields.

A mapping is a TOML file (see docs/import.md). This module is pure: it parses the mapping and
turns one source row (column name -> cell value) into an `ImportRecord`, or into `RowError`s that
name the row, the column and the value. Database look-ups (categories, units, already imported
ids) happen in `services.exchange`.
"""

from __future__ import annotations

import builtins
import difflib
import re
import tomllib
from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jiesu.domain import appeal as dom
from jiesu.domain import unit_tree
from jiesu.domain.errors import InvalidArguments


class MappingError(InvalidArguments):
    """The mapping file itself is wrong (raised before any row is read)."""

    code = "invalid_mapping"


@dataclass(frozen=True, eq=False)
class FieldInfo:
    label: str  # Chinese name used in messages
    type: str  # text, enum, datetime, float, bool, category, unit, units
    max_length: int | None = None
    enum: builtins.type[StrEnum] | None = None
    zh: MappingABC[Any, str] | None = None  # Chinese labels accepted as enum values
    # enum values read but then refused (named in their own message, not offered as a choice)
    refused: frozenset[Any] = frozenset()


# Every jiesu field a mapping may fill. Lengths are the database column limits.
FIELDS: dict[str, FieldInfo] = {
    "source_id": FieldInfo("来源编号", "text", 150),
    "title": FieldInfo("标题", "text", 200),
    "content": FieldInfo("诉求内容", "text", 10_000),
    "kind": FieldInfo("诉求类型", "enum", enum=dom.Kind, zh=dom.KIND_ZH),
    "urgency": FieldInfo("紧急程度", "enum", enum=dom.Urgency, zh=dom.URGENCY_ZH),
    "channel": FieldInfo("来源渠道", "enum", enum=dom.Channel, zh=dom.CHANNEL_ZH),
    "category": FieldInfo("事项分类", "category"),
    "requester_name": FieldInfo("诉求人姓名", "text", 100),
    "requester_phone": FieldInfo("联系电话", "text", 32),
    "requester_type": FieldInfo("诉求人类型", "enum_text", 16),
    "enterprise_code": FieldInfo("统一社会信用代码", "text", 18),
    "address": FieldInfo("地址", "text", 500),
    "area": FieldInfo("所属区域", "unit"),
    "latitude": FieldInfo("纬度", "float"),
    "longitude": FieldInfo("经度", "float"),
    "confidential": FieldInfo("是否保密", "bool"),
    # an appeal merged into another cannot be imported without its target (see the row check)
    "status": FieldInfo("办理状态", "enum", enum=dom.Status, zh=dom.STATUS_ZH,
                        refused=frozenset({dom.Status.MERGED})),
    "created_at": FieldInfo("登记时间", "datetime"),
    "lead_unit": FieldInfo("主办单位", "unit"),
    "co_units": FieldInfo("协办单位", "units"),
    "dispatched_at": FieldInfo("派单时间", "datetime"),
    "signed_at": FieldInfo("签收时间", "datetime"),
    "first_contact_at": FieldInfo("首次联系时间", "datetime"),
    "replied_at": FieldInfo("答复时间", "datetime"),
    "closed_at": FieldInfo("办结时间", "datetime"),
    "reply_text": FieldInfo("答复内容", "text", 20_000),
    "reply_claim": FieldInfo("办理结果", "enum", enum=dom.ReplyClaim, zh=dom.REPLY_CLAIM_ZH),
    "followup_resolved": FieldInfo("是否解决", "enum", enum=dom.Resolved,
                                   zh={dom.Resolved.YES: "已解决", dom.Resolved.PARTLY: "部分解决",
                                       dom.Resolved.NO: "未解决"}),
    "followup_satisfaction": FieldInfo("满意度", "enum", enum=dom.Satisfaction,
                                       zh=dom.SATISFACTION_ZH),
    "reject_reason": FieldInfo("不予受理原因", "enum", enum=dom.RejectReason,
                               zh=dom.REJECT_REASON_ZH),
}
REQUIRED = ("source_id", "content", "created_at")
SPEC_KEYS = {"column", "columns", "value", "default", "map", "split", "join", "date_format",
             "clean", "truncate", "match"}
SOURCE_KEYS = {"format", "encoding", "delimiter", "sheet", "header_row", "id_prefix"}
OPTION_KEYS = {"unknown_category", "unknown_unit", "unit_parent", "unit_group", "timezone",
               "batch_size"}
# Tried in order when a date column has no date_format; Excel cells arrive as datetimes anyway.
DEFAULT_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y-%m-%d", "%Y/%m/%d",
    "%Y年%m月%d日", "%Y%m%d%H%M%S", "%Y%m%d",
)
IMPORTABLE_STATUSES = tuple(s.value for s in dom.Status if s is not dom.Status.MERGED)
_WS = re.compile(r"[ \t\r\f\v\u3000\xa0]+")
_NL = re.compile(r"\s*\n\s*")


@dataclass(frozen=True)
class RowError:
    """Why one source row was refused: row number (as a spreadsheet shows it), column, value."""

    row: int
    field: str
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行"
        if self.column:
            where += f"，列“{self.column}”"
        if self.value is not None:
            shown = self.value if len(self.value) <= 40 else self.value[:40] + "…"
            where += f"，值“{shown}”"
        return f"{where}：{self.message}"


@dataclass
class FieldSpec:
    """How one jiesu field is filled: from a column, several columns or a fixed value."""

    name: str
    columns: tuple[str, ...] = ()
    value: Any = None
    default: Any = None
    map: dict[str, Any] | None = None
    split: str | None = None
    join: str = "\n"
    date_formats: tuple[str, ...] = ()
    clean: str = "strip"  # strip | squeeze | none
    truncate: bool = False
    match: str = "auto"  # units: auto | code | name; category: path | code

    @property
    def column(self) -> str | None:
        return self.columns[0] if self.columns else None


@dataclass
class Mapping:
    name: str
    fields: dict[str, FieldSpec]
    format: str | None = None  # csv | xlsx; None: from the file name
    encoding: str = "auto"
    delimiter: str = ","
    sheet: str | int | None = None
    header_row: int = 1
    id_prefix: str = ""
    unknown_category: str = "reject"
    unknown_unit: str = "reject"
    unit_parent: str | None = None
    unit_group: str = "department"
    timezone: str = "Asia/Shanghai"
    batch_size: int = 5000
    extra: dict[str, str] = field(default_factory=dict)  # extra key -> source column

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _converters(self) -> list[tuple[str, Callable[[MappingABC[str, Any]], Any]]]:
        # Built once per mapping: a per-row walk over every spec option cost more than the
        # conversions themselves on a 100,000-row file.
        return [(name, _field_converter(spec, self)) for name, spec in self.fields.items()]

    def columns(self) -> list[str]:
        """Every source column the mapping reads."""
        cols = [c for spec in self.fields.values() for c in spec.columns]
        cols += list(self.extra.values())
        return list(dict.fromkeys(cols))

    def check_header(self, header: list[str]) -> None:
        """Raise MappingError naming every mapped column missing from the file."""
        present = set(header)
        missing = [c for c in self.columns() if c not in present]
        if missing:
            hints = []
            for col in missing:
                close = difflib.get_close_matches(col, header, n=1, cutoff=0.5)
                hints.append(f"“{col}”" + (f"（是否为“{close[0]}”？）" if close else ""))
            raise MappingError(
                f"文件中没有映射所需的列：{'、'.join(hints)}。文件的列为：{'、'.join(header)}")

    def convert(self, row_no: int, row: MappingABC[str, Any]) -> ImportRecord | list[RowError]:
        """Turn one source row into a record, or return every problem found in it."""
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        for name, convert in self._converters:
            try:
                values[name] = convert(row)
            except _FieldProblem as p:
                errors.append(RowError(row_no, name, p.column, p.value,
                                       f"{FIELDS[name].label}（{name}）{p.message}"))
        if errors:
            return errors
        for name in REQUIRED:
            if values.get(name) in (None, ""):
                spec = self.fields[name]
                errors.append(RowError(row_no, name, spec.column, None,
                                       f"{FIELDS[name].label}（{name}）不能为空"))
        if errors:
            return errors
        record = ImportRecord(row=row_no, source_ref=self.id_prefix + str(values.pop("source_id")),
                              values=values)
        record.extra = {k: _plain(row.get(col)) for k, col in self.extra.items()
                        if _plain(row.get(col)) not in (None, "")}
        problems = record.finish(self)
        return [RowError(row_no, f, self.fields[f].column if f in self.fields else None, v, m)
                for f, v, m in problems] or record


@dataclass
class ImportRecord:
    """One source row in jiesu terms, before categories and units are looked up."""

    row: int
    source_ref: str
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def finish(self, mapping: Mapping) -> list[tuple[str, str | None, str]]:
        """Infer the status when not mapped and check that the history is consistent."""
        v = self.values
        problems: list[tuple[str, str | None, str]] = []
        status = v.get("status")
        if status is None:
            if v.get("closed_at"):
                status = dom.Status.CLOSED
            elif v.get("replied_at") or v.get("reply_text"):
                status = dom.Status.REPLIED
            elif v.get("signed_at"):
                status = dom.Status.IN_PROGRESS
            elif v.get("dispatched_at") or v.get("lead_unit"):
                status = dom.Status.DISPATCHED
            else:
                status = dom.Status.REGISTERED
        if status is dom.Status.MERGED:
            problems.append(("status", str(status),
                             "“已合并”的诉求无法导入（缺少合并目标），"
                             "请在 map 中把它映射为 closed 或 rejected"))
        v["status"] = status
        created: datetime = v["created_at"]
        for name in ("dispatched_at", "signed_at", "first_contact_at", "replied_at", "closed_at"):
            t = v.get(name)
            if t is None:
                continue
            # A date without a time (00:00) may fall on the day of registration.
            if t < created and t.astimezone(mapping.tz).date() < created.astimezone(
                    mapping.tz).date():
                problems.append((name, t.isoformat(),
                                 f"{FIELDS[name].label}早于登记时间 {created.isoformat()}"))
        if status in (dom.Status.DISPATCHED, dom.Status.IN_PROGRESS) and not v.get("lead_unit"):
            problems.append(("lead_unit", None,
                             f"状态为“{dom.STATUS_ZH[status]}”的诉求须有主办单位（lead_unit）"))
        if v.get("latitude") is not None and not -90 <= v["latitude"] <= 90:
            problems.append(("latitude", str(v["latitude"]), "纬度须在 -90 到 90 之间"))
        if v.get("longitude") is not None and not -180 <= v["longitude"] <= 180:
            problems.append(("longitude", str(v["longitude"]), "经度须在 -180 到 180 之间"))
        return problems


# ---------------------------------------------------------------------------------------------
# parsing the mapping file


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; errors name the key that is wrong."""
    if not path.exists():
        raise MappingError(f"映射文件不存在：{path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"映射文件 {path.name} 不是有效的 TOML：{exc}") from None
    return parse_mapping(data, name=path.stem)


def parse_mapping(data: dict[str, Any], *, name: str = "mapping") -> Mapping:
    unknown = set(data) - {"source", "options", "fields", "extra", "name", "description"}
    if unknown:
        raise MappingError(f"映射文件中有未知的节：{'、'.join(sorted(unknown))}"
                           "（可用：[source]、[options]、[fields]、[extra]）")
    source = _table(data, "source")
    options = _table(data, "options")
    _check_keys(source, SOURCE_KEYS, "[source]")
    _check_keys(options, OPTION_KEYS, "[options]")
    fields_data = _table(data, "fields")
    if not fields_data:
        raise MappingError("映射文件缺少 [fields] 节")
    fields: dict[str, FieldSpec] = {}
    for fname, raw in fields_data.items():
        if fname not in FIELDS:
            close = difflib.get_close_matches(fname, list(FIELDS), n=1)
            hint = f"（是否为 {close[0]}？）" if close else ""
            raise MappingError(f"[fields] 中的字段 {fname} 不是 jiesu 字段{hint}；"
                               f"可用字段：{', '.join(FIELDS)}")
        fields[fname] = _field_spec(fname, raw)
    for req in REQUIRED:
        if req not in fields:
            raise MappingError(f"[fields] 必须映射 {req}（{FIELDS[req].label}）")
    fields.setdefault("channel", FieldSpec("channel", value=dom.Channel.IMPORT))
    fields.setdefault("kind", FieldSpec("kind", value=dom.Kind.COMPLAINT))
    extra = _table(data, "extra")
    for key, col in extra.items():
        if not isinstance(col, str):
            raise MappingError(f"[extra] 中 {key} 的值须为列名（字符串）")
    fmt = source.get("format")
    if fmt is not None and fmt not in ("csv", "xlsx"):
        raise MappingError(f"[source] format 须为 csv 或 xlsx，而不是 {fmt!r}")
    mapping = Mapping(
        name=str(data.get("name") or name), fields=fields, format=fmt,
        encoding=str(source.get("encoding", "auto")), delimiter=str(source.get("delimiter", ",")),
        sheet=source.get("sheet"), header_row=int(source.get("header_row", 1)),
        id_prefix=str(source.get("id_prefix", "")),
        unknown_category=str(options.get("unknown_category", "reject")),
        unknown_unit=str(options.get("unknown_unit", "reject")),
        unit_parent=options.get("unit_parent"), unit_group=str(options.get("unit_group",
                                                                           "department")),
        timezone=str(options.get("timezone", "Asia/Shanghai")),
        batch_size=int(options.get("batch_size", 5000)), extra=dict(extra),
    )
    for key in ("unknown_category", "unknown_unit"):
        if getattr(mapping, key) not in ("create", "reject"):
            raise MappingError(f"[options] {key} 须为 \"create\" 或 \"reject\"")
    if mapping.unit_group not in unit_tree.GROUP_ZH:
        raise MappingError(f"[options] unit_group 须为 {'、'.join(unit_tree.GROUP_ZH)} 之一"
                           f"（{'、'.join(unit_tree.GROUP_ZH.values())}）")
    if mapping.header_row < 1:
        raise MappingError("[source] header_row 从 1 开始计数")
    if not 1 <= mapping.batch_size <= 10_000:
        raise MappingError("[options] batch_size 须在 1 到 10000 之间")
    if len(mapping.delimiter) != 1:
        raise MappingError("[source] delimiter 须为一个字符，例如 \",\" 或 \"\\t\"")
    try:
        mapping.tz  # noqa: B018 - validates the name
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"[options] timezone 无效：{mapping.timezone}") from None
    return mapping


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise MappingError(f"[{key}] 须为一个表（table）")
    return value


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise MappingError(f"{where} 中有未知的设置：{'、'.join(sorted(unknown))}；"
                           f"可用：{'、'.join(sorted(allowed))}")


def _field_spec(name: str, raw: Any) -> FieldSpec:
    where = f"[fields] {name}"
    if isinstance(raw, str):
        return FieldSpec(name, columns=(raw,))
    if not isinstance(raw, dict):
        raise MappingError(f"{where} 须为列名字符串或内联表，例如 {{ column = \"列名\" }}")
    unknown = set(raw) - SPEC_KEYS
    if unknown:
        raise MappingError(f"{where} 中有未知的设置：{'、'.join(sorted(unknown))}；"
                           f"可用：{'、'.join(sorted(SPEC_KEYS))}")
    sources = [k for k in ("column", "columns", "value") if k in raw]
    if len(sources) != 1:
        raise MappingError(f"{where} 须且只能给出 column、columns、value 之一")
    columns: tuple[str, ...] = ()
    if "column" in raw:
        if not isinstance(raw["column"], str) or not raw["column"]:
            raise MappingError(f"{where} 的 column 须为非空的列名")
        columns = (raw["column"],)
    elif "columns" in raw:
        cols = raw["columns"]
        if not isinstance(cols, list) or not cols or not all(isinstance(c, str) for c in cols):
            raise MappingError(f"{where} 的 columns 须为列名数组，例如 [\"一级\", \"二级\"]")
        columns = tuple(cols)
    formats = raw.get("date_format", ())
    if isinstance(formats, str):
        formats = (formats,)
    if not isinstance(formats, list | tuple) or not all(isinstance(f, str) for f in formats):
        raise MappingError(f"{where} 的 date_format 须为字符串或字符串数组")
    mp = raw.get("map")
    if mp is not None and not isinstance(mp, dict):
        raise MappingError(f"{where} 的 map 须为内联表，例如 {{ \"已办结\" = \"closed\" }}")
    clean = raw.get("clean", "strip")
    if clean not in ("strip", "squeeze", "none"):
        raise MappingError(f"{where} 的 clean 须为 strip、squeeze 或 none")
    match = raw.get("match", "auto")
    if match not in ("auto", "code", "name", "path"):
        raise MappingError(f"{where} 的 match 须为 auto、code、name 或 path")
    spec = FieldSpec(
        name, columns=columns, value=raw.get("value"), default=raw.get("default"),
        map={str(k): v for k, v in mp.items()} if mp else None, split=raw.get("split"),
        join=str(raw.get("join", "\n")), date_formats=tuple(formats), clean=clean,
        truncate=bool(raw.get("truncate", False)), match=match,
    )
    info = FIELDS[name]
    for fixed in (spec.value, spec.default):
        if fixed is not None and spec.map is None:
            try:
                _typed(spec, info, fixed, ZoneInfo("UTC"))
            except _FieldProblem as p:
                raise MappingError(f"{where} 的固定值 {fixed!r} 无效：{p.message}") from None
    if spec.map:
        for k, target in spec.map.items():
            if target is None or target == "":
                continue
            try:
                _typed(spec, info, target, ZoneInfo("UTC"))
            except _FieldProblem as p:
                raise MappingError(f"{where} 的 map 中 {k!r} = {target!r} 无效：{p.message}"
                                   ) from None
    return spec


# ---------------------------------------------------------------------------------------------
# converting values


class _FieldProblem(Exception):
    def __init__(self, message: str, column: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.value = None if value is None else str(value)


def _plain(value: Any) -> Any:
    """Cell values as text (ids read as 24.0 from Excel become "24")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _clean_text(text: str, how: str) -> str:
    if how == "strip":
        return text.strip()
    if how == "none":
        return text
    if how == "squeeze":
        text = _NL.sub("\n", _WS.sub(" ", text.replace("\r\n", "\n")))
    return text.strip()


def _convert_field(spec: FieldSpec, row: MappingABC[str, Any], mapping: Mapping) -> Any:
    info = FIELDS[spec.name]
    column = spec.column
    if spec.value is not None:
        raw: Any = spec.value
    elif len(spec.columns) > 1:
        parts = [_plain(row.get(c)) for c in spec.columns]
        parts = [p if isinstance(p, str) else ("" if p is None else str(p)) for p in parts]
        if info.type == "category":
            raw = tuple(_clean_text(p, "squeeze") for p in parts if p and p.strip())
        else:
            raw = spec.join.join(p for p in parts if p and p.strip())
        column = "、".join(spec.columns)
    else:
        raw = row.get(column) if column else None
    if isinstance(raw, str):
        raw = _clean_text(raw, spec.clean)
    if raw is None or raw == "" or raw == ():
        if spec.default is None:
            return None
        raw = spec.default
    if spec.map is not None and not isinstance(raw, tuple):
        key = _plain(raw)
        key = key if isinstance(key, str) else str(key)
        if key in spec.map:
            raw = spec.map[key]
            if raw is None or raw == "":
                return None
        elif info.enum is not None and not _accepted_without_map(info, key):
            known = "、".join(f"“{k}”" for k in list(spec.map)[:12])
            raise _FieldProblem(f"的值不在 map 中（map 中有：{known}）；"
                                "请在映射文件的 map 里补上它", column, key)
    try:
        return _typed(spec, info, raw, mapping.tz)
    except _FieldProblem as p:
        raise _FieldProblem(p.message, column, raw if not isinstance(raw, tuple)
                            else spec.split or "/".join(raw)) from None


def _field_converter(spec: FieldSpec, mapping: Mapping) -> Callable[[MappingABC[str, Any]], Any]:
    """`_convert_field` for one spec, with the spec's choices made once (same results, faster)."""
    if spec.value is not None or len(spec.columns) != 1:
        return lambda row: _convert_field(spec, row, mapping)
    info = FIELDS[spec.name]
    column = spec.columns[0]
    clean, default, mp, tz = spec.clean, spec.default, spec.map, mapping.tz
    known = _enum_lookup(info) if info.enum is not None else None
    typed = _typed_for(spec, info, tz)
    # Plain text already trimmed (clean = strip) and within its limit needs no further step.
    text_limit = (info.max_length or 0) if info.type in ("text", "enum_text") and mp is None \
        else -1

    def convert(row: MappingABC[str, Any]) -> Any:
        raw = row.get(column)
        stripped = False
        if isinstance(raw, str):
            if clean == "strip":
                raw, stripped = raw.strip(), True
                if raw and (text_limit == 0 or 0 < text_limit >= len(raw)):
                    return raw
            else:
                raw = _clean_text(raw, clean)
        if raw is None or raw == "" or raw == ():
            if default is None:
                return None
            raw = default
            stripped = False
        if mp is not None and not isinstance(raw, tuple):
            key = raw if stripped else _plain(raw)
            key = key if isinstance(key, str) else str(key)
            if key in mp:
                raw = mp[key]
                if raw is None or raw == "":
                    return None
            elif known is not None and key not in known:
                shown = "、".join(f"“{k}”" for k in list(mp)[:12])
                raise _FieldProblem(f"的值不在 map 中（map 中有：{shown}）；"
                                    "请在映射文件的 map 里补上它", column, key)
        try:
            return typed(raw)
        except _FieldProblem as p:
            raise _FieldProblem(p.message, column, raw if not isinstance(raw, tuple)
                                else spec.split or "/".join(raw)) from None

    return convert


def _typed_for(spec: FieldSpec, info: FieldInfo, tz: ZoneInfo) -> Callable[[Any], Any]:
    """`_typed` for one spec, with fast paths for the common cases (text, dates, enum words)."""
    if info.type in ("text", "enum_text"):
        limit, truncate = info.max_length, spec.truncate

        def text(raw: Any) -> Any:
            if isinstance(raw, str):
                value = raw.strip()
                if not limit or len(value) <= limit:
                    return value
                if truncate:
                    return value[:limit]
            return _typed(spec, info, raw, tz)

        return text
    if info.type == "datetime":
        formats = spec.date_formats or DEFAULT_DATE_FORMATS
        iso = _iso_shape(formats[0])

        def when(raw: Any) -> Any:
            # The first format is tried first: an ISO-shaped text for an ISO format is read by
            # fromisoformat (C) exactly as the general path would read it.
            if iso is not None and isinstance(raw, str) and iso.fullmatch(raw):
                try:
                    value = datetime.fromisoformat(raw).replace(tzinfo=tz)
                except ValueError:
                    return _datetime(raw, formats, tz)
                if 1990 <= value.year <= 2100:
                    return value.astimezone(UTC)
            return _datetime(raw, formats, tz)

        return when
    if info.type == "enum":
        table = _enum_lookup(info)

        def enum(raw: Any) -> Any:
            member = table.get(raw) if isinstance(raw, str) else None
            return member if member is not None else _typed(spec, info, raw, tz)

        return enum
    return lambda raw: _typed(spec, info, raw, tz)


def _accepted_without_map(info: FieldInfo, key: str) -> bool:
    """Enum values already in jiesu's vocabulary (code or Chinese label) need no map entry."""
    return info.enum is not None and key in _enum_lookup(info)


@cache
def _enum_lookup(info: FieldInfo) -> dict[str, StrEnum]:
    assert info.enum is not None
    table: dict[str, StrEnum] = {}
    for member in info.enum:
        table[member.value] = member
        label = (info.zh or {}).get(member)
        if label:
            table[label] = member
            # 已派单(待签收): also the bare word a ledger writes (已派单) and full-width brackets
            word, bracket, note = label.partition("(")
            if bracket:
                table.setdefault(word, member)
                table.setdefault(f"{word}（{note.removesuffix(')')}）", member)
    return table


_DIRECTIVES = {"%Y": r"(?P<Y>\d{4})", "%m": r"(?P<m>\d{1,2})", "%d": r"(?P<d>\d{1,2})",
               "%H": r"(?P<H>\d{1,2})", "%M": r"(?P<M>\d{1,2})", "%S": r"(?P<S>\d{1,2})"}


@cache
def _fast_format(fmt: str) -> re.Pattern[str] | None:
    """A regex for formats made of %Y %m %d %H %M %S and literal text (strptime is slow)."""
    parts = re.split(r"(%.)", fmt)
    out = []
    for part in parts:
        if part.startswith("%") and len(part) == 2:
            if part not in _DIRECTIVES:
                return None
            out.append(_DIRECTIVES[part])
        else:
            out.append(re.escape(part))
    return re.compile("".join(out) + r"\Z")


_ISO_SHAPES = {
    "%Y-%m-%d": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "%Y-%m-%d %H:%M": r"[0-9]{4}-[0-9]{2}-[0-9]{2} (?:[01][0-9]|2[0-3]):[0-9]{2}",
    "%Y-%m-%d %H:%M:%S": r"[0-9]{4}-[0-9]{2}-[0-9]{2} (?:[01][0-9]|2[0-3]):[0-9]{2}:[0-9]{2}",
    "%Y-%m-%dT%H:%M": r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-9]{2}",
    "%Y-%m-%dT%H:%M:%S": r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-9]{2}:[0-9]{2}",
}


@cache
def _iso_shape(fmt: str) -> re.Pattern[str] | None:
    """For ISO formats: the zero-padded text that `datetime.fromisoformat` reads the same way."""
    shape = _ISO_SHAPES.get(fmt)
    return re.compile(shape) if shape else None


def _parse(text: str, fmt: str) -> datetime | None:
    iso = _iso_shape(fmt)
    if iso is not None and iso.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:  # e.g. month 13: the general path below says no as well
            pass
    pattern = _fast_format(fmt)
    if pattern is None:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            return None
    m = pattern.match(text)
    if m is None:
        return None
    g = m.groupdict()
    try:
        return datetime(int(g["Y"]), int(g.get("m") or 1), int(g.get("d") or 1),
                        int(g.get("H") or 0), int(g.get("M") or 0), int(g.get("S") or 0))
    except ValueError:
        return None


def _typed(spec: FieldSpec, info: FieldInfo, raw: Any, tz: ZoneInfo) -> Any:
    kind = info.type
    if kind in ("text", "enum_text"):
        text = _plain(raw)
        text = text if isinstance(text, str) else str(text)
        if info.max_length and len(text) > info.max_length:
            if spec.truncate:
                return text[: info.max_length]
            raise _FieldProblem(f"长度 {len(text)} 超过上限 {info.max_length}"
                                "（可在映射中加 truncate = true 截断）", value=text)
        return text
    if kind == "enum":
        assert info.enum is not None
        text = str(_plain(raw))
        member = _enum_lookup(info).get(text)
        if member is not None:
            return member
        allowed = "、".join(f"{m.value}（{(info.zh or {}).get(m, '')}）" for m in info.enum
                           if m not in info.refused)
        raise _FieldProblem(f"无法识别；可用取值：{allowed}；其他写法请用 map 映射", value=text)
    if kind == "datetime":
        return _datetime(raw, spec.date_formats or DEFAULT_DATE_FORMATS, tz)
    if kind == "float":
        try:
            return float(str(raw).strip())
        except ValueError:
            raise _FieldProblem("不是数字", value=raw) from None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(_plain(raw)).lower()
        if text in ("1", "true", "yes", "y", "是", "保密"):
            return True
        if text in ("0", "false", "no", "n", "否", "不保密", "公开"):
            return False
        raise _FieldProblem("须为 是/否、true/false 或 1/0（或用 map 映射）", value=raw)
    if kind == "category":
        if isinstance(raw, tuple):
            return raw
        text = str(_plain(raw))
        if spec.match == "code":
            return text
        parts = [p.strip() for p in (text.split(spec.split) if spec.split else [text])]
        parts = [p for p in parts if p]
        if len(parts) > 3:
            raise _FieldProblem(f"分类最多三级，这里有 {len(parts)} 级", value=text)
        return tuple(parts)
    if kind == "unit":
        return str(_plain(raw))
    if kind == "units":
        text = str(_plain(raw))
        sep = spec.split or ","
        return tuple(p.strip() for p in text.split(sep) if p.strip())
    raise AssertionError(kind)  # pragma: no cover


def _datetime(raw: Any, formats: tuple[str, ...], tz: ZoneInfo) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        value = datetime(raw.year, raw.month, raw.day)
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        # An Excel serial day number (days since 1899-12-30).
        value = datetime(1899, 12, 30) + timedelta(days=float(raw))
    else:
        text = str(raw).strip()
        parsed: datetime | None = None
        for fmt in formats:
            parsed = _parse(text, fmt)
            if parsed is not None:
                break
        if parsed is None:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                shown = "、".join(formats[:4]) + ("…" if len(formats) > 4 else "")
                raise _FieldProblem(f"无法按日期格式 {shown} 解析"
                                    "（可在映射中用 date_format 指定，例如 \"%Y/%m/%d %H:%M\"）",
                                    value=text) from None
        value = parsed
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    if not 1990 <= value.year <= 2100:
        raise _FieldProblem("年份不合理（须在 1990–2100 之间）", value=raw)
    return value.astimezone(UTC)
