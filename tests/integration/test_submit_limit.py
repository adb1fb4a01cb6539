"""The public form (/submit) against flooding, SQLite and PostgreSQL: so many appeals per phone
number and per client address in 15 minutes (JIESU_SUBMIT_PER_PHONE 3, _PER_ADDRESS 10), then
a 429 that keeps what was typed and points to the hotline; refused or invalid tries do not
count; the count lives in the database (a phone only as a hash) and leaves with the window."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from jiesu.runtime import Runtime
from jiesu.services.clock import utcnow
from jiesu.store.tables import AppealRow
from jiesu.store.throttle_tables import LookupFailureRow
from tests.integration.test_web_pages import _token
from tests.support.city import City


def _submit(c: TestClient, token: str, phone: str, content: str = "多福巷路灯不亮三天了"):
    return c.post("/submit", data={"kind": "complaint", "content": content,
                                   "requester_phone": phone, "csrf_token": token},
                  follow_redirects=False)


def test_a_phone_sends_three_in_a_window_then_is_asked_to_wait(city: City,
                                                               runtime: Runtime) -> None:
    c = city.client
    token = _token(c, "/submit")
    for i in range(2):
        assert _submit(c, token, "13912345678", f"第{i}件：多福巷路灯不亮").status_code == 303
    assert _submit(c, token, "139 1234 5678", "").status_code == 422  # refused: not counted
    assert _submit(c, token, "13912345678", "第三件：井盖松动").status_code == 303
    r = _submit(c, token, "139-1234-5678", "第四件：楼下餐馆油烟扰民")
    assert r.status_code == 429
    assert "提交过于频繁，请 15 分钟后再试" in r.text and "12345" in r.text
    assert "第四件：楼下餐馆油烟扰民" in r.text  # what was typed is kept
    assert _submit(c, token, "13700001111").status_code == 303  # another phone may
    with runtime.db.uow(write=False) as uow:
        keys = list(uow.session.scalars(select(LookupFailureRow.key)))
    assert keys and not any("13912345678" in k for k in keys)  # only an HMAC of the phone
    # the window passes (the jobs purge it): the phone may send again
    runtime.lookup_limiter.purge(utcnow() + timedelta(minutes=16))
    assert _submit(c, token, "13912345678").status_code == 303


def test_an_address_sends_ten_in_a_window(city: City) -> None:
    c = city.client
    token = _token(c, "/submit")
    for i in range(10):
        assert _submit(c, token, f"1370000{i:04d}").status_code == 303
    r = _submit(c, token, "13700009999")
    assert r.status_code == 429 and "提交过于频繁" in r.text
    c.get("/submit?lang=en")
    r = _submit(c, token, "13700009999")
    assert "Too many appeals sent in a short time: please try again in 15 minutes" in r.text


def test_zero_turns_a_limit_off(city: City, runtime: Runtime) -> None:
    from jiesu.services.throttle import SubmissionLimit

    runtime.extras["submission_limit"] = SubmissionLimit(runtime.db, per_phone=0,
                                                         per_address=0, secret="s")
    c = city.client
    token = _token(c, "/submit")
    for _ in range(5):
        assert _submit(c, token, "13912345678").status_code == 303


def _submit_form(c: TestClient) -> dict[str, str]:
    """The hidden fields of a fresh /submit page, as a browser without JavaScript sends them."""
    html = c.get("/submit").text
    return dict(re.findall(r'<input type="hidden" name="(csrf_token|idempotency_key)" '
                           r'value="([^"]*)"', html))


def _appeals_of(runtime: Runtime, phone: str) -> list[str]:
    with runtime.db.uow(write=False) as uow:
        return list(uow.session.scalars(select(AppealRow.code).where(
            AppealRow.requester_phone == phone)))


def test_the_same_form_sent_twice_registers_one_appeal(city: City, runtime: Runtime) -> None:
    """A resident's retry after a timeout (or a double tap) sends the same form again: the key
    the server wrote into the form answers with the appeal the first one registered, and does
    not count against the phone's limit again."""
    c = city.client
    form = _submit_form(c)
    assert form.get("idempotency_key"), "the form carries a key without JavaScript"
    sent = {**form, "kind": "complaint", "content": "多福巷路灯不亮三天了",
            "requester_phone": "13912345678"}
    first = c.post("/submit", data=sent, follow_redirects=False)
    again = c.post("/submit", data=sent, follow_redirects=False)
    assert first.status_code == again.status_code == 303, again.text
    assert first.headers["location"] == again.headers["location"]
    codes = _appeals_of(runtime, "13912345678")
    assert len(codes) == 1 and first.headers["location"] == f"/track/{codes[0]}?new=1"
    # a new page is a new key: another appeal (two more fit the phone's limit of three)
    for content in ("井盖松动", "楼下餐馆油烟扰民"):
        last = {**sent, **_submit_form(c), "content": content}
        r = c.post("/submit", data=last, follow_redirects=False)
        assert r.status_code == 303, r.text
    assert len(_appeals_of(runtime, "13912345678")) == 3
    # the phone is at its limit: the last form sent again still answers with its appeal
    retry = c.post("/submit", data=last, follow_redirects=False)
    assert retry.status_code == 303 and retry.headers["location"] == r.headers["location"]
    fourth = c.post("/submit", data={**sent, **_submit_form(c), "content": "第四件：路面塌陷"},
                    follow_redirects=False)
    assert fourth.status_code == 429 and "提交过于频繁" in fourth.text
    assert len(_appeals_of(runtime, "13912345678")) == 3
