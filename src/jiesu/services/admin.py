"""Admin use cases: units, users, categories, SLA policies and the work calendar."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jiesu.adapters.calendar_source import covered_years, read_calendar_csv
from jiesu.adapters.tabular import decode_text, open_table, uploaded_file
from jiesu.domain import appeal as dom
from jiesu.domain import unit_tree
from jiesu.domain.calendar import WorkCalendar
from jiesu.domain.deadlines import (
    REQUESTER_TYPES,
    SlaTable,
    WarningLevel,
    check_policy_scope,
    policy_limit,
)
from jiesu.domain.errors import DomainError, InvalidArguments, NotFound
from jiesu.domain.events import DomainEvent
from jiesu.domain.population import parse_figure
from jiesu.domain.privacy import mask_phone
from jiesu.domain.rating import Rectification, RectificationStatus
from jiesu.services.auth import CurrentUser, hash_password
from jiesu.services.clock import utcnow
from jiesu.services.config_log import record_change
from jiesu.services.intake_config import reparent_place
from jiesu.services.rules import (
    RULE_LABELS,
    RULE_LIMITS,
    RULE_SETTINGS,
    RulesProvider,
    rule_defaults,
)
from jiesu.store import (
    admin_store,
    category_store,
    feedback_store,
    intake_store,
    lookups,
    rules_store,
)
from jiesu.store.tables import (
    AdminNoticeRow,
    CalendarYearRow,
    CategoryRow,
    SettingRow,
    SlaPolicyRow,
    UnitRow,
    UserRow,
)
from jiesu.store.uow import Database, UnitOfWork, WriteRaced

if TYPE_CHECKING:
    from jiesu.store.db import Session

UNIT_GROUPS = ("city", "district", "street", "department", "enterprise", "community", "grid",
               "micro_grid")
STAFF_ROLES = tuple(r.value for r in dom.Role if r not in (dom.Role.PUBLIC, dom.Role.REQUESTER,
                                                              dom.Role.SYSTEM))
CALENDAR_YEARS = (2000, 2100)  # what the calendar forms accept
UNIT_ROLES = ("handler", "grid_worker")  # act for a unit, so must belong to one


def check_staff_role(role: str) -> str:
    """`role` if it is a staff role; InvalidArguments naming the choices otherwise."""
    if role not in STAFF_ROLES:
        raise InvalidArguments(f"角色“{role}”无效，可选：{'、'.join(STAFF_ROLES)}",
                               field="role")
    return role


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


@dataclass(frozen=True)
class SlaSaved:
    """What saving a time-limit rule (时限规则) did: the rule it stored and, when a rule of
    the same scope was there, that rule's length (`before`: amount and limit unit)."""

    policy_id: int
    before: tuple[float, str] | None
    after: tuple[float, str]
    category_name: str | None = None  # the full name of the rule's category
    unit_name: str | None = None

    @property
    def replaced(self) -> bool:
        return self.before is not None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class MovedUnit:
    """A unit moved to another parent: (code, name) of the parent it left and of the one it
    is under now, and how many units moved with it (itself included)."""

    code: str
    name: str
    left: tuple[str, str] | None
    parent: tuple[str, str]
    units: int
    gazetteer: str | None = None  # what became of its place in the gazetteer (地名表), if any

    def summary(self) -> str:
        """已移动单位：D1S1C1 多福巷社区，东华门街道 → 西长安街街道（共 3 个单位）, and what
        became of its place in the gazetteer."""
        left = self.left[1] if self.left else "（无）"
        said = (f"已移动单位：{self.code} {self.name}，{left} → {self.parent[1]}"
                f"（共 {self.units} 个单位）")
        return f"{said}；{self.gazetteer}" if self.gazetteer else said


@dataclass
class CategoryImport:
    created: int
    existing: int


