"""The requester of a merged appeal (已合并) follows the appeal it was merged into (DESIGN §3:
"requester is informed and follows the target"): the merge text promises 办理结果将一并答复,
so the reply to that appeal is texted to them too, under their own code, on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest

from jiesu.domain.appeal import Role
from jiesu.domain.errors import DomainError
from jiesu.runtime import Runtime
from jiesu.services.clock import utcnow
from jiesu.store import notify_store
from tests.support.city import City, page_login


def _texts(city: City, appeal_id: int) -> list[tuple[str, str]]:
    with city.runtime.db.uow(write=False) as uow:
        return [(n.recipient, n.body) for n in notify_store.notifications(
            uow.session, kind="requester_notice")
            if n.ref and n.ref.startswith(f"appeal:{appeal_id}:")]


def test_the_reply_is_texted_to_the_requesters_of_the_appeals_merged_into_it(
        city: City) -> None:
    a = city.register(requester_phone="13700001111")
    b = city.register(requester_phone="13700002222")
    c = city.register(requester_phone="13700003333")
    anonymous = city.register(requester_phone="")
    city.act("dispatcher", a["id"], "merge", target_code=b["code"])
    city.act("dispatcher", anonymous["id"], "merge", target_code=c["code"])
    city.act("dispatcher", b["id"], "dispatch", unit_code="D1")
    # a chain: b (which a follows) is merged in turn into c, so a follows c too
    city.act("dispatcher", b["id"], "merge", target_code=c["code"])
    city.act("dispatcher", c["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", c["id"], "sign")
    city.act("handler_d1", c["id"], "reply", text="路灯已修复", claim="solved")

    replied = {a["id"]: "13700001111", b["id"]: "13700002222", c["id"]: "13700003333"}
    assert _texts(city, c["id"])[-1] == ("13700003333", (
        f"【示范市12345】您的诉求（编号 {c['code']}）承办单位已答复，我们将回访了解是否解决。"
        "查询：/track"))
    # under their own codes (which open the tracking page with their phones), and without
    # the call-back promised: the follow-up is the other requester's
    for appeal in (a, b):
        assert _texts(city, appeal["id"])[-1] == (replied[appeal["id"]], (
            f"【示范市12345】您的诉求（编号 {appeal['code']}）已合并办理，承办单位已答复。"
            "查询：/track"))
    # one reply text each, none to the appeal without a phone
    with city.runtime.db.uow(write=False) as uow:
        reply_texts = [n.recipient for n in notify_store.notifications(
            uow.session, kind="requester_notice") if "已答复" in n.body]
    assert sorted(reply_texts) == sorted(replied.values())


def test_an_appeal_merged_into_one_already_replied_to_is_texted_that_reply(city: City) -> None:
    """A merge into an appeal waiting for its follow-up (已答复, still open): the outcome the
    merge text promises is already there, and no later 答复 would bring it; the requesters of
    the merged appeal and of the one merged into it before hear it with the merge."""
    target = city.register(requester_phone="13700003333")
    city.act("dispatcher", target["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", target["id"], "sign")
    city.act("handler_d1", target["id"], "reply", text="路灯已修复", claim="solved")
    a = city.register(requester_phone="13700001111")
    b = city.register(requester_phone="13700002222")
    city.act("dispatcher", a["id"], "merge", target_code=b["code"])
    city.act("dispatcher", b["id"], "merge", target_code=target["code"])

    for appeal, phone in ((a, "13700001111"), (b, "13700002222")):
        recipient, body = _texts(city, appeal["id"])[-1]
        assert recipient == phone
        assert f"您的诉求（编号 {appeal['code']}）已合并办理，承办单位已答复" in body, body
    assert [body for _, body in _texts(city, b["id"])].count(
        f"【示范市12345】您的诉求（编号 {b['code']}）已与同一问题的诉求合并办理，"
        "可凭本编号查询办理进展，办理结果将一并答复。") == 1


def test_the_requesters_of_appeals_merged_into_one_then_rejected_hear_why(city: City) -> None:
    """The appeal merged into may end without a reply: sent back by its unit (退单) and then
    不予受理. Those who follow it were promised its outcome (办理结果将一并答复): they hear
    that it was not taken and why, under their own codes."""
    a = city.register(requester_phone="13700001111")
    target = city.register(requester_phone="13700003333")
    city.act("dispatcher", target["id"], "dispatch", unit_code="D1")
    city.act("dispatcher", a["id"], "merge", target_code=target["code"])
    city.act("handler_d1", target["id"], "request_return", reason="不属于本单位职责")
    city.act("dispatcher", target["id"], "approve_return")
    city.act("dispatcher", target["id"], "reject", reason="litigation")

    assert "原因：该事项应通过诉讼途径解决" in _texts(city, target["id"])[-1][1]
    assert _texts(city, a["id"])[-1] == ("13700001111", (
        f"【示范市12345】您的诉求（编号 {a['code']}）已合并办理，所合并的诉求不予受理，"
        "原因：该事项应通过诉讼途径解决。如有疑问请拨打 12345。"))


def test_a_merge_into_an_appeal_ended_meanwhile_is_refused(city: City, runtime: Runtime) -> None:
    """The merge checks that the appeal merged into is open, then writes; on PostgreSQL (READ
    COMMITTED) another process may end that appeal in between (不予受理 here). The merge must
    not go through: an appeal merged into an ended one is in nobody's list and its problem is
    never handled. It is refused (409) and the appeal stays registered."""
    if runtime.db.dialect == "sqlite":
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE: the rejection cannot come "
                    "between the merge's check and its write")
    a, target = city.register(), city.register()
    dispatcher = next(u for u in (runtime.auth.user(i) for i in range(1, 50))
                      if u is not None and u.role == Role.DISPATCHER)
    actor = dispatcher.actor()
    service = runtime.appeals
    original = service._check_references
    other = Runtime.create(runtime.settings)  # another process, its own connections

    def reject_meanwhile(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)  # the merge has found the target open
        other.appeals.act(actor, target["id"], "reject", utcnow(), {"reason": "invalid"})

    service._check_references = reject_meanwhile  # type: ignore[method-assign]
    try:
        with pytest.raises(DomainError) as refused:
            service.act(actor, a["id"], "merge", utcnow(), {"target_id": target["id"]})
    finally:
        service._check_references = original  # type: ignore[method-assign]
        other.close()
    assert refused.value.http_status == 409
    got = city.client.get(f"/api/v1/appeals/{a['id']}", headers=city.headers("dispatcher"))
    assert got.json()["status"] == "registered" and got.json()["merged_into_id"] is None


def _tracked(city: City, code: str, phone: str) -> str:
    """The tracking page of `code` as its requester opens it (code and phone)."""
    page = city.client.get("/track")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    r = city.client.post("/track", data={"csrf_token": token.group(1), "code": code,
                                         "phone": phone})
    assert r.status_code == 200, r.text
    return r.text


def test_a_long_merge_chain_is_followed_alike_by_the_page_and_the_texts(city: City) -> None:
    """Seven appeals merged one into the next (each target merged on later): the first one's
    requester is texted the last one's reply, and their tracking page shows that last one
    as the appeal they follow, not one merged away in the middle of the chain."""
    chain = [city.register(requester_phone=f"1370000{i:04d}") for i in range(7)]
    for merged, target in zip(chain, chain[1:], strict=False):
        city.act("dispatcher", merged["id"], "merge", target_code=target["code"])
    end = chain[-1]
    city.act("dispatcher", end["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", end["id"], "sign")
    city.act("handler_d1", end["id"], "reply", text="路灯已修复", claim="solved")

    first = chain[0]
    assert "已合并办理，承办单位已答复" in _texts(city, first["id"])[-1][1]
    html = _tracked(city, first["code"], "13700000000")
    shown = re.search(r"data-merged-code>([^<]+)<", html)
    assert shown and shown.group(1) == end["code"], html


def _events(city: City, appeal_id: int) -> list[dict[str, Any]]:
    r = city.client.get(f"/api/v1/appeals/{appeal_id}", headers=city.headers("operator"))
    assert r.status_code == 200, r.text
    return list(r.json()["events"])


def _chain(city: City) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """a merged into b, b merged into c (open, dispatched)."""
    a = city.register(requester_phone="13700001111")
    b = city.register(requester_phone="13700002222")
    c = city.register(requester_phone="13700003333")
    city.act("dispatcher", a["id"], "merge", target_code=b["code"])
    city.act("dispatcher", b["id"], "merge", target_code=c["code"])
    city.act("dispatcher", c["id"], "dispatch", unit_code="D1")
    return a, b, c


def test_a_merged_appeals_added_information_goes_to_the_appeal_it_follows(city: City) -> None:
    """补充 to a merged appeal (DESIGN §3 allows it on an open one; a merged one is not, but
    its requester has information for the problem the appeal it follows now carries): the API
    passes it on to the end of the chain, saying where it came from, and answers with that
    appeal; once that one has ended too, it is refused as before (409), nothing written."""
    a, b, c = _chain(city)
    done = city.act("operator", a["id"], "add_info", text="路灯杆也被撞歪了")
    assert (done["id"], done["code"], done["status"]) == (c["id"], c["code"], "dispatched")
    added = done["events"][-1]
    assert added["type"] == "add_info" and added["data"]["text"] == "路灯杆也被撞歪了"
    assert added["data"]["merged_from"] == {"appeal_id": a["id"], "code": a["code"]}
    assert not any(e["type"] == "add_info" for e in _events(city, a["id"]) + _events(city, b["id"]))
    city.act("dispatcher", a["id"], "add_info", expect=403, text="无关")  # not a 补充 role

    city.act("handler_d1", c["id"], "request_return", reason="不属于本单位职责")
    city.act("dispatcher", c["id"], "approve_return")
    city.act("dispatcher", c["id"], "reject", reason="invalid")
    r = city.client.post(f"/api/v1/appeals/{a['id']}/add_info", json={"text": "还有一处"},
                         headers=city.headers("operator"))
    assert r.status_code == 409, r.text
    assert (f"本诉求已合并到诉求 {c['code']} 一并办理，该诉求已结束办理，不能再补充"
            in r.json()["error"]["message"])
    assert [e["type"] for e in _events(city, c["id"])].count("add_info") == 1


def test_the_tracking_page_and_the_operator_pass_added_information_on(city: City) -> None:
    a, _, c = _chain(city)
    html = _tracked(city, a["code"], "13700001111")
    assert 'action="/track/' + a["code"] + '/add_info"' in html and "data-passed-on" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    r = city.client.post(f"/track/{a['code']}/add_info",
                         data={"csrf_token": token.group(1), "text": "晚上八点后最暗"})
    assert r.status_code == 200, r.text
    assert f"已补充，已转给合并后的诉求 {c['code']} 一并办理" in r.text
    added = _events(city, c["id"])[-1]
    assert (added["type"], added["actor_role"], added["data"]["text"]) == (
        "add_info", "requester", "晚上八点后最暗")
    assert added["data"]["merged_from"]["code"] == a["code"]

    # the operator taking the call: the merged appeal's page offers 补充 and passes it on
    page_login(city.client, "operator")
    page = city.client.get(f"/staff/appeals/{a['id']}").text
    assert f'action="/staff/appeals/{a["id"]}/add_info"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    r = city.client.post(f"/staff/appeals/{a['id']}/add_info",
                         data={"csrf_token": csrf.group(1), "text": "来电人补充：灯杆漏电"})
    assert r.status_code == 200, r.text
    assert f"已补充，已转给合并后的诉求 {c['code']} 一并办理" in r.text
    assert _events(city, c["id"])[-1]["data"]["text"] == "来电人补充：灯杆漏电"

    # the appeal followed ends: neither offers it, and the requester's try is refused
    city.act("handler_d1", c["id"], "request_return", reason="不属于本单位职责")
    city.act("dispatcher", c["id"], "approve_return")
    city.act("dispatcher", c["id"], "reject", reason="invalid")
    assert f'/staff/appeals/{a["id"]}/add_info"' not in city.client.get(
        f"/staff/appeals/{a['id']}").text
    html = _tracked(city, a["code"], "13700001111")
    assert "/add_info" not in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    r = city.client.post(f"/track/{a['code']}/add_info",
                         data={"csrf_token": token.group(1), "text": "还有一处"})
    assert r.status_code == 409 and "该诉求已结束办理，不能再补充" in r.text, r.text
