"""Which clock restarts and which keeps counting across 退回重新答复, 退单 and a year's calendar
loaded while an appeal is in progress; on SQLite and PostgreSQL.

March 2026 has no holidays: a complaint dispatched on Monday 2 March at 10:00 (Shanghai) is to
be signed by Tuesday 3 March 23:59:59 and answered by Monday 23 March 23:59:59.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.kpi import parse_period
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.appeals import NewAppeal
from jiesu.services.reporting import ReportingService
from jiesu.store.tables import AppealRow
from tests.support.city import City

SH = ZoneInfo("Asia/Shanghai")


def t(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SH).astimezone(UTC)


def _handler(rt: Runtime, city: City, unit: str) -> Actor:
    unit_id = city.unit_ids[unit]
    with rt.db.uow(write=False) as uow:
        scope = uow.units.subtree_ids(unit_id)
    return Actor(role=Role.HANDLER, unit_id=unit_id, unit_scope=scope)


DISPATCHER = Actor(role=Role.DISPATCHER)


def _new(rt: Runtime, city: City, unit: str, at: datetime, kind: str = "complaint") -> int:
    reg = rt.appeals.register(Actor(role=Role.OPERATOR), NewAppeal(
        kind=kind, content="楼下餐馆油烟直排，影响居民生活", requester_phone="13812345678"), at)
    rt.appeals.act(DISPATCHER, reg.appeal_id, "dispatch", at, {"unit_id": city.unit_ids[unit]})
    return reg.appeal_id


def _row(rt: Runtime, appeal_id: int) -> AppealRow:
    with rt.db.uow(write=False) as uow:
        row = uow.session.get(AppealRow, appeal_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def _counts(rt: Runtime, unit: str, period: str, now: datetime) -> Any:
    report = ReportingService(rt.db, rt.rules, rt.settings).kpi(parse_period(period), now)
    return {r.code: r for r in report.rows}[unit].counts


def test_loading_next_year_moves_the_return_window_of_a_signed_appeal(runtime: Runtime,
                                                                      city: City) -> None:
    """退单 is asked for in 办理中 too (until the return window ends), so once 2027 is loaded
    the window of a signed appeal is recomputed like its handling deadline."""
    h = _handler(runtime, city, "D1")
    # Wednesday 30 December: 2 working days are Thu 31 Dec and (Mon–Fri, provisional) Fri 1 Jan
    appeal_id = _new(runtime, city, "D1", t(2026, 12, 30))
    runtime.appeals.act(h, appeal_id, "sign", t(2026, 12, 30, 11), {})
    row = _row(runtime, appeal_id)
    assert row.deadlines_provisional
    assert row.return_due_at == datetime(2027, 1, 1, 23, 59, 59, tzinfo=SH)
    # 2027-01-01 is a holiday: the window ends on Monday 4 January
    AdminService(runtime.db, runtime.rules).load_calendar_year(
        2027, {date(2027, 1, 1): False}, source="test", now=t(2026, 12, 31))
    row = _row(runtime, appeal_id)
    assert row.return_due_at == datetime(2027, 1, 4, 23, 59, 59, tzinfo=SH)
    assert not row.deadlines_provisional
    runtime.appeals.act(h, appeal_id, "request_return", t(2027, 1, 4, 9),
                        {"reason": "不属于本单位职责"})
    assert _row(runtime, appeal_id).return_pending
