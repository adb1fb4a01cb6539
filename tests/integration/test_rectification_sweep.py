"""Rectification (整改) deadlines are watched like appeal deadlines (DESIGN §4), on SQLite and
PostgreSQL: yellow then red once each per open rectification, an event on the rated appeal's
timeline and an SMS to the rated unit's duty phone; several sweepers never warn twice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.calendar import Deadline
from jiesu.domain.deadlines import yellow_at
from jiesu.domain.rating import rectification_limit
from jiesu.jobs.sweeper import run_all
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.audit import verify
from jiesu.services.clock import utcnow
from jiesu.services.feedback import FeedbackService
from jiesu.store import notify_store
from jiesu.store.feedback_tables import RectificationRow
from jiesu.store.tables import EventRow
from tests.integration.test_feedback import PHONE, closed
from tests.support.city import PASSWORD, City
from tests.support.concurrency import side_by_side

DUTY = "01065123456"  # 东城区 (D1); its street D1S1, the rated unit, has no duty phone


def _rate_badly(city: City) -> tuple[dict[str, str], int]:
    a = closed(city)  # handled by D1S1
    r = city.client.post("/api/v1/feedback/ratings",
                         json={"appeal_code": a["code"], "phone": PHONE, "stars": 1})
    assert r.status_code == 201, r.text
    return a, int(r.json()["rectification_id"])


def _row(runtime: Runtime, rect_id: int) -> RectificationRow:
    with runtime.db.uow(write=False) as uow:
        row = uow.session.get(RectificationRow, rect_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def _messages(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.db.uow(write=False) as uow:
        return [(n.recipient, n.body, n.ref) for n in notify_store.notifications(
            uow.session, kind="rectification_warning")]


def _warning_events(runtime: Runtime, appeal_id: int) -> list[dict[str, object]]:
    with runtime.db.uow(write=False) as uow:
        return [dict(d) for d in uow.session.scalars(
            select(EventRow.data).where(EventRow.appeal_id == appeal_id,
                                        EventRow.type == "rectification_warning")
            .order_by(EventRow.seq))]


def test_an_open_rectification_turns_yellow_then_red_once_each(city: City) -> None:
    rt = city.runtime
    admin = city.headers("admin")
    assert city.client.put("/api/v1/admin/units/D1/contact", headers=admin,
                           json={"contact_phone": DUTY}).status_code == 200
    a, rect_id = _rate_badly(city)
    b, reported_id = _rate_badly(city)
    rep = city.client.post(f"/api/v1/feedback/rectifications/{reported_id}/report",
                           json={"report": "已上门致歉并更换路灯"},
                           headers=city.headers("handler_s1"))
    assert rep.status_code == 200, rep.text
    row = _row(rt, rect_id)
    assert row.warning == "none"
    rules = rt.rules.get()
    yellow = yellow_at(rules.calendar, row.created_at, Deadline(row.due_at, False),
                       rectification_limit(rules.sla))
    assert row.created_at < yellow < row.due_at

    before = run_all(rt, yellow - timedelta(seconds=1)).rectifications
    assert (before.yellow, before.red, before.units_texted) == (0, 0, 0)
    assert _messages(rt) == [] and _warning_events(rt, a["id"]) == []

    at_yellow = run_all(rt, yellow).rectifications
    assert (at_yellow.yellow, at_yellow.red, at_yellow.units_texted) == (1, 0, 1)
    assert _row(rt, rect_id).warning == "yellow"
    [event] = _warning_events(rt, a["id"])
    assert event["level"] == "yellow" and event["rectification_id"] == rect_id
    [(phone, text, ref)] = _messages(rt)
    assert phone == DUTY and ref == f"rectification:{rect_id}:1:yellow"
    assert f"诉求 {a['code']}" in text and "差评整改时限将于" in text
    assert "请尽快提交整改报告" in text

    again = run_all(rt, yellow + timedelta(hours=1)).rectifications
    assert (again.yellow, again.red, again.units_texted) == (0, 0, 0)
    assert len(_messages(rt)) == 1 and len(_warning_events(rt, a["id"])) == 1

    late = run_all(rt, row.due_at + timedelta(seconds=1)).rectifications
    assert (late.yellow, late.red, late.units_texted) == (0, 1, 1)
    assert _row(rt, rect_id).warning == "red"
    assert [e["level"] for e in _warning_events(rt, a["id"])] == ["yellow", "red"]
    texts = _messages(rt)
    assert [p for p, _, _ in texts] == [DUTY, DUTY] and "差评整改已超期" in texts[1][1]

    later = run_all(rt, row.due_at + timedelta(days=20)).rectifications
    assert (later.yellow, later.red, later.units_texted) == (0, 0, 0)
    # the reported one is done: never warned
    assert _row(rt, reported_id).warning == "none" and _warning_events(rt, b["id"]) == []
    assert len(_messages(rt)) == 2
    assert verify(rt.db).ok  # the warnings extend the appeal's hash chain properly


def test_two_sweepers_at_once_warn_each_service_item_rectification_once(
        runtime: Runtime, city: City) -> None:
    """Service-item ratings have no appeal: only the SMS, naming the item; no duty phone on the
    unit or above it: the warning is still recorded, nothing is texted."""
    t0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    svc = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    admin = Actor(role=Role.ADMIN, user_id=None)
    AdminService(runtime.db, runtime.rules).set_unit_contact("D1", DUTY)
    item = svc.add_service_item(admin, "D1S1", "BDC-01", "不动产登记", t0)
    w_item = svc.add_service_item(admin, "W", "W-01", "供水报装", t0)
    ids = [svc.rate_service_item(item, f"1390000{i:04d}", 2, t0).rectification_id
           for i in range(20)]
    w_id = svc.rate_service_item(w_item, "13900009999", 1, t0).rectification_id
    late = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)
    results = side_by_side(runtime, lambda rt: FeedbackService(
        rt.db, rt.rules, rt.settings).watch_rectifications(late, batch=3))
    assert sum(r.red for r in results) == 21 and sum(r.yellow for r in results) == 0
    assert all(_row(runtime, i).warning == "red" for i in [*ids, w_id])
    texts = _messages(runtime)
    assert len(texts) == 20  # 市水务局 and the city above it have no duty phone
    assert all(p == DUTY and "服务事项「不动产登记」的差评整改已超期" in body
               for p, body, _ in texts)
    assert sum(r.units_texted for r in results) == 20


def test_the_supervision_board_counts_overdue_rectifications(city: City) -> None:
    _, rect_id = _rate_badly(city)
    c = city.client
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    c.post("/login", data={"username": "supervisor", "password": PASSWORD,
                           "csrf_token": token.group(1)})
    page = c.get("/staff/supervision?lang=zh")
    assert page.status_code == 200 and "data-rect-overdue" not in page.text  # due in 15 days
    with city.runtime.db.uow() as uow:
        row = uow.session.get(RectificationRow, rect_id)
        assert row is not None
        row.due_at = utcnow() - timedelta(days=1)
        uow.commit()
    zh = c.get("/staff/supervision?lang=zh").text
    assert 'href="/staff/rectifications?tab=open">差评整改超期 1 件</a>' in zh
    assert "Rectifications overdue: 1" in c.get("/staff/supervision?lang=en").text
