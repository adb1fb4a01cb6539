"""The appeal lifecycle through the REST API, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from jiesu.domain.appeal import Actor, Role
from jiesu.services.appeals import NewAppeal
from jiesu.services.clock import utcnow
from jiesu.store.tables import UserRow
from tests.support.city import City


def test_full_lifecycle_through_the_api(city: City) -> None:
    a = city.register()
    assert a["status"] == "registered" and a["code"]
    d = city.act("dispatcher", a["id"], "dispatch", unit_code="D1", co_unit_codes=["W"])
    assert d["status"] == "dispatched"
    assert d["deadlines"]["handle"] and d["deadlines"]["sign"]
    assert [u["name"] for u in d["co_units"]] == ["市水务局"]
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "contact", note="已电话联系")
    r = city.act("handler_d1", a["id"], "reply", text="已更换路灯", claim="solved")
    assert r["status"] == "replied" and r["deadlines"]["follow_up"]
    c = city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
                 satisfaction="satisfied")
    assert c["status"] == "closed"
    detail = city.client.get(f"/api/v1/appeals/{a['id']}", headers=city.headers("analyst")).json()
    assert [e["type"] for e in detail["events"]] == [
        "register", "dispatch", "sign", "contact", "reply", "follow_up"]


def test_handler_sees_only_its_subtree(city: City) -> None:
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1S1")
    b = city.register(content="西城区某路段井盖缺失")
    city.act("dispatcher", b["id"], "dispatch", unit_code="D2")
    ids_d1 = {x["id"] for x in city.client.get(
        "/api/v1/appeals", headers=city.headers("handler_d1")).json()["items"]}
    assert a["id"] in ids_d1 and b["id"] not in ids_d1
    r = city.client.get(f"/api/v1/appeals/{b['id']}", headers=city.headers("handler_d1"))
    assert r.status_code == 404
    # the street handler may sign; the other district's handler may not
    city.act("handler_d2", a["id"], "sign", expect=404)
    city.act("handler_s1", a["id"], "sign")


def test_errors_are_json_with_a_message(city: City) -> None:
    h = city.headers("operator")
    r = city.client.post("/api/v1/appeals", json={"kind": "complaint"}, headers=h)
    assert r.status_code == 422
    assert "诉求内容" in r.json()["error"]["message"]
    # a number the follow-up cannot call was taken from every channel but the two forms
    for phone in ("123", "abc", "1" * 21):
        r = city.client.post("/api/v1/appeals", headers=h, json={
            "kind": "complaint", "content": "路灯不亮", "requester_phone": phone})
        assert r.status_code == 422, (phone, r.text)
        assert r.json()["error"]["message"] == "联系电话应为 7–20 位数字（手机或座机），用于回访"
    assert city.client.get("/api/v1/appeals", headers=h).json()["total"] == 0
    r = city.client.get("/api/v1/appeals")
    assert r.status_code == 401 and r.json()["error"]["message"]
    a = city.register()
    r = city.client.post(f"/api/v1/appeals/{a['id']}/sign", json={}, headers=h)
    assert r.status_code == 409 or r.status_code == 403
    body = city.act("operator", a["id"], "dispatch", expect=403)
    assert "无权" in body["error"]["message"]
    body = city.act("dispatcher", a["id"], "sign", expect=409)
    assert body["error"]["code"] == "illegal_transition"
    body = city.act("dispatcher", a["id"], "reject", expect=422)
    assert "理由" in body["error"]["message"]
    body = city.act("dispatcher", a["id"], "dispatch", unit_code="NOPE", expect=422)
    assert "不存在" in body["error"]["message"]
    r = city.client.get("/api/v1/appeals/999999", headers=h)
    assert r.status_code == 404
    # nothing above changed the appeal
    again = city.client.get(f"/api/v1/appeals/{a['id']}", headers=h).json()
    assert again["status"] == "registered" and again["version"] == 0
    assert len(again["events"]) == 1


def test_idempotency_key_returns_the_first_appeal(city: City) -> None:
    h = {**city.headers("operator"), "Idempotency-Key": "call-42"}
    body = {"kind": "help", "content": "家里停水了"}
    first = city.client.post("/api/v1/appeals", json=body, headers=h)
    second = city.client.post("/api/v1/appeals", json=body, headers=h)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    listed = city.client.get("/api/v1/appeals", headers=h).json()
    assert listed["total"] == 1


def test_an_idempotency_key_sent_again_with_another_appeal_is_refused_not_answered_with_the_first(
        city: City) -> None:
    """A key reused for a different appeal (a form restored from the browser's cache and
    filled in for the next call, a client counting keys from 1 again): answering with the
    first appeal would acknowledge the second one and lose it. It is refused (422) and nothing
    is registered, so the caller knows to send it again under a new key; the same appeal sent
    again is still the first one."""
    h = {**city.headers("operator"), "Idempotency-Key": "call-7"}
    first = city.client.post("/api/v1/appeals", json={"kind": "help", "content": "家里停水了"},
                             headers=h)
    assert first.status_code == 201
    other = city.client.post("/api/v1/appeals", headers=h,
                             json={"kind": "complaint", "content": "楼下餐馆油烟很大"})
    assert other.status_code == 422, other.text
    error = other.json()["error"]
    assert error["code"] == "invalid_arguments" and error["field"] == "idempotency_key"
    assert "幂等键" in error["message"] and first.json()["code"] in error["message"]
    again = city.client.post("/api/v1/appeals", json={"kind": "help", "content": "家里停水了"},
                             headers=h)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert city.client.get("/api/v1/appeals", headers=h).json()["total"] == 1


def test_simultaneous_retries_with_one_key_make_one_appeal(city: City) -> None:
    """Eight threads register with the same key at once: one appeal, every caller gets its id
    (the insert's ON CONFLICT waits for the first writer and then inserts nothing)."""
    with city.runtime.db.uow(write=False) as uow:
        user_id = uow.session.scalar(select(UserRow.id).where(UserRow.username == "operator"))
    actor = Actor(user_id=user_id, role=Role.OPERATOR)
    barrier = threading.Barrier(8)
    results: list[Any] = [None] * 8

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        results[i] = city.runtime.appeals.register(
            actor, NewAppeal(kind="help", content="楼道灯坏了"), utcnow(),
            idempotency_key="retry-storm")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len({r.appeal_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    listed = city.client.get("/api/v1/appeals", headers=city.headers("operator")).json()
    assert listed["total"] == 1


def test_stale_version_gets_409(city: City) -> None:
    a = city.register()
    body = city.act("dispatcher", a["id"], "dispatch", expect=409, unit_code="D1", version=7)
    assert body["error"]["code"] == "conflict"


def test_list_filters_and_pagination(city: City) -> None:
    for i in range(5):
        city.register(kind="consult" if i % 2 else "complaint", content=f"第{i}件 路灯问题")
    h = city.headers("dispatcher")
    page = city.client.get("/api/v1/appeals?kind=consult&per_page=1&page=2", headers=h).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert city.client.get("/api/v1/appeals?text=第3件", headers=h).json()["total"] == 1
    r = city.client.get("/api/v1/appeals?per_page=1000", headers=h)
    assert r.status_code == 422
