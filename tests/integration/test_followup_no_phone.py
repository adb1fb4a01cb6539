"""An appeal nobody can be called back about (anonymous, a leader's governance task) reaches the
follow-up queue too (100 % 回访): the task says 无联系电话 and records 无法回访 in one step,
which closes the appeal as unreachable; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from jiesu.domain.kpi import month
from jiesu.services.clock import utcnow
from jiesu.services.reporting import ReportingService
from jiesu.store.tables import AppealRow, EventRow
from tests.support.city import City, page_login


def _replied(city: City, **body: Any) -> dict[str, Any]:
    a = city.register(kind="help", content="楼道灯坏了一周，晚上上下楼看不见", **body)
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "reply", text="已更换灯泡", claim="solved")
    return a


def _row(city: City, code: str, html: str) -> str:
    found = re.search(rf'data-code="{code}".*?</li>', html, re.S)
    assert found, html
    return found.group(0)


def test_a_task_without_a_phone_says_so_and_records_no_follow_up_in_one_step(
        city: City) -> None:
    anonymous = _replied(city, channel="web", requester_phone=None, requester_name=None)
    callable_ = _replied(city)

    tasks = city.client.get("/api/v1/feedback/followups",
                            headers=city.headers("followup")).json()["items"]
    assert {t["appeal_id"]: t["has_phone"] for t in tasks} == {
        anonymous["id"]: False, callable_["id"]: True}

    token = page_login(city.client, "followup")
    html = city.client.get("/staff/followup").text
    row = _row(city, anonymous["code"], html)
    assert "data-no-phone" in row and "无联系电话" in row and "data-no-followup" in row
    assert "data-send-survey" not in row
    other = _row(city, callable_["code"], html)
    assert "data-no-followup" not in other and "data-send-survey" in other
    assert "无联系电话" not in other
    en = _row(city, anonymous["code"], city.client.get("/staff/followup?lang=en").text)
    assert "No phone" in en and "Record: no follow-up possible" in en
    city.client.get("/staff/followup?lang=zh")  # the language sticks to the session

    # the row's button: one post, the appeal closes as unreachable and says why
    r = city.client.post(f"/staff/appeals/{anonymous['id']}/follow_up", data={
        "csrf_token": token, "reached": "no", "back": "/staff/followup"})
    assert r.status_code == 200, r.text
    assert f"无联系电话，已按无法回访办结：{anonymous['code']}" in r.text
    with city.runtime.db.uow(write=False) as uow:
        row_db = uow.session.get(AppealRow, anonymous["id"])
        assert (row_db.status, row_db.followup_reached, row_db.followup_attempts) == (
            "closed", False, 1)
        data = uow.session.scalars(select(EventRow.data).where(
            EventRow.appeal_id == anonymous["id"], EventRow.type == "follow_up")).one()
        assert data["no_phone"] is True
    page = city.client.get(f"/staff/appeals/{anonymous['id']}").text
    assert re.search(r"未联系上 · 无联系电话", page), page

    # a requester with a phone still gets three tries at different times
    r = city.client.post(f"/staff/appeals/{callable_['id']}/follow_up", data={
        "csrf_token": token, "reached": "no", "back": "/staff/followup"})
    assert "未联系上（第 1 次，满 3 次按未联系上办结）" in r.text
    with city.runtime.db.uow(write=False) as uow:
        assert uow.session.get(AppealRow, callable_["id"]).status == "replied"

    # 100 % 回访 stays honest: it is a follow-up, unreached, in no resolution or satisfaction
    # denominator
    now = utcnow()
    report = ReportingService(city.runtime.db, city.runtime.rules, city.runtime.settings)
    d1 = next(r for r in report.kpi(month(now.year, now.month), now).rows if r.code == "D1")
    c = d1.counts
    assert (c.closed, c.followed_up, c.unreachable, c.reached) == (1, 1, 1, 0)
    assert d1.rates.resolution_rate is None and d1.rates.satisfaction_rate is None


def test_the_appeal_page_says_there_is_no_one_to_call(city: City) -> None:
    anonymous = _replied(city, channel="web", requester_phone=None, requester_name=None)
    callable_ = _replied(city)
    page_login(city.client, "followup")
    page = city.client.get(f"/staff/appeals/{anonymous['id']}").text
    form = re.search(r'id="act-follow_up".*?</form>', page, re.S)
    assert form and "data-no-phone" in form.group(0), page
    page = city.client.get(f"/staff/appeals/{callable_['id']}").text
    form = re.search(r'id="act-follow_up".*?</form>', page, re.S)
    assert form and "data-no-phone" not in form.group(0), page


def test_the_queue_calls_the_requester_with_one_tap(city: City) -> None:
    """On a phone the 回访员 works from the queue: its number was plain text, to be copied into
    the dialler, while the appeal page's was a tel: link. Now the queue's is one too."""
    a = _replied(city, requester_phone="13800001234")
    page_login(city.client, "followup")
    row = _row(city, a["code"], city.client.get("/staff/followup").text)
    assert re.search(r'<a href="tel:13800001234"[^>]*>13800001234</a>', row), row
