"""Import appeal history from other systems' CSV/XLSX exports (`jiesu import`).

Each imported row becomes an appeal with its historical status, units, reply and timestamps,
stored with one `import` event so the hash chain covers it (`ImportStore.add_appeals`, the bulk
twin of `AppealRepository.add`). Rows are written in batches (one transaction each); the
source's own id is stored in `appeals.source_ref`, so importing the same file again adds nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jiesu.adapters.tabular import open_table
from jiesu.domain import appeal as dom
from jiesu.domain import unit_tree
from jiesu.domain.enterprise import is_valid_uscc, normalize_uscc
from jiesu.domain.errors import InvalidArguments
from jiesu.domain.events import DomainEvent
from jiesu.services.admin import _ensure_category, check_unit_level
from jiesu.services.import_mapping import ImportRecord, Mapping, MappingError, RowError
from jiesu.services.rules import RulesProvider
from jiesu.store.exchange_store import ImportStore, NewAppeal
from jiesu.store.uow import Database, UnitOfWork

Progress = Callable[[int, int | None], None]
MAX_KEPT_REJECTIONS = 10_000


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    dry_run: bool
    rows: int = 0
    imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: list[RowError] = field(default_factory=list)
    rejected_count: int = 0
    created_categories: list[str] = field(default_factory=list)
    created_units: list[str] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run, "rows": self.rows, "imported": self.imported,
            "skipped": self.skipped_count, "skipped_reasons": dict(self.skipped),
            "rejected": self.rejected_count,
            "rejections": [{"row": e.row, "field": e.field, "column": e.column,
                            "value": e.value, "message": str(e)} for e in self.rejected[:200]],
            "created_categories": self.created_categories, "created_units": self.created_units,
        }


SKIP_ALREADY = "已导入过（来源编号相同）"
SKIP_DUPLICATE = "文件内来源编号重复"
_HISTORY = ("created_at", "dispatched_at", "signed_at", "first_contact_at", "replied_at",
            "closed_at")


class _Refs:
    """Category and unit look-ups for one import, loaded once (and extended as rows create them)."""

    def __init__(self, store: ImportStore) -> None:
        self.categories: dict[tuple[int | None, str], tuple[int, str, int]] = {}
        self.category_codes: set[str] = set()
        for c in store.categories():
            self.categories[(c.parent_id, c.name)] = (c.id, c.code, c.level)
            self.category_codes.add(c.code)
        self.units_by_code: dict[str, int] = {}
        self.units_by_name: dict[str, list[int]] = {}
        for u in store.units():
            self.units_by_code[u.code] = u.id
            self.units_by_name.setdefault(u.name, []).append(u.id)
        # category path -> code and lead unit text -> id, once resolved
        self.paths: dict[tuple[str, ...], str] = {}
        self.leads: dict[str, int] = {}
        self._fake = 0

    def fake_id(self) -> int:
        self._fake -= 1
        return self._fake


class ImportService:
    def __init__(self, db: Database, rules: RulesProvider) -> None:
        self.db = db
        self.rules = rules

    def run(self, path: Path, mapping: Mapping, now: datetime, *, dry_run: bool = False,
            progress: Progress | None = None) -> ImportReport:
        """Import (or with dry_run only validate) every row of `path`."""
        table = open_table(path, fmt=mapping.format, encoding=mapping.encoding,
                           delimiter=mapping.delimiter, sheet=mapping.sheet,
                           header_row=mapping.header_row, options_at="映射的 [source]")
        mapping.check_header(table.header)
        report = ImportReport(dry_run=dry_run)
        rules = self.rules.get()
        with self.db.uow(write=False) as uow:
            refs = _Refs(ImportStore(uow.session))
            if mapping.unknown_unit == "create":
                _check_created_units(uow, mapping)
        batch_id = None
        if not dry_run:
            with self.db.uow() as uow:
                batch_id = ImportStore(uow.session).start_batch(path.name, mapping.name, now)
                uow.commit()
        report.batch_id = batch_id
        seen: set[str] = set()
        pending: list[ImportRecord] = []
        for row_no, raw in table.rows:
            report.rows += 1
            result = mapping.convert(row_no, raw)
            if isinstance(result, list):
                self._reject(report, result)
            elif result.source_ref in seen:
                report.skipped[SKIP_DUPLICATE] += 1
            else:
                seen.add(result.source_ref)
                pending.append(result)
            if len(pending) >= mapping.batch_size:
                self._batch(pending, mapping, refs, rules, report, now, batch_id, path.name)
                pending = []
                if progress:
                    progress(report.rows, table.estimated_rows)
        if pending:
            self._batch(pending, mapping, refs, rules, report, now, batch_id, path.name)
        if progress:
            progress(report.rows, report.rows)
        if batch_id is not None:
            with self.db.uow() as uow:
                ImportStore(uow.session).finish_batch(
                    batch_id, now, imported=report.imported, skipped=report.skipped_count,
                    rejected=report.rejected_count, report=report.as_dict())
                uow.commit()
        return report

    @staticmethod
    def _reject(report: ImportReport, errors: list[RowError]) -> None:
        report.rejected_count += 1
        if len(report.rejected) < MAX_KEPT_REJECTIONS:
            report.rejected.extend(errors)

    def _batch(self, records: list[ImportRecord], mapping: Mapping, refs: _Refs,
               rules: dom.Rules, report: ImportReport, now: datetime, batch_id: int | None,
               file_name: str) -> None:
        dry = report.dry_run
        with self.db.uow(write=not dry) as uow:
            store = ImportStore(uow.session)
            items: list[NewAppeal] = []
            existing = store.existing_source_refs([r.source_ref for r in records])
            local_tz = rules.calendar.tz
            for rec in records:
                if rec.source_ref in existing:
                    report.skipped[SKIP_ALREADY] += 1
                    continue
                errors: list[RowError] = []
                v = rec.values
                # Most rows name a category path and a unit seen before: skip the full look-up.
                category = refs.paths.get(v.get("category") or ())
                if category is None:
                    category = self._category(uow, store, rec, mapping, refs, report, errors)
                lead = refs.leads.get(v.get("lead_unit") or "")
                if lead is None:
                    lead = self._unit(uow, rec, "lead_unit", v.get("lead_unit"), mapping, refs,
                                      report, errors)
                    if lead is not None:
                        refs.leads[v["lead_unit"]] = lead
                area = self._area(rec, mapping, refs, errors)
                co_names = v.get("co_units")
                co = tuple(u for u in (self._unit(uow, rec, "co_units", name, mapping, refs,
                                                  report, errors)
                                       for name in co_names) if u is not None) if co_names else ()
                if errors:
                    self._reject(report, errors)
                    continue
                report.imported += 1
                if dry:
                    continue
                appeal = _appeal(rec, category, lead, co, rules, now, mapping)
                appeal.area_unit_id = area
                event = DomainEvent("import", now, None, dom.Role.SYSTEM, {
                    "batch_id": batch_id, "file": file_name, "row": rec.row,
                    "mapping": mapping.name, "source_ref": rec.source_ref,
                    "status": appeal.status.value,
                    "history": {k: v[k].isoformat() for k in _HISTORY
                                if v.get(k) is not None},
                })
                prefix = f"{v['created_at'].astimezone(local_tz):%Y%m%d}"
                items.append(NewAppeal(appeal, [event], prefix, rec.source_ref))
            if not dry:
                store.add_appeals(items, now=now)
                uow.commit()

    # --- references ---------------------------------------------------------------------------

    def _category(self, uow: UnitOfWork, store: ImportStore, rec: ImportRecord,
                  mapping: Mapping, refs: _Refs, report: ImportReport,
                  errors: list[RowError]) -> str | None:
        value = rec.get("category")
        if not value:
            return None
        if not isinstance(value, str):
            known = refs.paths.get(value)
            if known is not None:
                return known
        spec = mapping.fields["category"]
        if isinstance(value, str):  # match = "code"
            if value not in refs.category_codes:
                errors.append(RowError(rec.row, "category", spec.column, value,
                                       f"事项分类编码 {value} 不存在"))
                return None
            return value
        parent_id: int | None = None
        code: str | None = None
        path: list[str] = []
        for name in value:
            path.append(name)
            hit = refs.categories.get((parent_id, name))
            if hit is None:
                if mapping.unknown_category != "create":
                    where = f"“{'/'.join(path[:-1])}”下" if len(path) > 1 else "一级分类中"
                    errors.append(RowError(
                        rec.row, "category", spec.column, "/".join(value),
                        f"事项分类{where}没有“{name}”；请先导入分类（jiesu category import），"
                        "或在映射的 [options] 中设置 unknown_category = \"create\""))
                    return None
                if report.dry_run:
                    hit = (refs.fake_id(), f"(新){'/'.join(path)}", len(path))
                else:
                    parent = store.category(parent_id) if parent_id else None
                    row = _ensure_category(uow.session, parent, name, None)
                    hit = (row.id, row.code, row.level)
                refs.categories[(parent_id, name)] = hit
                refs.category_codes.add(hit[1])
                report.created_categories.append("/".join(path))
            parent_id, code = hit[0], hit[1]
        if code is not None:
            refs.paths[value] = code
        return code

    @staticmethod
    def _area(rec: ImportRecord, mapping: Mapping, refs: _Refs,
              errors: list[RowError]) -> int | None:
        """The area unit (所属区域: a district, street, community …) the source located the
        appeal in, by code or name; an area is never created (it is where history counts for
        unit suggestions, and a made-up unit is nowhere in the tree)."""
        value = rec.values.get("area")
        if not value:
            return None
        found = refs.units_by_code.get(value)
        if found is None:
            ids = refs.units_by_name.get(value, [])
            found = ids[0] if len(ids) == 1 else None
        if found is None:
            errors.append(RowError(rec.row, "area", mapping.fields["area"].column, value,
                                   f"所属区域“{value}”不是已有单位的编码或唯一名称"))
        return found

    def _unit(self, uow: UnitOfWork, rec: ImportRecord, fname: str, value: str | None,
              mapping: Mapping, refs: _Refs, report: ImportReport,
              errors: list[RowError]) -> int | None:
        if not value:
            return None
        spec = mapping.fields[fname]
        by_code = refs.units_by_code.get(value) if spec.match in ("auto", "code") else None
        if by_code is not None:
            return by_code
        if spec.match in ("auto", "name"):
            ids = refs.units_by_name.get(value, [])
            if len(ids) == 1:
                return ids[0]
            if len(ids) > 1:
                errors.append(RowError(rec.row, fname, spec.column, value,
                                       f"有 {len(ids)} 个单位都叫“{value}”，"
                                       "请在源数据中改用单位编码并设置 match = \"code\""))
                return None
        if mapping.unknown_unit != "create":
            errors.append(RowError(rec.row, fname, spec.column, value,
                                   f"承办单位“{value}”不存在；请先添加单位（jiesu unit add），"
                                   "或在映射的 [options] 中设置 unknown_unit = \"create\""))
            return None
        code = "IMP-" + hashlib.sha1(value.encode("utf-8")).hexdigest()[:12]
        if report.dry_run:
            unit_id = refs.fake_id()
        else:
            parent = uow.units.by_code(mapping.unit_parent) if mapping.unit_parent else None
            if mapping.unit_parent and parent is None:
                errors.append(RowError(rec.row, fname, spec.column, value,
                                       f"[options] unit_parent 指定的上级单位 {mapping.unit_parent}"
                                       " 不存在"))
                return None
            unit_id = uow.units.add(code, value[:200], parent=parent,
                                    group=mapping.unit_group).id
        refs.units_by_code[code] = unit_id
        refs.units_by_name.setdefault(value, []).append(unit_id)
        report.created_units.append(value)
        return unit_id


def _check_created_units(uow: UnitOfWork, mapping: Mapping) -> None:
    """Units an import creates (unknown_unit = "create") sit where the tree's levels allow,
    as one an administrator adds does: under `unit_parent` (a department under the city),
    not loose at the top beside it. Checked once, before any row is read."""
    if not mapping.unit_parent:
        if unit_tree.parent_groups(mapping.unit_group):  # only the city may be a top level
            raise MappingError("[options] unknown_unit = \"create\" 时须用 unit_parent 指明新建"
                               "单位的上级单位编码（如 unit_parent = \"C\"），新建的单位才在"
                               "单位树中")
        return
    parent = uow.units.by_code(mapping.unit_parent)
    if parent is None:
        raise MappingError(f"[options] unit_parent 指定的上级单位 {mapping.unit_parent} 不存在")
    try:
        check_unit_level(mapping.unit_group, parent)
    except InvalidArguments as exc:
        raise MappingError(f"[options] unit_group 与 unit_parent 不符：{exc.message}") from None


def _appeal(rec: ImportRecord, category: str | None, lead: int | None, co: tuple[int, ...],
            rules: dom.Rules, now: datetime, mapping: Mapping) -> dom.Appeal:
    """The appeal as it stands in the source system (built directly: not a live transition)."""
    v = rec.values
    status: dom.Status = v["status"]
    # the import's time: a deadline that had passed by then is history's, not news (no text)
    extra: dict[str, Any] = {"import": {"mapping": mapping.name, "source_ref": rec.source_ref,
                                        "at": now.isoformat()}}
    if rec.extra:
        extra["source"] = rec.extra
    code = v.get("enterprise_code")
    if code and not is_valid_uscc(code):
        # a source system's mistyped credit code: kept for the record, not as the enterprise's
        extra["enterprise_code_as_given"] = code
        code = None
    elif code:
        code = normalize_uscc(code)
    appeal = dom.Appeal(
        kind=v["kind"], content=v["content"], title=v.get("title") or "",
        urgency=v.get("urgency") or dom.Urgency.NORMAL, channel=v.get("channel")
        or dom.Channel.IMPORT, status=status, category=category,
        requester_name=v.get("requester_name"),
        requester_phone=dom.normalize_phone(v.get("requester_phone")) or None,
        requester_type=v.get("requester_type") or "resident",
        enterprise_code=code, address=v.get("address"),
        latitude=v.get("latitude"), longitude=v.get("longitude"),
        confidential=bool(v.get("confidential")), created_at=v["created_at"],
        lead_unit_id=lead, handling_unit_id=lead, co_unit_ids=tuple(sorted(set(co))),
        dispatched_at=v.get("dispatched_at"), signed_at=v.get("signed_at"),
        first_contact_at=v.get("first_contact_at"), replied_at=v.get("replied_at"),
        closed_at=v.get("closed_at"), reply_text=v.get("reply_text"),
        reply_claim=v.get("reply_claim"), followup_resolved=v.get("followup_resolved"),
        followup_satisfaction=v.get("followup_satisfaction"),
        reject_reason=v.get("reject_reason"), extra=extra,
    )
    if appeal.followup_satisfaction is not None or appeal.followup_resolved is not None:
        appeal.followup_reached, appeal.followup_attempts = True, 1
    if status in (dom.Status.DISPATCHED, dom.Status.IN_PROGRESS, dom.Status.REPLIED):
        # Open history keeps running against its deadlines from the time it was dispatched.
        appeal.handle_started_at = appeal.dispatched_at or appeal.created_at
        if appeal.dispatched_at is None:
            appeal.dispatched_at = appeal.created_at
        if status is dom.Status.REPLIED and appeal.replied_at is None:
            appeal.replied_at = appeal.created_at
        dom.recompute_deadlines(appeal, rules, now)
    return appeal
