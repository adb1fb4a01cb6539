"""The public form (/submit) against flooding, SQLite and PostgreSQL: so many appeals per phone
number and per client address in 15 minutes (JIESU_SUBMIT_PER_PHONE 3, _PER_ADDRESS 10), then
a 429 that keeps what was typed and points to the hotline; refused or invalid tries do not
count; the count lives in the database (a phone only as a hash) and leaves with the window."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from jiesu.runtime import Runtime
from jiesu.services.clock import utcnow
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