class AdminService:
    """Admin use cases; each change is recorded in the configuration-change log as made by
    `by` (None: the command line) in the same transaction."""

    def __init__(self, db: Database, rules: RulesProvider, by: CurrentUser | None = None) -> None:
        self.db = db
        self.rules = rules
        self.by = by

    def _log(self, uow: UnitOfWork, area: str, action: str, summary: str,
             details: dict[str, Any] | None = None, now: datetime | None = None) -> None:
        record_change(uow, self.by, area, action, summary, details, now=now)

    # --- units ------------------------------------------------------------------------------

    def add_unit(self, code: str, name: str, *, parent_code: str | None = None,
                 group: str = "department", contact_phone: str | None = None) -> UnitRow:
        code, name = code.strip(), name.strip()
        phone = _duty_phone(contact_phone)
        if not code or not name:
            raise InvalidArguments("单位编码和名称不能为空")
        if not _UNIT_CODE.fullmatch(code):
            raise InvalidArguments(f"单位编码不能超过 {UNIT_CODE_CHARS} 个字符，且不能含空格",
                                   field="code")
        if len(name) > UNIT_NAME_CHARS:
            raise InvalidArguments(f"单位名称不能超过 {UNIT_NAME_CHARS} 字", field="name")
        if group not in UNIT_GROUPS:
            raise InvalidArguments(f"单位类别“{group}”无效，可选：{'、'.join(UNIT_GROUPS)}",
                                   field="group")
        with self.db.uow() as uow:
            if uow.units.by_code(code) is not None:
                raise Conflict(f"单位编码 {code} 已存在")
            parent = None
            if parent_code:
                parent = uow.units.by_code(parent_code)
                if parent is None:
                    raise InvalidArguments(f"上级单位 {parent_code} 不存在", field="parent_code")
                if not parent.active:
                    raise InvalidArguments(f"上级单位 {parent_code} 已停用", field="parent_code")
                check_unit_level(group, parent)
                # read again under a lock: a move of the parent at this moment changes its path
                parent = admin_store.locked_units(uow.session, [parent.id])[parent.id]
            _check_name_free(uow, parent, name)
            row = uow.units.add(code, name, parent=parent, group=group)
            row.contact_phone = phone
            self._log(uow, "units", "add", f"新增单位 {code} {name}",
                      {"after": {"code": code, "name": name, "parent_code": parent_code or None,
                                 "group": group, "contact_phone": phone}})
            uow.commit()
            return row

    def set_unit_contact(self, code: str, contact_phone: str | None) -> UnitRow:
        """Set (or, empty, clear) a unit's duty phone, where deadline warnings are texted."""
        phone = _duty_phone(contact_phone)
        with self.db.uow() as uow:
            row = _unit(uow, code)
            if row.contact_phone != phone:
                self._log(uow, "units", "set_contact", f"修改单位 {row.code} 的值班电话",
                          {"code": row.code, "before": {"contact_phone": row.contact_phone},
                           "after": {"contact_phone": phone}})
            row.contact_phone = phone
            uow.commit()
            return row

    def rename_unit(self, code: str, name: str) -> UnitRow:
        """Correct a unit's name (a typo, a new official name); its code stays."""
        name = name.strip()
        if not name:
            raise InvalidArguments("单位名称不能为空", field="name")
        if len(name) > UNIT_NAME_CHARS:
            raise InvalidArguments(f"单位名称不能超过 {UNIT_NAME_CHARS} 字", field="name")
        with self.db.uow() as uow:
            row = _unit(uow, code)
            parent = uow.session.get(UnitRow, row.parent_id) if row.parent_id else None
            _check_name_free(uow, parent, name, row)
            self._log(uow, "units", "rename", f"单位 {row.code} 改名为 {name}",
                      {"code": row.code, "before": {"name": row.name}, "after": {"name": name}})
            row.name = name
            uow.commit()
            return row

    def set_unit_active(self, code: str, active: bool) -> UnitRow:
        """停用 a unit added by mistake or dissolved: no longer offered for dispatch, users or
        rules. Refused while it still has active sub-units, active users or open appeals it
        leads (they would be stranded). 启用 brings it back (under an active parent)."""
        with self.db.uow() as uow:
            row = _unit(uow, code)
            # locked before counting: a dispatch to it that is being written (it holds a share
            # lock on the unit) is counted once it commits, and one that comes later waits
            # and then finds the unit stopped
            row = admin_store.locked_units(uow.session, [row.id])[row.id]
            if not active:
                units, users, appeals = admin_store.what_keeps_unit_busy(
                    uow.session, row.id, sorted(s.value for s in dom.OPEN_STATUSES))
                busy = [f"{n} 个{what}" for n, what in ((units, "启用中的下级单位"),
                                                       (users, "启用中的用户"),
                                                       (appeals, "未办结的诉求")) if n]
                if busy:
                    raise Conflict(f"单位 {row.code} 还有 {'、'.join(busy)}，不能停用："
                                   "请先停用或调整它们")
            else:
                parent = uow.session.get(UnitRow, row.parent_id) if row.parent_id else None
                if parent is not None and not parent.active:
                    raise Conflict(f"上级单位 {parent.code} 已停用，请先启用上级单位")
                if not row.active:
                    _check_name_free(uow, parent, row.name, row)
            if row.active != active:
                self._log(uow, "units", "activate" if active else "deactivate",
                          f"{'启用' if active else '停用'}单位 {row.code} {row.name}",
                          {"code": row.code, "before": {"active": row.active},
                           "after": {"active": active}})
            row.active = active
            uow.commit()
            return row

    def move_unit(self, code: str, parent_code: str) -> MovedUnit:
        """Put a unit, with every unit below it, under another parent (a community reassigned
        to another street). Refused: under itself or one of its own sub-units, under a stopped
        unit, under a unit whose level does not fit (`domain.unit_tree`). What hangs on the
        tree follows at once: the materialised paths and depths of the whole subtree, so the
        new parent's handlers see its appeals and the old parent's no longer do; open appeals
        keep their lead unit."""
        if not parent_code.strip():
            raise InvalidArguments("请选择新的上级单位", field="parent_code")
        with self.db.uow() as uow:
            unit = _unit(uow, code)
            parent = uow.units.by_code(parent_code.strip())
            if parent is None:
                raise InvalidArguments(f"上级单位 {parent_code.strip()} 不存在",
                                       field="parent_code")
            locked = admin_store.locked_units(uow.session, [unit.id, parent.id])
            unit, parent = locked[unit.id], locked[parent.id]
            _check_move(unit, parent)
            if unit.active:
                _check_name_free(uow, parent, unit.name, unit)
            old = uow.session.get(UnitRow, unit.parent_id) if unit.parent_id else None
            before = (old.code, old.name) if old is not None else None
            moved = MovedUnit(unit.code, unit.name, before, (parent.code, parent.name),
                              admin_store.move_subtree(uow.session, unit, parent))
            self._log(uow, "units", "move",
                      f"移动单位 {moved.code} {moved.name}：{before[0] if before else '（无）'}"
                      f" → {parent_code.strip()}",
                      {"code": moved.code, "units": moved.units,
                       "before": {"parent_code": before[0] if before else None},
                       "after": {"parent_code": moved.parent[0]}})
            moved = replace(moved, gazetteer=self._move_place(uow, unit.code, parent.code))
            uow.commit()
        return moved

    def _move_place(self, uow: UnitOfWork, code: str, parent_code: str) -> str | None:
        """The moved unit's place in the gazetteer follows it under the new parent's place, so
        that an address naming the new street finds the community; what became of it (None:
        the unit has no place there). Left as it was, and said so, when the new parent has no
        place there or one of a level that does not fit."""
        stored = intake_store.read_settings(uow.session, [intake_store.GAZETTEER_KEY])
        text = stored.get(intake_store.GAZETTEER_KEY)
        if text is None or not text.value:
            return None
        try:
            moved = reparent_place(text.value, code, parent_code)
        except InvalidArguments as exc:
            return exc.message
        if moved is None:
            return None
        now = utcnow()
        intake_store.write_setting(uow.session, intake_store.GAZETTEER_KEY, moved, now)
        record_change(uow, self.by, "intake", "move",
                      f"地名表随单位移动：{code} 的上级改为 {parent_code}",
                      {"kind": "gazetteer", "code": code, "after": {"parent_code": parent_code}},
                      now=now)
        return f"地名表中 {code} 的上级已随之改为 {parent_code}"

    # --- resident figures (户数, 常住人口) for 万人诉求比 ----------------------------------------

    def set_unit_population(self, code: str, households: object,
                            population: object) -> UnitRow:
        """Set a unit's own 户数 and 常住人口; an empty one is cleared (the unit then takes
        the sum of its children's)."""
        figures = parse_figure(households, "households"), parse_figure(population, "population")
        with self.db.uow() as uow:
            row = _unit(uow, code)
            self._log(uow, "units", "set_population", f"修改单位 {row.code} 的户数和常住人口",
                      {"code": row.code,
                       "before": {"households": row.households, "population": row.population},
                       "after": {"households": figures[0], "population": figures[1]}})
            row.households, row.population = figures
            uow.commit()
            return row

    def import_unit_population(self, header: Sequence[str],
                               rows: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
        """Set the figures of many units from a table with the columns 单位编码 (code) and 户数
        (households) and/or 常住人口 (population); `rows` are (row number, cells). A column
        left out leaves that figure as it is; an empty cell clears it. All or nothing: any
        bad row changes nothing and the error names every bad row. Returns the units set."""
        columns = _population_columns(header)
        problems = _RowProblems()
        parsed: list[tuple[str, dict[str, int | None]]] = []
        seen: dict[str, int] = {}
        with self.db.uow() as uow:
            units = {u.code: u for u in lookups.all_units(uow.session)}
            for n, cells in rows:
                code = str(cells.get(columns["code"]) or "").strip()
                figures = _row_figures(n, cells, columns, problems)
                if not code:
                    problems.add(n, "缺少单位编码")
                elif code in seen:
                    problems.add(n, f"单位编码 {code[:64]} 与第 {seen[code]} 行重复")
                elif code not in units:
                    problems.add(n, f"单位编码 {code[:64]} 不存在")
                seen.setdefault(code, n)
                parsed.append((code, figures))
            problems.raise_if_any()
            if not parsed:
                raise InvalidArguments("人口数据文件中没有数据行")
            for code, figures in parsed:
                for name, value in figures.items():
                    setattr(units[code], name, value)
            self._log(uow, "units", "import_population",
                      f"导入户数和常住人口：{len(parsed)} 个单位",
                      {"units": len(parsed), "codes": [code for code, _ in parsed][:200]})
            uow.commit()
        return len(parsed)

    def import_unit_population_file(self, path: Path) -> int:
        """`import_unit_population` from a CSV (UTF-8 or GBK) or XLSX file."""
        table = open_table(path)
        return self.import_unit_population(table.header, table.rows)

    def import_unit_population_upload(self, data: bytes, filename: str | None) -> int:
        """`import_unit_population` from an uploaded CSV or XLSX (told apart by its bytes)."""
        with uploaded_file(data, filename) as path:
            return self.import_unit_population_file(path)

    # --- users ------------------------------------------------------------------------------

    def check_new_user(self, username: str, role: str, *, unit_code: str | None = None,
                       display_name: str = "") -> None:
        """Refuse what `add_user` would refuse for these details (bad role or name, a taken
        username, a missing or unknown unit) before anyone is asked for a password."""
        self._new_user(username, role, unit_code, display_name)
        with self.db.uow() as uow:
            self._free_username(uow, username)
            unit_id_by_code(uow, unit_code or "")

    @staticmethod
    def _new_user(username: str, role: str, unit_code: str | None,
                  display_name: str) -> tuple[str, str]:
        check_staff_role(role)
        username = check_username(username)
        if role in UNIT_ROLES and not unit_code:
            raise InvalidArguments("承办人和网格员必须属于一个单位", field="unit_code")
        return username, check_display_name(display_name or username)

    @staticmethod
    def _free_username(uow: UnitOfWork, username: str) -> None:
        if admin_store.username_taken(uow.session, username):
            raise Conflict(f"用户名 {username} 已存在")

    def add_user(self, username: str, password: str, role: str, *, unit_code: str | None = None,
                 display_name: str = "", phone: str | None = None, now: datetime) -> UserRow:
        """A new staff account; `phone`, its optional mobile phone (where a 精准帮扶 liaison is
        texted)."""
        username, name = self._new_user(username, role, unit_code, display_name)
        phone = check_staff_phone(phone)
        password_hash = hash_password(password)
        with self.db.uow() as uow:
            self._free_username(uow, username)
            row = UserRow(username=username, password_hash=password_hash, role=role,
                          unit_id=unit_id_by_code(uow, unit_code or ""), display_name=name,
                          phone=phone, active=True, created_at=now)
            uow.session.add(row)
            after: dict[str, object] = {"username": username, "display_name": name, "role": role,
                                        "unit_code": unit_code or None}
            if phone is not None:  # masked: the log is read by auditors, not to call anyone
                after["phone"] = mask_phone(phone)
            self._log(uow, "users", "add", f"新增用户 {username}（{role}）", {"after": after}, now)
            uow.commit()
            return row

    # --- categories -------------------------------------------------------------------------

    def add_category(self, name: str, *, parent_code: str | None = None,
                     code: str | None = None) -> CategoryRow:
        with _taxonomy_race(), self.db.uow() as uow:
            parent = None
            if parent_code:
                parent = category_store.category_by_code(uow.session, parent_code)
                if parent is None:
                    raise InvalidArguments(f"上级分类 {parent_code} 不存在", field="parent_code")
                if parent.level >= 3:
                    raise InvalidArguments("事项分类最多三级", field="parent_code")
            row = _ensure_category(uow.session, parent, name.strip(), code)
            self._log(uow, "taxonomy", "add", f"新增事项分类 {row.code} {row.full_name}",
                      {"after": {"code": row.code, "full_name": row.full_name}})
            uow.commit()
            return row

    def rename_category(self, code: str, name: str) -> CategoryRow:
        """Rename a category (a typo, a new official name); the full names of its
        sub-categories follow. Appeals keep their category: they store its code."""
        name = dom.clean_text(name)
        if not name:
            raise InvalidArguments("分类名称不能为空", field="name")
        if len(name) > CATEGORY_NAME_CHARS:
            raise InvalidArguments(f"分类名称不能超过 {CATEGORY_NAME_CHARS} 字", field="name")
        with _taxonomy_race(), self.db.uow() as uow:
            everything = category_store.every_category(uow.session)
            row = _category(everything, code)
            if any(c.parent_id == row.parent_id and c.name == name and c.id != row.id
                   for c in everything):
                raise Conflict(f"同一上级分类下已有“{name}”")
            old = row.full_name
            row.name = name
            row.full_name = old.rpartition("/")[0] + "/" + name if "/" in old else name
            for c in _descendants(everything, row.id):
                c.full_name = row.full_name + c.full_name[len(old):]
            self._log(uow, "taxonomy", "rename", f"事项分类 {row.code} 改名为 {row.full_name}",
                      {"code": row.code, "before": {"full_name": old},
                       "after": {"full_name": row.full_name}})
            uow.commit()
            return row

    def set_category_active(self, code: str, active: bool) -> int:
        """停用 a category added by mistake or no longer used (with its sub-categories): it is
        no longer offered for new appeals, rules or suggestions; 启用 brings it back (with its
        sub-categories and the categories above it). Returns the categories changed."""
        with self.db.uow() as uow:
            everything = category_store.every_category(uow.session)
            row = _category(everything, code)
            changed = [row, *_descendants(everything, row.id)]
            if active:  # a category under a stopped one could not be chosen
                by_id = {c.id: c for c in everything}
                parent = by_id.get(row.parent_id or 0)
                while parent is not None:
                    changed.append(parent)
                    parent = by_id.get(parent.parent_id or 0)
            flipped = [c.code for c in changed if c.active != active]
            n = len(flipped)
            for c in changed:
                c.active = active
            if flipped:
                self._log(uow, "taxonomy", "activate" if active else "deactivate",
                          f"{'启用' if active else '停用'}事项分类 {row.code} {row.full_name}"
                          f"（共 {n} 项）", {"code": row.code, "changed": flipped[:200],
                                           "after": {"active": active}})
            uow.commit()
        return n

    def import_categories(self, rows: Iterable[list[str]]) -> CategoryImport:
        """Load a 1–3 level taxonomy; rows are [level1, level2, level3] (blanks allowed).
        The result counts categories, each once: those made and those that were there before
        (not a parent once per row that repeats it)."""
        created = 0
        with _taxonomy_race(), self.db.uow() as uow:
            cache: dict[tuple[int | None, str], CategoryRow] = {}
            codes: dict[int | None, set[str]] = defaultdict(set)  # under each parent
            for c in category_store.every_category(uow.session):
                cache[(c.parent_id, c.name)] = c
                codes[c.parent_id].add(c.code)
            before = set(cache)
            named: set[tuple[int | None, str]] = set()  # of those, the ones the file names
            for line_no, parts in enumerate(rows, start=2):
                names = [dom.clean_text(p) for p in parts[:3]]
                if not names or not names[0]:
                    raise InvalidArguments(f"第 {line_no} 行缺少一级分类")
                parent: CategoryRow | None = None
                for name in names:
                    if not name:
                        break
                    key = (parent.id if parent else None, name)
                    hit = cache.get(key)
                    if hit is None:
                        hit = _ensure_category(uow.session, parent, name, None, codes[key[0]])
                        cache[key] = hit
                        created += 1
                    elif key in before:
                        named.add(key)
                    parent = hit
            if created:
                self._log(uow, "taxonomy", "import", f"导入事项分类：新增 {created} 项",
                          {"created": created, "existing": len(named)})
            uow.commit()
        return CategoryImport(created, len(named))

    def import_categories_file(self, path: Path) -> CategoryImport:
        if not path.exists():
            raise InvalidArguments(f"文件不存在：{path}")
        reader = csv.reader(io.StringIO(decode_text(path.read_bytes(), "分类文件"), newline=""))
        header = next(reader, None)
        if header is None:
            raise InvalidArguments("分类文件为空")
        if not any("level" in h.lower() or "级" in h for h in header):
            raise InvalidArguments("分类文件第一行须为表头，例如 level1,level2,level3")
        return self.import_categories(reader)

    # --- SLA policies -----------------------------------------------------------------------

    def set_sla_policy(self, *, clock: str, amount: float, limit_unit: str, kind: str | None,
                       urgency: str | None, category: str | None, unit_code: str | None,
                       requester: str | None = None) -> SlaSaved:
        """Store the limit of one scope; `requester` "enterprise" gives 涉企诉求 their own.
        A rule of the same scope is replaced, and the result says what it was."""
        # 延期: the setting max_extension_days alone; 整改: one limit, no scope
        check_policy_scope(clock, kind=kind, urgency=urgency, category=category,
                           unit=unit_code, requester=requester)
        policy_limit(clock, amount, limit_unit)
        if requester is not None and requester not in REQUESTER_TYPES:
            raise InvalidArguments("诉求人类型应为个人或企业", field="requester")
        with self.db.uow() as uow:
            unit = uow.units.by_code(unit_code) if unit_code else None
            if unit_code and unit is None:
                raise InvalidArguments(f"单位 {unit_code} 不存在", field="unit_code")
            category_name = _check_leaf_category(uow.session, category) if category else None
            existing = admin_store.sla_policy(uow.session, clock=clock, kind=kind,
                                              urgency=urgency, category=category,
                                              unit=unit_code, requester=requester)
            before = None if existing is None else (existing.amount, existing.limit_unit)
            if existing is None:
                existing = SlaPolicyRow(clock=clock, kind=kind, urgency=urgency,
                                        category=category, unit=unit_code, requester=requester,
                                        amount=amount, limit_unit=limit_unit)
                uow.session.add(existing)
            else:
                existing.amount, existing.limit_unit = amount, limit_unit
            uow.session.flush()
            saved = SlaSaved(existing.id, before, (amount, limit_unit), category_name,
                             unit.name if unit is not None else None)
            if saved.changed:
                self._log(uow, "deadlines", "set", f"设置时限规则 #{saved.policy_id}：{clock} "
                          f"{amount:g} {limit_unit}", {"policy_id": saved.policy_id, **(
                              {} if before is None else {"before": {
                                  "amount": before[0], "limit_unit": before[1]}}), "after": {
                              "clock": clock, "kind": kind, "urgency": urgency,
                              "category": category, "unit": unit_code, "requester": requester,
                              "amount": amount, "limit_unit": limit_unit}})
            uow.commit()
        self.rules.invalidate()
        return saved

    def delete_sla_policy(self, policy_id: int) -> None:
        with self.db.uow() as uow:
            row = uow.session.get(SlaPolicyRow, policy_id)
            if row is None:
                raise NotFound(f"时限规则 {policy_id} 不存在")
            self._log(uow, "deadlines", "delete", f"删除时限规则 #{policy_id}：{row.clock} "
                      f"{row.amount:g} {row.limit_unit}", {"policy_id": policy_id, "before": {
                          "clock": row.clock, "kind": row.kind, "urgency": row.urgency,
                          "category": row.category, "unit": row.unit,
                          "requester": row.requester, "amount": row.amount,
                          "limit_unit": row.limit_unit}})
            uow.session.delete(row)
            uow.commit()
        self.rules.invalidate()

    # --- rule settings ----------------------------------------------------------------------

    def set_rule_settings(self, values: dict[str, str], now: datetime) -> dict[str, object]:
        """Replace the run-time rule settings given (RULE_SETTINGS keys); all are checked
        before any is written, so a bad value changes nothing."""
        clean: dict[str, object] = {}
        for key, raw in values.items():
            if key not in RULE_SETTINGS:
                raise InvalidArguments(f"未知的设置项 {key}", field=key)
            text = str(raw).strip()
            if key == "auto_supervision_level":
                levels = [lvl.value for lvl in dom.SupervisionLevel
                          if lvl is not dom.SupervisionLevel.NONE]
                if text not in levels:
                    raise InvalidArguments(
                        f"自动督办级别须为 {' / '.join(levels)} 之一", field=key)
                clean[key] = text
                continue
            low, high = RULE_LIMITS[key]
            label = RULE_LABELS[key]
            try:
                number = int(text)
            except ValueError:
                raise InvalidArguments(f"{label}须为整数", field=key) from None
            if not low <= number <= high:
                raise InvalidArguments(f"{label}须在 {low}–{high} 之间", field=key)
            clean[key] = number
        defaults = rule_defaults(self.rules.settings)
        with self.db.uow() as uow:
            # the value in force before: the one saved, or the default (so saving the form
            # unchanged records nothing)
            before = {key: (row.value if row is not None else defaults[key]) for key in clean
                      for row in [uow.session.get(SettingRow, key)]}
            for key, value in clean.items():
                uow.session.merge(SettingRow(key=key, value=value, updated_at=now))
            changed = [k for k in clean if before[k] != clean[k]]
            if changed:
                # named as the form names them (English: web.i18n_audit)
                self._log(uow, "settings", "set",
                          "修改系统设置：" + "、".join(RULE_LABELS[k] for k in changed),
                          {"before": {k: before[k] for k in changed},
                           "after": {k: clean[k] for k in changed}}, now)
            uow.commit()
        self.rules.invalidate()
        return clean

    # --- calendar ---------------------------------------------------------------------------

    def load_calendar_year(self, year: int, days: dict[date, bool], *, source: str,
                           now: datetime, progress: Callable[[int, int], None] | None = None
                           ) -> int:
        """Store a year's official calendar, then recompute every provisional deadline.

        Returns the number of appeals whose deadlines changed.
        """
        for d in days:
            if d.year != year:
                raise InvalidArguments(f"日期 {d} 不属于 {year} 年")
        with self.db.uow() as uow:
            admin_store.replace_calendar_days(uow.session, year, days)
            row = uow.session.get(CalendarYearRow, year)
            if row is None:
                uow.session.add(CalendarYearRow(year=year, source=source, loaded_at=now))
            else:
                row.source, row.loaded_at = source, now
            notice = admin_store.admin_notice(uow.session, f"calendar-missing-{year}")
            if notice is not None and notice.resolved_at is None:
                notice.resolved_at = now
            self._log(uow, "calendar", "load_year", f"导入 {year} 年工作日历（{source}）",
                      {"year": year, "source": source, "days": len(days),
                       "working_weekend_days": sorted(
                           d.isoformat() for d, work in days.items() if work and d.weekday() >= 5),
                       "holidays_on_weekdays": sorted(
                           d.isoformat() for d, work in days.items()
                           if not work and d.weekday() < 5)}, now)
            # in the year's own transaction: no crash leaves them counted on Mon–Fri (they
            # keep no provisional flag for the sweeper to find, unlike appeals)
            rules = self.rules.get()
            _recount_rectifications(uow, rules.calendar.with_year(year, days), rules.sla, year,
                                    now, counted_on=rules.calendar)
            uow.commit()
        self.rules.invalidate()
        # the running clocks' working days are counted on the calendar they were counted on
        return self.recompute_provisional(now, progress=progress, counted_on=rules.calendar)

    def import_calendar_csv(self, data: bytes, *, source: str, now: datetime
                            ) -> list[tuple[int, int, int]]:
        """Load the years of a calendar CSV (`date,is_workday`, UTF-8 or GBK) as an
        administrator uploads it: all rows are checked before any year is stored. Returns
        (year, days given, appeals whose deadlines changed) for each year."""
        text = decode_text(data, "工作日历文件")
        try:
            years = read_calendar_csv(io.StringIO(text))  # never taken for a file name
        except ValueError as exc:
            raise InvalidArguments(f"工作日历文件有误，未导入：{exc}") from None
        if not years:
            raise InvalidArguments("工作日历文件中没有日期行，未导入任何内容")
        bad = [y for y in years if not CALENDAR_YEARS[0] <= y <= CALENDAR_YEARS[1]]
        if bad:
            raise InvalidArguments(f"工作日历文件含 {bad[0]} 年的日期，年份须在 "
                                   f"{CALENDAR_YEARS[0]}–{CALENDAR_YEARS[1]} 之间，未导入")
        return [(year, len(days), self.load_calendar_year(year, days, source=source, now=now))
                for year, days in sorted(years.items())]

    def recompute_provisional(self, now: datetime, *, batch: int = 500,
                              progress: Callable[[int, int], None] | None = None,
                              counted_on: WorkCalendar | None = None) -> int:
        """Recompute deadlines marked provisional (after a calendar year was loaded), each
        running clock with the working days it was counted with on `counted_on` (the calendar
        before the load; unknown to the sweeper's catch-up: dom.recompute_deadlines)."""
        rules = self.rules.get()
        changed = 0
        last_id = 0
        done = 0
        while True:
            with self.db.uow() as uow:
                ids = admin_store.provisional_open_appeal_ids(uow.session, last_id, batch)
                if not ids:
                    break
                for appeal_id in ids:
                    appeal, row = uow.appeals.get(appeal_id, for_update=True)
                    if dom.recompute_deadlines(appeal, rules, now, counted_on=counted_on):
                        event = DomainEvent("deadlines_recomputed", now, None, dom.Role.SYSTEM, {
                            "handle_due_at": _iso(appeal.handle_due_at),
                            "sign_due_at": _iso(appeal.sign_due_at),
                            "follow_up_due_at": _iso(appeal.followup_due_at),
                            "provisional": appeal.deadlines_provisional,
                            # a warning of the old deadline the new one does not give is
                            # taken back (dom.recompute_deadlines)
                            "warnings": {"sign": str(appeal.sign_warning),
                                         "handle": str(appeal.handle_warning),
                                         "follow_up": str(appeal.followup_warning)},
                        })
                        uow.appeals.save(appeal, row, [event], now=now)
                        changed += 1
                uow.commit()
            last_id = ids[-1]
            done += len(ids)
            if progress:
                progress(done, changed)
        return changed

    def calendar_year(self, year: int) -> dict[date, bool]:
        """The stored days of one year (whether each is a working day); refused when the
        year was never loaded (its deadlines count Mon–Fri, provisionally)."""
        with self.db.uow(write=False) as uow:
            if year not in rules_store.loaded_calendar_years(uow.session):
                raise NotFound(f"{year} 年的工作日历尚未导入")
            return {d: w for d, w in rules_store.calendar_days(uow.session).items()
                    if d.year == year}

    def calendar_notices(self, now: datetime) -> list[str]:
        """Raise (once) and return admin warnings about calendar years not yet loaded."""
        rules = self.rules.get()
        missing = rules.calendar.missing_years(rules.calendar.local_date(now))
        messages = []
        with self.db.uow() as uow:
            for year in missing:
                key = f"calendar-missing-{year}"
                message = (f"{year} 年的法定节假日安排尚未导入，涉及该年的办理时限暂按周一至周五"
                           f"计算并标记为“暂定”。{_calendar_instruction(year)}")
                messages.append(message)
                if not admin_store.admin_notice_raised(uow.session, key):
                    uow.session.add(AdminNoticeRow(key=key, message=message, created_at=now))
            uow.commit()
        return messages


def _recount_rectifications(uow: UnitOfWork, calendar: WorkCalendar, sla: SlaTable,
                            year: int, now: datetime, *, counted_on: WorkCalendar) -> int:
    """The deadlines of open rectifications (整改) whose count ran through `year`, counted again
    on `calendar` (which has it loaded) with the working days they were counted with on
    `counted_on` (the calendar before), as appeals' are, with a warning the new deadline does
    not give at `now` taken back. Returns how many moved."""
    since = datetime.combine(date(year, 1, 1), time(), tzinfo=calendar.tz)
    moved = 0
    for row in feedback_store.open_rectifications_due_from(uow.session, since):
        status, rounds = row.status, row.rounds
        rect = Rectification(RectificationStatus(status), row.due_at, rounds=rounds,
                             followed_up_at=row.followed_up_at, opened_at=row.created_at,
                             warning=WarningLevel(row.warning or "none"))
        # conditional on the step it was at: a report or 回访 meanwhile wins
        if not rect.recount_due(calendar, sla, year, now, counted_on=counted_on):
            continue
        if feedback_store.update_rectification(
                uow.session, row.id, status=status, rounds=rounds,
                values={"due_at": rect.due_at, "warning": str(rect.warning)}):
            moved += 1
    return moved


def _calendar_instruction(year: int) -> str:
    """How to load a missing year: `calendar load` only works for a year the installed
    chinesecalendar holds (for next year it did not, and the reminder named only that)."""
    if year in covered_years():
        return f"请执行 jiesu calendar load --year {year} 或在管理页面导入。"
    return (f"已安装的 chinesecalendar 尚未收录该年：国务院公布后，请用 jiesu calendar import FILE"
            f"（CSV date,is_workday，只列与周一至周五不同的日期）或在管理页面导入；该包收录后，"
            f"也可升级它（pip install -U chinesecalendar）再执行 "
            f"jiesu calendar load --year {year}。")


def _check_leaf_category(session: Session, code: str) -> str:
    """A time limit is matched against an appeal's own (末级) category, so a rule keyed on a
    category that does not exist or has sub-categories would never apply: refused. Returns
    the category's full name."""
    row = category_store.category_by_code(session, code)
    if row is None:
        raise InvalidArguments(f"事项分类 {code} 不存在", field="category")
    if category_store.category_codes_under(session, row.id):
        raise InvalidArguments(f"事项分类 {code}（{row.full_name}）下还有子分类，时限规则按诉求的"
                               "末级分类匹配：请填写末级分类的编码", field="category")
    return row.full_name


def _check_name_free(uow: UnitOfWork, parent: UnitRow | None, name: str,
                     unit: UnitRow | None = None) -> None:
    """Refuse a second active unit of one name under one parent (added, renamed, moved or
    启用 again): the rankings, the 通报 and the dispatchers' lists name units, and two 城西区
    side by side cannot be told apart. The same name under different parents is fine (两个街道
    may each have a 新村社区)."""
    other = admin_store.active_sibling_named(uow.session, parent.id if parent else None, name,
                                             unit.id if unit else None)
    if other is not None:
        where = f"上级单位 {parent.code} 下" if parent is not None else "最上级"
        raise Conflict(f"{where}已有名为“{name}”的单位 {other.code}，同一上级单位下的单位名称不能"
                       "相同", field="name")


def _check_move(unit: UnitRow, parent: UnitRow) -> None:
    """Refuse a move that would make a cycle, put a unit under a stopped one or under a unit
    of a level it cannot belong to, or change nothing."""
    if parent.id == unit.id:
        raise InvalidArguments(f"不能把单位 {unit.code} 移到它自己之下", field="parent_code")
    if parent.path.startswith(unit.path):
        raise InvalidArguments(f"{parent.code} 是 {unit.code} 的下级单位，不能把 {unit.code} "
                               "移到它之下", field="parent_code")
    if unit.parent_id == parent.id:
        raise InvalidArguments(f"单位 {unit.code} 已在 {parent.code} {parent.name} 之下",
                               field="parent_code")
    if not parent.active:
        raise InvalidArguments(f"上级单位 {parent.code} 已停用", field="parent_code")
    check_unit_level(unit.group, parent)


def check_unit_level(group: str, parent: UnitRow) -> None:
    """Refuse a unit of `group` under `parent` when the tree's levels do not allow it (a
    community under a grid, a street under a department)."""
    if not unit_tree.parent_fits(parent.group, group):
        fits = "、".join(unit_tree.GROUP_ZH[g] for g in unit_tree.parent_groups(group))
        if not fits:
            raise InvalidArguments(f"{unit_tree.GROUP_ZH[group]}是单位树的顶层，"
                                   "不能隶属于其他单位", field="group")
        raise InvalidArguments(
            f"{unit_tree.GROUP_ZH[group]}不能隶属于{unit_tree.GROUP_ZH[parent.group]}"
            f"（{parent.code}）：可选的上级为{fits}", field="parent_code")


def _descendants(everything: list[CategoryRow], category_id: int) -> list[CategoryRow]:
    """The categories under one, at any depth (three levels at most)."""
    found: list[CategoryRow] = []
    parents = {category_id}
    for _ in range(3):
        below = [c for c in everything if c.parent_id in parents]
        found += below
        parents = {c.id for c in below}
    return found


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


@contextmanager
def _taxonomy_race() -> Iterator[None]:
    """Two admins adding under the same parent at once pick the same next code (or name); on
    PostgreSQL the later one's INSERT then fails on the unique key. Nothing of it was saved."""
    try:
        yield
    except WriteRaced:
        raise Conflict("分类刚被另一项操作修改，未作任何修改，请重试") from None


_CATEGORY_CODE = re.compile(r"[0-9A-Za-z._-]{1,64}")
CATEGORY_NAME_CHARS = 100  # three levels and two "/" fit categories.full_name (600)


def _ensure_category(session: Session, parent: CategoryRow | None, name: str,
                     code: str | None, siblings: set[str] | None = None) -> CategoryRow:
    """Add a category under `parent`. `siblings` (the codes already under that parent) is
    given by a bulk import, which knows them and has checked the name is new; a single add
    reads them and checks the name."""
    name = dom.clean_text(name)
    if not name:
        raise InvalidArguments("分类名称不能为空")
    if len(name) > CATEGORY_NAME_CHARS:
        raise InvalidArguments(f"分类名称不能超过 {CATEGORY_NAME_CHARS} 字", field="name")
    parent_id = parent.id if parent is not None else None
    if siblings is None:
        if category_store.category_name_taken(session, parent_id, name):
            where = f"“{parent.full_name}”下" if parent else "一级分类中"
            raise Conflict(f"{where}已有“{name}”")
        siblings = category_store.category_codes_under(session, parent_id)
    if code is None:
        width = 2 if parent is None or parent.level == 1 else 3
        n = len(siblings) + 1
        code = f"{parent.code}.{n:0{width}d}" if parent else f"{n:0{width}d}"
        while code in siblings:
            n += 1
            code = f"{parent.code}.{n:0{width}d}" if parent else f"{n:0{width}d}"
    elif not _CATEGORY_CODE.fullmatch(code):
        raise InvalidArguments("分类编码只能由字母、数字和 . _ - 组成，最多 64 个字符",
                               field="code")
    elif category_store.category_id(session, code):
        raise Conflict(f"分类编码 {code} 已存在")
    row = CategoryRow(code=code, name=name, level=(parent.level + 1) if parent else 1,
                      parent_id=parent.id if parent else None,
                      full_name=f"{parent.full_name}/{name}" if parent else name,
                      active=True, public=True, keywords="")
    session.add(row)
    session.flush()
    siblings.add(code)
    return row


# The header of a population table, in Chinese or English (what the admin page documents).
POPULATION_COLUMNS = {"单位编码": "code", "code": "code", "户数": "households",
                      "households": "households", "常住人口": "population",
                      "population": "population"}
POPULATION_HEADER_ERROR = ("人口数据文件第一行须为表头：单位编码（code），以及户数（households）、"
                           "常住人口（population）中的至少一列")


def _population_columns(header: Sequence[str]) -> dict[str, str]:
    """Field name → the header cell that holds it (the first such cell)."""
    columns: dict[str, str] = {}
    for cell in header:
        name = POPULATION_COLUMNS.get(str(cell).strip().lower())
        if name is not None:
            columns.setdefault(name, cell)
    if "code" not in columns or len(columns) < 2:
        raise InvalidArguments(POPULATION_HEADER_ERROR)
    return columns


def _row_figures(n: int, cells: Mapping[str, Any], columns: Mapping[str, str],
                 problems: _RowProblems) -> dict[str, int | None]:
    figures: dict[str, int | None] = {}
    for name in ("households", "population"):
        if name in columns:
            try:
                figures[name] = parse_figure(cells.get(columns[name]), name)
            except InvalidArguments as exc:
                problems.add(n, exc.message)
    return figures


class _RowProblems:
    """What is wrong with the rows of an uploaded table, raised together (row numbers as a
    spreadsheet shows them)."""

    SHOWN = 5  # in the message; up to KEPT are in its `problems`
    KEPT = 50

    def __init__(self) -> None:
        self.items: list[str] = []
        self.count = 0

    def add(self, row: int, message: str) -> None:
        self.count += 1
        if len(self.items) < self.KEPT:
            self.items.append(f"第 {row} 行：{message}")

    def raise_if_any(self) -> None:
        """Raise them: the message names the first few; `problems` holds up to KEPT, `count`
        all of them and `summary` the message's first part (a command prints one a line)."""
        if not self.count:
            return
        more = f"；另有 {self.count - self.SHOWN} 处" if self.count > self.SHOWN else ""
        summary = f"人口数据有 {self.count} 处问题，未作任何修改"
        raise InvalidArguments(f"{summary}：{'；'.join(self.items[:self.SHOWN])}{more}",
                               problems=list(self.items), count=self.count, summary=summary)


def _duty_phone(raw: str | None) -> str | None:
    """A unit's duty phone as digits (a mobile or a landline with area code), or None."""
    if raw is None or not raw.strip():
        return None
    phone = dom.normalize_phone(raw)
    if not re.fullmatch(r"\+?\d{7,20}", phone):
        raise InvalidArguments("值班电话应为 7–20 位数字", field="contact_phone")
    return phone


DISPLAY_NAME_CHARS = 100  # users.display_name
USERNAME_CHARS = 64  # users.username
_USERNAME = re.compile(rf"[^\s]{{1,{USERNAME_CHARS}}}")
UNIT_CODE_CHARS, UNIT_NAME_CHARS = 64, 200  # units.code, units.name
_UNIT_CODE = re.compile(rf"[^\s]{{1,{UNIT_CODE_CHARS}}}")


def check_username(raw: str) -> str:
    """A new user's sign-in name: stripped, 1–64 characters, no spaces (one typed with a
    space could not be told apart at sign-in, and a longer one does not fit the column)."""
    name = raw.strip()
    if not name:
        raise InvalidArguments("用户名不能为空", field="username")
    if not _USERNAME.fullmatch(name):
        raise InvalidArguments(f"用户名不能超过 {USERNAME_CHARS} 个字符，且不能含空格",
                               field="username")
    return name


STAFF_PHONE_REFUSED = "手机号应为 7–20 位数字，用于接收短信提醒"


def check_staff_phone(raw: str | None) -> str | None:
    """A staff member's mobile phone as stored (normalised, the rule every requester's phone
    follows: `callable_phone`), or None when left blank."""
    if raw is None or not raw.strip():
        return None
    phone = dom.normalize_phone(raw)
    if not dom.callable_phone(phone):
        raise InvalidArguments(STAFF_PHONE_REFUSED, field="phone")
    return phone


def check_display_name(raw: str) -> str:
    """A user's display name as stored: stripped, not empty, at most 100 characters."""
    name = raw.strip()
    if not name:
        raise InvalidArguments("显示名称不能为空", field="display_name")
    if len(name) > DISPLAY_NAME_CHARS:
        raise InvalidArguments(f"显示名称不能超过 {DISPLAY_NAME_CHARS} 字",
                               field="display_name")
    return name


def _unit(uow: UnitOfWork, code: str) -> UnitRow:
    """The unit an administrator names by its code (stopped ones too); unknown: NotFound."""
    row = uow.units.by_code(code.strip())
    if row is None:
        raise NotFound(f"单位 {code} 不存在")
    return row


def _category(everything: list[CategoryRow], code: str) -> CategoryRow:
    """The category with this code among `everything`; unknown: NotFound."""
    row = next((c for c in everything if c.code == code.strip()), None)
    if row is None:
        raise NotFound(f"事项分类 {code} 不存在")
    return row


def unit_id_by_code(uow: UnitOfWork, code: str) -> int | None:
    """The id of the unit with this code; "" is no unit; an unknown code is refused."""
    if not code:
        return None
    unit = uow.units.by_code(code)
    if unit is None or not unit.active:
        raise InvalidArguments(f"单位 {code} 不存在或已停用", field="unit_code")
    return unit.id
