"""Which clock restarts and which keeps counting across 退回重新答复, 退单 and a year's calendar
loaded while an appeal is in progress; on SQLite and PostgreSQL.

March 2026 has no holidays: a complaint dispatched on Monday 2 March at 10:00 (Shanghai) is to
be signed by Tuesday 3 March 23:59:59 and answered by Monday 23 March 23:59:59.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.errors import IllegalTransition
from jiesu.domain.kpi import parse_period
from jiesu.jobs.sweeper import run_all, sweep_deadlines
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.appeals import NewAppeal
from jiesu.services.feedback import FeedbackService
from jiesu.services.reporting import ReportingService
from jiesu.store import admin_store, web_queries
from jiesu.store.feedback_tables import RectificationRow
from jiesu.store.tables import AppealRow, CalendarYearRow
from tests.integration.test_import_warnings import HEADER as IMPORT_HEADER
from tests.integration.test_import_warnings import MAPPING as IMPORT_MAPPING
from tests.integration.test_import_warnings import _row as import_row
from tests.support.city import City, page_login
from tests.support.imports import import_rows, imported

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


def _rated_badly_on_21_december(rt: Runtime, city: City) -> int:
    """A 求助 of D1's, signed and replied in mid-December 2026 and rated 1 star on Monday
    21 December: its rectification (整改) round, whose 15 working days run into 2027."""
    h = _handler(rt, city, "D1")
    appeal_id = _new(rt, city, "D1", t(2026, 12, 14), kind="help")
    rt.appeals.act(h, appeal_id, "sign", t(2026, 12, 14, 11), {})
    rt.appeals.act(h, appeal_id, "reply", t(2026, 12, 16), {"text": "已处理", "claim": "solved"})
    requester = Actor(role=Role.REQUESTER, phone="13812345678")
    rated = FeedbackService(rt.db, rt.rules, rt.settings).rate_appeal(
        requester, appeal_id, 1, "处理敷衍", t(2026, 12, 21))
    assert rated.rectification_id is not None
    return rated.rectification_id


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


def test_a_supervision_stays_with_the_unit_it_was_issued_to(runtime: Runtime,
                                                            city: City) -> None:
    """督办 is the unit's record: a red 签收 clock and a supervisor's 红牌 against 西城区, which
    then returns the appeal (退单) to go to 市水务局, stay 西城区's in the KPI figures, their
    drill-down and the accountability report; 市水务局 signed and answered on time."""
    d2, w = _handler(runtime, city, "D2"), _handler(runtime, city, "W")
    appeal_id = _new(runtime, city, "D2", t(2026, 3, 2))
    r = sweep_deadlines(runtime, t(2026, 3, 4, 9))  # sign was due 3 March: red, 自动督办
    assert r.supervised == 1
    runtime.appeals.act(Actor(role=Role.SUPERVISOR), appeal_id, "supervise", t(2026, 3, 4, 9),
                        {"level": "red", "note": "超期未签收"})
    runtime.appeals.act(d2, appeal_id, "request_return", t(2026, 3, 4, 10),
                        {"reason": "油烟直排归市场监管，不属于本单位职责"})
    runtime.appeals.act(DISPATCHER, appeal_id, "approve_return", t(2026, 3, 4, 11), {})
    runtime.appeals.act(DISPATCHER, appeal_id, "dispatch", t(2026, 3, 4, 12),
                        {"unit_id": city.unit_ids["W"]})
    runtime.appeals.act(w, appeal_id, "sign", t(2026, 3, 4, 13), {})
    runtime.appeals.act(w, appeal_id, "contact", t(2026, 3, 4, 14), {})
    runtime.appeals.act(w, appeal_id, "reply", t(2026, 3, 5),
                        {"text": "已联合市场监管部门处理", "claim": "solved"})
    now = t(2026, 4, 1)
    for unit, (supervised, red) in {"D2": (2, 1), "W": (0, 0)}.items():
        c = _counts(runtime, unit, "2026-03", now)
        assert (unit, c.supervised, c.red_cards) == (unit, supervised, red)
    svc = ReportingService(runtime.db, runtime.rules, runtime.settings)
    march = parse_period("2026-03")
    assert [i for i, _ in svc.appeals_behind(march, city.unit_ids["D2"], "red_cards", now)] \
        == [appeal_id]
    assert svc.appeals_behind(march, city.unit_ids["W"], "supervised", now) == []
    [card] = [e for e in svc.accountability(march, now).items if e.kind == "red_card"]
    assert card.unit_id == city.unit_ids["D2"]


def test_a_new_time_limit_leaves_a_running_clock_alone(runtime: Runtime, city: City) -> None:
    """An administrator shortens 投诉 from 15 to 10 working days while an appeal runs: its
    deadline (23 March) was set at dispatch and stays; a 5-day 延期 moves it 5 working days,
    and 退回重新答复 (the clock runs on) does not move it at all."""
    h = _handler(runtime, city, "D1")
    extended = _new(runtime, city, "D1", t(2026, 3, 2))
    sent_back = _new(runtime, city, "D1", t(2026, 3, 2))
    due = datetime(2026, 3, 23, 23, 59, 59, tzinfo=SH)
    for appeal_id in (extended, sent_back):
        runtime.appeals.act(h, appeal_id, "sign", t(2026, 3, 2, 11), {})
        assert _row(runtime, appeal_id).handle_due_at == due
    AdminService(runtime.db, runtime.rules).set_sla_policy(
        clock="handle", amount=10, limit_unit="workday", kind="complaint", urgency="normal",
        category=None, unit_code=None)
    runtime.appeals.act(h, extended, "request_extension", t(2026, 3, 9),
                        {"days": 5, "reason": "需协调产权单位"})
    runtime.appeals.act(DISPATCHER, extended, "approve_extension", t(2026, 3, 9, 11), {})
    assert _row(runtime, extended).handle_due_at == datetime(2026, 3, 30, 23, 59, 59, tzinfo=SH)
    runtime.appeals.act(h, sent_back, "reply", t(2026, 3, 10),
                        {"text": "已告知餐馆整改", "claim": "solved"})
    runtime.appeals.act(DISPATCHER, sent_back, "send_back", t(2026, 3, 11),
                        {"note": "请核实后重新答复"})
    assert _row(runtime, sent_back).handle_due_at == due


def test_loading_next_year_moves_a_rectification_deadline(runtime: Runtime, city: City) -> None:
    """整改 is one of DESIGN §4's deadlines: opened on Monday 21 December its 15 working days
    count into 2027 on Mon–Fri (1 January a working day); loading 2027 with 1 January a holiday
    moves it from Monday 11 to Tuesday 12 January, as it moves an appeal's."""
    rect_id = _rated_badly_on_21_december(runtime, city)
    assert _rect(runtime, rect_id).due_at == datetime(
        2027, 1, 11, 23, 59, 59, tzinfo=SH)
    AdminService(runtime.db, runtime.rules).load_calendar_year(
        2027, {date(2027, 1, 1): False}, source="test", now=t(2026, 12, 28))
    assert _rect(runtime, rect_id).due_at == datetime(
        2027, 1, 12, 23, 59, 59, tzinfo=SH)


