"""The deadline sweeper: warnings and automatic 督办 exactly once, even with several processes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from jiesu.domain.appeal import Actor, Role
from jiesu.jobs.sweeper import run_all, sweep_deadlines
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.appeals import NewAppeal
from jiesu.store.tables import AppealRow, EventRow
from tests.support.city import PASSWORD, City
from tests.support.concurrency import side_by_side

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Asia/Shanghai


def _dispatched(runtime: Runtime, city: City, n: int, at: datetime,
                kind: str = "help") -> list[int]:
    op = Actor(role=Role.OPERATOR, user_id=None)
    disp = Actor(role=Role.DISPATCHER, user_id=None)
    ids = []
    for i in range(n):
        reg = runtime.appeals.register(
            op, NewAppeal(kind=kind, content=f"第{i}户家中停水，请尽快处理"), at)
        runtime.appeals.act(disp, reg.appeal_id, "dispatch", at,
                            {"unit_id": city.unit_ids["D1"]})
        ids.append(reg.appeal_id)
    return ids


def _events(runtime: Runtime, type_: str) -> int:
    with runtime.db.uow(write=False) as uow:
        return uow.session.scalar(
            select(func.count()).select_from(EventRow).where(EventRow.type == type_)) or 0


def test_yellow_then_red_once_per_clock(runtime: Runtime, city: City) -> None:
    [appeal_id] = _dispatched(runtime, city, 1, T0)
    # help: 5 working days → due Mon 2026-03-09 23:59:59 local; sign: 1 working day → Tue 03-03
    r = sweep_deadlines(runtime, T0 + timedelta(hours=1))
    assert (r.yellow, r.red) == (0, 0)
    r = sweep_deadlines(runtime, datetime(2026, 3, 3, 1, 0, tzinfo=UTC))  # Tue 09:00 local
    assert (r.yellow, r.red) == (1, 0)  # sign clock turns yellow on its due day
    r = sweep_deadlines(runtime, datetime(2026, 3, 4, 1, 0, tzinfo=UTC))
    assert (r.yellow, r.red, r.supervised) == (0, 1, 1)  # sign overdue → red + 自动督办
    for _ in range(3):  # nothing is raised twice
        r = sweep_deadlines(runtime, datetime(2026, 3, 4, 2, 0, tzinfo=UTC))
        assert (r.yellow, r.red, r.supervised) == (0, 0, 0)
    r = sweep_deadlines(runtime, datetime(2026, 3, 11, 1, 0, tzinfo=UTC))
    assert (r.yellow, r.red) == (0, 1)  # a pass after the due time goes straight to red
    with runtime.db.uow(write=False) as uow:
        row = uow.session.get(AppealRow, appeal_id)
        assert (row.sign_warning, row.handle_warning) == ("red", "red")
        assert row.supervision_level == "yellow" and row.supervision_count == 2
        assert row.next_check_at is None


def test_two_sweepers_at_once_raise_each_warning_once(runtime: Runtime, city: City) -> None:
    _dispatched(runtime, city, 40, T0)
    late = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    side_by_side(runtime, lambda rt: sweep_deadlines(rt, late, batch=7))
    # each appeal: sign red + handle red, each with one automatic 督办
    assert _events(runtime, "supervise") == 80
    with runtime.db.uow(write=False) as uow:
        warned = uow.session.scalar(select(func.count()).select_from(AppealRow).where(
            AppealRow.handle_warning == "red", AppealRow.sign_warning == "red"))
    assert warned == 40


def test_loading_a_year_recomputes_provisional_deadlines(runtime: Runtime, city: City) -> None:
    start = datetime(2026, 12, 21, 2, 0, tzinfo=UTC)
    # complaint: 15 working days → the count runs into 2027, which is not loaded
    [appeal_id] = _dispatched(runtime, city, 1, start, kind="complaint")
    with runtime.db.uow(write=False) as uow:
        before = uow.session.get(AppealRow, appeal_id)
        assert before.deadlines_provisional
        due_before = before.handle_due_at
    # 2027-01-01 (Friday) is a holiday in this file → the 15th working day moves by one day
    AdminService(runtime.db, runtime.rules).load_calendar_year(
        2027, {date(2027, 1, 1): False}, source="test", now=start)
    with runtime.db.uow(write=False) as uow:
        after = uow.session.get(AppealRow, appeal_id)
        assert not after.deadlines_provisional
        assert after.handle_due_at - due_before == timedelta(days=1)  # Mon 01-11 → Tue 01-12
    assert run_all(runtime, start).recomputed == 0


def test_the_automatic_supervision_note_reads_in_english(runtime: Runtime, city: City) -> None:
    [appeal_id] = _dispatched(runtime, city, 1, T0)
    r = sweep_deadlines(runtime, datetime(2026, 3, 4, 1, 0, tzinfo=UTC))
    assert r.supervised == 1
    typed = {"level": "remind", "note": "签收已超期，系统自动督办"}
    runtime.appeals.act(Actor(role=Role.SUPERVISOR, user_id=None), appeal_id, "supervise",
                        T0 + timedelta(days=2), typed)
    c = city.client
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    c.post("/login", data={"username": "supervisor", "password": PASSWORD,
                           "csrf_token": token.group(1)})
    page = f"/staff/appeals/{appeal_id}"
    zh = c.get(page + "?lang=zh")
    assert zh.status_code == 200, zh.text
    # twice on the timeline, and once more in the note to the unit of the last 督办 (收到督办,
    # the one a person typed) above the details
    assert zh.text.count("签收已超期，系统自动督办") == 3
    en = c.get(page + "?lang=en").text
    # the system's note is translated; the same words typed by a person stay as written
    assert en.count("Signing overdue: supervised automatically") == 1
    assert en.count("签收已超期，系统自动督办") == 2


def test_the_calendar_reminder_says_how_to_load_the_missing_year(runtime: Runtime,
                                                                  city: City) -> None:
    """The reminder for next year said `jiesu calendar load --year 2027`, which fails while the
    installed chinesecalendar does not hold 2027: it names the CSV import then."""
    admin = AdminService(runtime.db, runtime.rules)
    # years no chinesecalendar holds yet (2027 was one when this was written)
    this_year, next_year = admin.calendar_notices(datetime(2098, 12, 1, tzinfo=UTC))
    assert next_year.startswith("2099 年的法定节假日安排尚未导入")
    assert "jiesu calendar import FILE" in next_year and "date,is_workday" in next_year
    assert "尚未收录该年" in next_year
    [past] = admin.calendar_notices(datetime(2024, 6, 1, tzinfo=UTC))  # the package has 2024
    assert "请执行 jiesu calendar load --year 2024" in past and "import" not in past


def test_a_late_sign_and_reply_say_so_on_the_timeline_whatever_the_sweeper_did(
        runtime: Runtime, city: City) -> None:
    """The sweeper was down: no red warning or 督办 was raised before the unit signed and
    replied late (the figures count the lateness from the times). The timeline says so on the
    steps themselves — 逾期签收, 逾期答复 — not only through warnings that may never have
    fired; steps in time say nothing."""
    late, in_time = _dispatched(runtime, city, 2, T0)
    unit_id = city.unit_ids["D1"]
    with runtime.db.uow(write=False) as uow:
        scope = uow.units.subtree_ids(unit_id)
    handler = Actor(role=Role.HANDLER, unit_id=unit_id, unit_scope=scope)
    reply = {"text": "已恢复供水", "claim": "solved"}
    # signing due Tuesday 3 March, handling (求助, 5 working days) Monday 9 March
    runtime.appeals.act(handler, late, "sign", T0 + timedelta(days=2), {})
    runtime.appeals.act(handler, late, "reply", T0 + timedelta(days=8), reply)
    runtime.appeals.act(handler, in_time, "sign", T0 + timedelta(hours=1), {})
    runtime.appeals.act(handler, in_time, "reply", T0 + timedelta(days=1), reply)
    assert _events(runtime, "deadline_warning") == _events(runtime, "supervise") == 0
    c = city.client
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    c.post("/login", data={"username": "supervisor", "password": PASSWORD,
                           "csrf_token": token.group(1)})
    zh = c.get(f"/staff/appeals/{late}?lang=zh").text
    assert re.findall(r"data-late>([^<]+)<", zh) == ["逾期签收", "逾期答复"]
    assert "data-late" not in c.get(f"/staff/appeals/{in_time}").text
    en = c.get(f"/staff/appeals/{late}?lang=en").text
    assert re.findall(r"data-late>([^<]+)<", en) == ["Signed late", "Replied late"]
    c.get("/staff/appeals?lang=zh")
