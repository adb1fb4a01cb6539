"""A late 回访 is the hotline's lateness, not the handling unit's: the automatic 督办 the
follow-up clock raises stays visible to supervisors but counts in none of the unit's 督办
figures (docs/kpi.md, docs/deadlines.md); on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from jiesu.domain.appeal import FOLLOWUP_SUPERVISION_NOTE, Actor, Role
from jiesu.domain.kpi import parse_period
from jiesu.jobs.sweeper import sweep_deadlines
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.appeals import NewAppeal
from jiesu.services.reporting import ReportingService
from jiesu.store.tables import AppealRow, EventRow
from tests.support.city import City, page_login

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Asia/Shanghai
FOLLOWUP_LATE = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # Wed 09:00: 回访 was due Tue 23:59
HANDLE_LATE = datetime(2026, 3, 11, 1, 0, tzinfo=UTC)  # Wed 09:00: 办理 (help) was due Mon 9th
MONTH_END = datetime(2026, 4, 1, tzinfo=UTC)


def _handled(runtime: Runtime, city: City, *, reply: bool) -> int:
    """A help appeal of 东城区 D1 signed and contacted on time on Monday 2 March, replied at
    once or never (help: 办理 due Monday 9 March; 回访 due the day after the reply)."""
    d1 = city.unit_ids["D1"]
    with runtime.db.uow(write=False) as uow:
        scope = uow.units.subtree_ids(d1)
    handler = Actor(role=Role.HANDLER, user_id=None, unit_id=d1, unit_scope=scope)
    reg = runtime.appeals.register(
        Actor(role=Role.OPERATOR, user_id=None),
        NewAppeal(kind="help", content="楼道灯坏了一周，晚上上下楼看不见",
                  requester_phone="13812345678"), T0)
    steps: list[tuple[Actor, str, dict[str, object]]] = [
        (Actor(role=Role.DISPATCHER, user_id=None), "dispatch", {"unit_id": d1}),
        (handler, "sign", {}), (handler, "contact", {})]
    if reply:
        steps.append((handler, "reply", {"text": "已更换灯泡", "claim": "solved"}))
    for minutes, (actor, action, args) in enumerate(steps, start=1):
        runtime.appeals.act(actor, reg.appeal_id, action, T0 + timedelta(minutes=minutes), args)
    return reg.appeal_id


def _supervision(runtime: Runtime) -> dict[str, tuple[int, int, list[int], list[int], int]]:
    """D1's March 督办 figures wherever they are shown: (supervised, red cards) of the KPI
    report, the appeals behind each, and the red cards of the accountability list."""
    rep = ReportingService(runtime.db, runtime.rules, runtime.settings)
    march = parse_period("2026-03")
    row = next(r for r in rep.kpi(march, MONTH_END).rows if r.code == "D1")
    unit = row.unit_id
    behind = {m: [i for i, _ in rep.appeals_behind(march, unit, m, MONTH_END)]
              for m in ("supervised", "red_cards")}
    acc = rep.accountability(march, MONTH_END, unit_id=unit)
    return {"D1": (row.counts.supervised, row.counts.red_cards, behind["supervised"],
                   behind["red_cards"], sum(1 for i in acc.items if i.kind == "red_card"))}


def _monthly_figures(runtime: Runtime) -> tuple[object, object]:
    """督办次数 and 红牌督办 of the 通报's 汇总 sheet (the XLSX the page's figures come from)."""
    rep = ReportingService(runtime.db, runtime.rules, runtime.settings)
    book = load_workbook(BytesIO(rep.monthly_workbook(parse_period("2026-03"), MONTH_END)))
    rows = {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True) if r and r[0]}
    return rows["督办次数"], rows["红牌督办"]


def test_a_late_follow_up_is_not_the_units_supervision_but_a_late_reply_is(
        runtime: Runtime, city: City) -> None:
    # red cards, so that a 督办 raised by either clock would be a 红牌 too
    AdminService(runtime.db, runtime.rules).set_rule_settings(
        {"auto_supervision_level": "red"}, T0)
    replied = _handled(runtime, city, reply=True)
    waiting = _handled(runtime, city, reply=False)

    r = sweep_deadlines(runtime, FOLLOWUP_LATE)
    assert (r.red, r.supervised) == (1, 1)  # the 回访 clock of the replied appeal only
    with runtime.db.uow(write=False) as uow:
        row = uow.session.get(AppealRow, replied)
        assert (row.followup_warning, row.supervision_level, row.supervision_count) == (
            "red", "none", 0)
        [sup] = uow.session.scalars(select(EventRow).where(
            EventRow.appeal_id == replied, EventRow.type == "supervise")).all()
        assert (sup.data["clock"], sup.data["level"], sup.data["auto"]) == (
            "follow_up", "red", True)
    assert _supervision(runtime) == {"D1": (0, 0, [], [], 0)}
    assert _monthly_figures(runtime) == (0, 0)

    # the supervisors still see it: on the late follow-ups and on the appeal's timeline
    late = city.client.get("/api/v1/feedback/followups/late",
                           headers=city.headers("supervisor")).json()
    assert [t["appeal_id"] for t in late["items"]] == [replied]
    page_login(city.client, "supervisor")
    page = city.client.get(f"/staff/appeals/{replied}").text
    assert FOLLOWUP_SUPERVISION_NOTE in page

    # the handling clock's red is the unit's: one 督办, one red card, wherever counted
    r = sweep_deadlines(runtime, HANDLE_LATE)
    assert (r.red, r.supervised) == (1, 1)
    with runtime.db.uow(write=False) as uow:
        row = uow.session.get(AppealRow, waiting)
        assert (row.supervision_level, row.supervision_count) == ("red", 1)
    assert _supervision(runtime) == {"D1": (1, 1, [waiting], [waiting], 1)}
    assert _monthly_figures(runtime) == (1, 1)

    # the unit's own 考核 page shows the same 督办 figures (2 each if the 回访's counted)
    page_login(city.client, "handler_d1")
    kpi_page = city.client.get("/staff/unit-kpi?period=2026-03").text
    shown = dict(re.findall(r'data-count="(supervised|red_cards)"><dt>[^<]*</dt><dd>(\d+)<',
                            kpi_page))
    assert shown == {"supervised": "1", "red_cards": "1"}, kpi_page
