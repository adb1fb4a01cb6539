"""The service-item catalogue (服务事项目录): the items of each unit that residents rate at
the unit's window (好差评 of a service item). An administrator adds them, renames them, moves
them to another unit and switches them off and on (停用/启用); each change is recorded in the
configuration-change log in its own transaction. A stopped item cannot be rated and is not in
the public catalogue; its ratings stay with the unit they were made for, in every figure.
"""

from __future__ import annotations

import re
from datetime import datetime

from jiesu.domain import appeal as dom
from jiesu.domain.errors import InvalidArguments, NotFound, PermissionDenied
from jiesu.services.admin import Conflict
from jiesu.services.config_log import record_change
from jiesu.store import feedback_store as fq
from jiesu.store import rating_queries as rq
from jiesu.store.feedback_store import ServiceItemInfo
from jiesu.store.feedback_tables import ServiceItemRow
from jiesu.store.tables import UnitRow
from jiesu.store.uow import Database, UnitOfWork

CODE_CHARS = 64  # the column's width
NAME_CHARS = 200
_CODE = re.compile(rf"[^\s]{{1,{CODE_CHARS}}}")
AREA = "service_items"  # of the configuration-change log


def require_admin(actor: dom.Actor) -> None:
    """Only administrators keep the catalogue."""
    if actor.role is not dom.Role.ADMIN:
        raise PermissionDenied(f"“{dom.ROLE_ZH.get(actor.role, actor.role)}”无权维护服务事项")


def check_code(raw: str) -> str:
    code = raw.strip()
    if not code:
        raise InvalidArguments("请填写服务事项编码", field="code")
    if not _CODE.fullmatch(code):
        raise InvalidArguments(f"服务事项编码不能超过 {CODE_CHARS} 个字符，且不能含空格",
                               field="code")
    return code


def check_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise InvalidArguments("请填写服务事项名称", field="name")
    if len(name) > NAME_CHARS:
        raise InvalidArguments(f"服务事项名称不能超过 {NAME_CHARS} 字", field="name")
    return name


def rating_url(base_url: str, item_id: int) -> str:
    """The address of the item's rating page (`/rate/item/{id}`) under the site's public
    address: what the QR code of its poster holds."""
    return f"{base_url.strip().rstrip('/')}/rate/item/{item_id}"


class ServiceItemService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, actor: dom.Actor, unit_code: str, code: str, name: str,
            now: datetime) -> int:
        """A new, active item of an active unit; its code is unique and never changes."""
        require_admin(actor)
        code, name = check_code(code), check_name(name)
        with self.db.uow() as uow:
            unit = _active_unit(uow, unit_code)
            if fq.service_item_id_by_code(uow.session, code):
                raise Conflict(f"服务事项编码 {code} 已存在")
            _check_name_free(uow, unit.id, name)
            row = ServiceItemRow(unit_id=unit.id, code=code, name=name, active=True,
                                 created_at=now)
            uow.session.add(row)
            uow.session.flush()
            record_change(uow, actor, AREA, "add", f"新增服务事项 {code} {name}（{unit.name}）",
                          {"id": row.id, "after": {"code": code, "name": name,
                                                   "unit_code": unit.code}}, now=now)
            item_id = row.id
            uow.commit()
            return item_id

    def update(self, actor: dom.Actor, item_id: int, now: datetime, *,
               name: str | None = None, unit_code: str | None = None,
               active: bool | None = None) -> ServiceItemInfo:
        """Rename the item, move it to another (active) unit, or switch it off or on; what is
        not given stays. Ratings already made stay with the unit they were made for."""
        require_admin(actor)
        if name is None and unit_code is None and active is None:
            raise InvalidArguments("请填写要修改的名称、所属单位或启用状态")
        new_name = None if name is None else check_name(name)
        with self.db.uow() as uow:
            row = uow.session.get(ServiceItemRow, item_id, with_for_update=True)
            if row is None:
                raise NotFound(f"服务事项 {item_id} 不存在")
            before = _info(uow, row)
            unit_id = row.unit_id
            if unit_code is not None and unit_code.strip() != before.unit_code:
                unit_id = _active_unit(uow, unit_code).id
            if new_name is not None or unit_id != row.unit_id:
                _check_name_free(uow, unit_id, new_name or row.name, but=row.id)
            if active and not before.active and unit_id == row.unit_id:
                unit = uow.session.get(UnitRow, unit_id)
                if unit is None or not unit.active:
                    raise Conflict(f"单位 {before.unit_code} 已停用：请先启用该单位，"
                                   "或把服务事项移到其他单位")
            row.name = new_name or row.name
            row.unit_id = unit_id
            row.active = before.active if active is None else active
            uow.session.flush()
            after = _info(uow, row)
            self._log(uow, actor, before, after, now)
            uow.commit()
            return after

    @staticmethod
    def _log(uow: UnitOfWork, actor: dom.Actor, before: ServiceItemInfo,
             after: ServiceItemInfo, now: datetime) -> None:
        what = f"服务事项 {after.code}"
        if (before.name, before.unit_code) != (after.name, after.unit_code):
            changed = "、".join(part for part, differs in (
                ("名称", before.name != after.name),
                ("所属单位", before.unit_code != after.unit_code)) if differs)
            record_change(uow, actor, AREA, "update", f"修改{what}：{changed}", {
                "id": after.id,
                "before": {"name": before.name, "unit_code": before.unit_code},
                "after": {"name": after.name, "unit_code": after.unit_code}}, now=now)
        if before.active != after.active:
            record_change(uow, actor, AREA, "activate" if after.active else "deactivate",
                          f"{'启用' if after.active else '停用'}{what} {after.name}",
                          {"id": after.id, "before": {"active": before.active},
                           "after": {"active": after.active}}, now=now)

    def item(self, item_id: int) -> ServiceItemInfo:
        """One item with its unit, active or not; NotFound when unknown."""
        with self.db.uow(write=False) as uow:
            found = fq.service_item(uow.session, item_id)
        if found is None:
            raise NotFound(f"服务事项 {item_id} 不存在")
        return found

    def page(self, actor: dom.Actor, *, unit_code: str = "", page: int = 1,
             per_page: int = 100) -> tuple[list[rq.ServiceItemLine], int]:
        """The catalogue of a unit subtree (every unit: "") with each item's rating figures,
        active items first (the admin page)."""
        require_admin(actor)
        with self.db.uow(write=False) as uow:
            unit_id = None
            if unit_code.strip():
                unit = uow.units.by_code(unit_code.strip())
                if unit is None:
                    raise NotFound(f"单位 {unit_code.strip()} 不存在")
                unit_id = unit.id
            return rq.service_item_page(uow.session, unit_id=unit_id, page=page,
                                        per_page=per_page)


def _active_unit(uow: UnitOfWork, unit_code: str) -> UnitRow:
    if not unit_code.strip():
        raise InvalidArguments("请填写所属单位", field="unit_code")
    unit = uow.units.by_code(unit_code.strip())
    if unit is None or not unit.active:
        raise InvalidArguments(f"单位 {unit_code.strip()} 不存在或已停用", field="unit_code")
    return unit


def _check_name_free(uow: UnitOfWork, unit_id: int, name: str, but: int | None = None) -> None:
    taken = fq.service_item_named(uow.session, unit_id, name, but)
    if taken is not None:
        raise Conflict(f"该单位已有名为“{name}”的服务事项（编码 {taken}）")


def _info(uow: UnitOfWork, row: ServiceItemRow) -> ServiceItemInfo:
    found = fq.service_item(uow.session, row.id)
    assert found is not None
    return found