def _rect(rt: Runtime, rect_id: int) -> RectificationRow:
    with rt.db.uow(write=False) as uow:
        row = uow.session.get(RectificationRow, rect_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def test_a_reply_withdraws_the_units_pending_extension(runtime: Runtime, city: City) -> None:
    """A unit asks for 延期, then answers before the dispatcher decides: the request no longer
    waits in the dispatcher's 延期申请 (where nothing can be done with a replied appeal), and a
    reply sent back later does not bring it back to be approved against the running clock."""
    h = _handler(runtime, city, "D1")
    appeal_id = _new(runtime, city, "D1", t(2026, 3, 2))
    runtime.appeals.act(h, appeal_id, "sign", t(2026, 3, 2, 11), {})
    runtime.appeals.act(h, appeal_id, "request_extension", t(2026, 3, 9),
                        {"days": 5, "reason": "需协调产权单位"})
    runtime.appeals.act(h, appeal_id, "reply", t(2026, 3, 10),
                        {"text": "已协调处理", "claim": "solved"})
    with runtime.db.uow(write=False) as uow:
        assert web_queries.tab_counts(uow.session, t(2026, 3, 10, 11), ["extensions"]) == {
            "extensions": 0}
    runtime.appeals.act(DISPATCHER, appeal_id, "send_back", t(2026, 3, 11),
                        {"note": "请核实后重新答复"})
    with pytest.raises(IllegalTransition):
        runtime.appeals.act(DISPATCHER, appeal_id, "approve_extension", t(2026, 3, 11, 11), {})
    row = _row(runtime, appeal_id)
    assert row.extension_pending_days is None and row.extension_count == 0
    assert row.handle_due_at == datetime(2026, 3, 23, 23, 59, 59, tzinfo=SH)


def test_the_sweeper_recomputes_a_replied_appeal_once_its_year_is_loaded(
        runtime: Runtime, city: City, tmp_path: Path) -> None:
    """The sweeper's catch-up after a year was stored but its recomputing died (a crash, or
    another process): a replied appeal counts its 回访 clock into 2027, and its handling
    deadline is none (history imported as replied has none), so the latest provisional deadline
    is the 回访 one, not an empty handling one."""
    import_rows(city, tmp_path, IMPORT_MAPPING, IMPORT_HEADER,
                [import_row("R1", "D1", dispatched="2026-12-28 09:00",
                            replied="2026-12-31 10:00", phone="13812345678")],
                t(2026, 12, 31, 12))
    row = imported(city, "old:R1")
    assert row.status == "replied" and row.deadlines_provisional and row.handle_due_at is None
    assert row.followup_due_at == datetime(2027, 1, 1, 23, 59, 59, tzinfo=SH)
    # the first half of load_calendar_year, committed; the recomputing never ran
    with runtime.db.uow() as uow:
        admin_store.replace_calendar_days(uow.session, 2027, {date(2027, 1, 1): False})
        uow.session.add(CalendarYearRow(year=2027, source="test", loaded_at=t(2026, 12, 31, 13)))
        uow.commit()
    runtime.rules.invalidate()
    assert run_all(runtime, t(2026, 12, 31, 14), audit=False).recomputed == 1
    row = imported(city, "old:R1")
    assert row.followup_due_at == datetime(2027, 1, 4, 23, 59, 59, tzinfo=SH)
    assert not row.deadlines_provisional


def _events(rt: Runtime, appeal_id: int, type_: str) -> list[dict[str, Any]]:
    with rt.db.uow(write=False) as uow:
        return [e.data for e in web_queries.events_of_types(
            uow.session, [appeal_id], frozenset({type_})).get(appeal_id, [])]


@pytest.mark.parametrize(("holidays", "level"), [((1,), "yellow"), ((1, 4), "none")])
def test_a_recompute_takes_back_a_warning_its_new_deadline_does_not_give(
        runtime: Runtime, city: City, holidays: tuple[int, ...], level: str) -> None:
    """2027 is loaded late: the help appeal's provisional deadline (Monday 4 January, Mon–Fri)
    had passed, its red warning and automatic 督办 fired. The official calendar moves the
    deadline later (Tuesday 5, or Wednesday 6 January): the appeal is not late, so it leaves
    the red tab and shows the level the new deadline gives, and the warnings fire again when
    that deadline really nears and passes. The 督办 already issued stays on record."""
    h = _handler(runtime, city, "D1")
    appeal_id = _new(runtime, city, "D1", t(2026, 12, 28), kind="help")
    runtime.appeals.act(h, appeal_id, "sign", t(2026, 12, 28, 11), {})
    assert _row(runtime, appeal_id).handle_due_at == datetime(2027, 1, 4, 23, 59, 59, tzinfo=SH)
    assert sweep_deadlines(runtime, t(2027, 1, 5, 9)).supervised == 1
    assert _row(runtime, appeal_id).handle_warning == "red"
    AdminService(runtime.db, runtime.rules).load_calendar_year(
        2027, {date(2027, 1, d): False for d in holidays}, source="test", now=t(2027, 1, 5, 10))
    row = _row(runtime, appeal_id)
    due = datetime(2027, 1, 4 + len(holidays), 23, 59, 59, tzinfo=SH)
    assert row.handle_due_at == due and not row.deadlines_provisional
    assert row.handle_warning == level
    with runtime.db.uow(write=False) as uow:
        assert web_queries.tab_counts(uow.session, t(2027, 1, 5, 11), ["red", "yellow"]) == {
            "red": 0, "yellow": int(level == "yellow")}
    assert sweep_deadlines(runtime, t(2027, 1, 5, 11)).red == 0
    after_due = due.astimezone(UTC) + timedelta(hours=1)
    sweep_deadlines(runtime, due.astimezone(UTC) - timedelta(hours=1))  # yellow, if not yet
    r = sweep_deadlines(runtime, after_due)
    assert (r.red, r.supervised) == (1, 1)
    warnings = _events(runtime, appeal_id, "deadline_warning")
    assert [(w["level"], datetime.fromisoformat(w["due_at"])) for w in warnings] == [
        ("red", datetime(2027, 1, 4, 23, 59, 59, tzinfo=SH)),
        *([("yellow", due)] if level == "none" else []),
        ("red", due)]
    assert len(_events(runtime, appeal_id, "supervise")) == 2
    assert _row(runtime, appeal_id).handle_warning == "red"


def test_a_recount_takes_back_a_rectification_warning_its_new_deadline_does_not_give(
        runtime: Runtime, city: City) -> None:
    """The 整改 opened on Monday 21 December was due Monday 11 January on Mon–Fri and went red
    on the 12th; 2027 loaded then, with 1 January a holiday, makes it due that very day: it is
    yellow again, and red once the 12th has passed."""
    h = _handler(runtime, city, "D1")
    appeal_id = _new(runtime, city, "D1", t(2026, 12, 14), kind="help")
    runtime.appeals.act(h, appeal_id, "sign", t(2026, 12, 14, 11), {})
    runtime.appeals.act(h, appeal_id, "reply", t(2026, 12, 16),
                        {"text": "已处理", "claim": "solved"})
    requester = Actor(role=Role.REQUESTER, phone="13812345678")
    feedback = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    rect_id = feedback.rate_appeal(requester, appeal_id, 1, "处理敷衍", t(2026, 12, 21)
                                   ).rectification_id
    assert rect_id is not None
    assert feedback.watch_rectifications(t(2027, 1, 12, 9)).red == 1
    assert _rect(runtime, rect_id).warning == "red"
    AdminService(runtime.db, runtime.rules).load_calendar_year(
        2027, {date(2027, 1, 1): False}, source="test", now=t(2027, 1, 12, 10))
    rect = _rect(runtime, rect_id)
    assert rect.due_at == datetime(2027, 1, 12, 23, 59, 59, tzinfo=SH)
    assert rect.warning == "yellow"
    assert feedback.watch_rectifications(t(2027, 1, 12, 11)).red == 0
    assert feedback.watch_rectifications(t(2027, 1, 13, 9)).red == 1
    levels = [(e["level"], datetime.fromisoformat(e["due_at"]))
              for e in _events(runtime, appeal_id, "rectification_warning")]
    assert levels == [("red", datetime(2027, 1, 11, 23, 59, 59, tzinfo=SH)),
                      ("red", datetime(2027, 1, 12, 23, 59, 59, tzinfo=SH))]


def test_the_next_unit_does_not_wear_the_supervision_of_the_unit_that_returned_it(
        city: City) -> None:
    """西城区 gets a 红牌 and returns the appeal (退单); dispatched to 东城区, the appeal is
    东城区's from nothing: its queue row, the appeal page and the API show no 督办 level, and a
    supervisor's 催办 to 东城区 is what they show then (under an inherited 红牌 it never showed).
    The timeline keeps 西城区's 红牌."""
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D2"])
    city.act("supervisor", a["id"], "supervise", level="red", note="群众反映强烈，限期办理")
    assert city.act("handler_d2", a["id"], "request_return",
                    reason="油烟直排归东城区管辖")["supervision_level"] == "red"
    city.act("dispatcher", a["id"], "approve_return")
    body = city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D1"])
    assert body["supervision_level"] == "none"
    client = TestClient(city.client.app)
    page_login(client, "handler_d1")
    row = re.search(rf'<li class="work-item[^"]*" data-code="{a["code"]}">.*?</li>',
                    client.get("/staff/inbox").text, re.S)
    assert row is not None and "sup-" not in row.group(0)
    assert "督办级别" not in client.get(f"/staff/appeals/{a['id']}").text
    body = city.act("supervisor", a["id"], "supervise", level="remind", note="请尽快签收")
    assert body["supervision_level"] == "remind"
    supervised = [(e["data"]["level"]) for e in body["events"] if e["type"] == "supervise"]
    assert supervised == ["red", "remind"]


def test_a_reopening_back_to_dispatch_leaves_the_supervision_with_the_unit(city: City) -> None:
    """重办 back to the dispatcher (退回待派单): the next unit does not wear 西城区's 黄牌."""
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D2"])
    city.act("supervisor", a["id"], "supervise", level="yellow", note="请尽快办理")
    city.act("handler_d2", a["id"], "sign")
    city.act("handler_d2", a["id"], "reply", text="已处理", claim="solved")
    city.act("dispatcher", a["id"], "reopen", reason="不属西城区管辖", to="registered")
    body = city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D1"])
    assert body["supervision_level"] == "none"
    assert [e["data"]["level"] for e in body["events"] if e["type"] == "supervise"] == [
        "yellow"]


@pytest.mark.parametrize("recompute", ["load", "sweeper"])
def test_loading_a_year_keeps_the_limit_a_running_handling_clock_started_with(
        runtime: Runtime, city: City, recompute: str) -> None:
    """A help appeal dispatched Monday 28 December got 5 working days, to Monday 4 January
    (2027 on Mon–Fri, provisional); a second one also 2 days of 延期, to Wednesday 6 January.
    The administrator then shortens 求助 to 2 working days. Loading 2027 (1 January a holiday)
    counts the clocks' own 5 days again on the official calendar — Tuesday 5 and Thursday 7
    January — not today's 2, which would have put them in December, late before they began.
    The same when the sweeper does the recompute after a load whose recompute never ran."""
    h = _handler(runtime, city, "D1")
    plain = _new(runtime, city, "D1", t(2026, 12, 28), kind="help")
    extended = _new(runtime, city, "D1", t(2026, 12, 28), kind="help")
    for appeal_id in (plain, extended):
        runtime.appeals.act(h, appeal_id, "sign", t(2026, 12, 28, 11), {})
    runtime.appeals.act(h, extended, "request_extension", t(2026, 12, 29),
                        {"days": 2, "reason": "需协调产权单位"})
    runtime.appeals.act(DISPATCHER, extended, "approve_extension", t(2026, 12, 29, 11), {})
    assert _row(runtime, plain).handle_due_at == datetime(2027, 1, 4, 23, 59, 59, tzinfo=SH)
    assert _row(runtime, extended).handle_due_at == datetime(2027, 1, 6, 23, 59, 59, tzinfo=SH)
    admin = AdminService(runtime.db, runtime.rules)
    admin.set_sla_policy(clock="handle", amount=2, limit_unit="workday", kind="help",
                         urgency="normal", category=None, unit_code=None)
    if recompute == "load":
        admin.load_calendar_year(2027, {date(2027, 1, 1): False}, source="test",
                                 now=t(2026, 12, 30))
    else:  # the first half of load_calendar_year, committed; its recompute never ran
        with runtime.db.uow() as uow:
            admin_store.replace_calendar_days(uow.session, 2027, {date(2027, 1, 1): False})
            uow.session.add(CalendarYearRow(year=2027, source="test", loaded_at=t(2026, 12, 30)))
            uow.commit()
        runtime.rules.invalidate()
        assert run_all(runtime, t(2026, 12, 30, 1), audit=False).recomputed == 2
    for appeal_id, day in ((plain, 5), (extended, 7)):
        row = _row(runtime, appeal_id)
        assert row.handle_due_at == datetime(2027, 1, day, 23, 59, 59, tzinfo=SH)
        assert not row.deadlines_provisional and row.handle_warning == "none"


def test_loading_a_year_keeps_the_limit_a_running_rectification_started_with(
        runtime: Runtime, city: City) -> None:
    """整改 opened Monday 21 December with 15 working days, due Monday 11 January on Mon–Fri;
    the administrator then sets 整改 to 5 working days. Loading 2027 (1 January a holiday)
    counts the round's own 15 days again — Tuesday 12 January — not today's 5 (28 December)."""
    rect_id = _rated_badly_on_21_december(runtime, city)
    admin = AdminService(runtime.db, runtime.rules)
    admin.set_sla_policy(clock="rectification", amount=5, limit_unit="workday", kind=None,
                         urgency=None, category=None, unit_code=None)
    admin.load_calendar_year(2027, {date(2027, 1, 1): False}, source="test",
                             now=t(2026, 12, 22))
    row = _rect(runtime, rect_id)
    assert row.due_at == datetime(2027, 1, 12, 23, 59, 59, tzinfo=SH)
    assert row.warning == "none"
