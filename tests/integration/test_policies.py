"""Enterprises, support policies, matching, 申报 → 审核 → 兑现 and the enterprise self-service,
through the REST API (SQLite and PostgreSQL).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.enterprise import uscc_check_char
from jiesu.domain.errors import InvalidArguments
from jiesu.jobs.sweeper import run_all
from jiesu.runtime import Runtime
from jiesu.services.clock import utcnow
from jiesu.services.policies import PolicyService
from jiesu.services.policy_inputs import PolicyInput
from jiesu.store import notify_store
from jiesu.store.tables import UserRow
from tests.support.city import City

PHONE_A, PHONE_B = "13800001111", "13900002222"


def uscc(n: int, *, valid: bool = True) -> str:
    """A 统一社会信用代码 with a correct (or, valid=False, a wrong) check character."""
    first17 = f"91110101MA{n:07d}"
    check = uscc_check_char(first17)
    if not valid:
        check = "0" if check != "0" else "1"
    return first17 + check


def today() -> date:
    return utcnow().astimezone().date()


def add_enterprise(city: City, n: int, expect: int = 201, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"uscc": uscc(n), "name": f"示范科技有限公司{n}"}
    body.update(fields)
    r = city.client.post("/api/v1/enterprises", json=body, headers=city.headers("admin"))
    assert r.status_code == expect, r.text
    return dict(r.json())


def add_policy(city: City, code: str, conditions: list[dict[str, Any]], *, mode: str = "apply",
               unit: str = "D1", expect: int = 201, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "title": f"政策{code}", "mode": mode,
                            "issuer_unit_id": city.unit_ids[unit], "conditions": conditions,
                            "valid_until": (today() + timedelta(days=60)).isoformat()}
    body.update(fields)
    r = city.client.post("/api/v1/policies", json=body, headers=city.headers("admin"))
    assert r.status_code == expect, r.text
    return dict(r.json())


def publish(city: City, policy_id: int) -> dict[str, Any]:
    r = city.client.post(f"/api/v1/policies/{policy_id}/publish", headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def matches(city: City, user: str = "admin", **params: Any) -> list[dict[str, Any]]:
    r = city.client.get("/api/v1/policy-matches", params=params, headers=city.headers(user))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def outbox(runtime: Runtime) -> list[SimpleNamespace]:
    """The policy messages in the notification outbox, oldest first."""
    with runtime.db.uow(write=False) as uow:
        return [SimpleNamespace(channel=n.channel, recipient=n.recipient, body=n.body,
                                ref=n.ref, status=n.status)
                for n in notify_store.notifications(uow.session, kind="policy_match")]


SMALL_MAKER = {"industry": "C", "employees": 50, "revenue": 1000,
               "region_unit_id": None, "contact_phone": PHONE_A}
SMALL_IN_D1 = [{"field": "size", "op": "in", "value": ["small", "micro"]},
               {"field": "region", "op": "in", "value": []}]


def small_in(city: City, unit: str = "D1") -> list[dict[str, Any]]:
    return [{"field": "size", "op": "in", "value": ["small", "micro"]},
            {"field": "region", "op": "in", "value": [city.unit_ids[unit]]}]


# --- enterprises -----------------------------------------------------------------------------


def test_enterprise_profiles_check_the_code_classify_the_size_and_refuse_duplicates(
        city: City) -> None:
    e = add_enterprise(city, 1, industry="C", employees=50, revenue=1000,
                       region_unit_id=city.unit_ids["D1S1"], contact_phone=PHONE_A,
                       certifications="高新技术企业，专精特新中小企业")
    assert e["uscc"] == uscc(1) and e["size_class"] == "small" and e["size_zh"] == "小型"
    assert not e["size_declared"] and e["region_name"] == "东华门街道"
    assert e["certifications"] == ["专精特新中小企业", "高新技术企业"]
    # a wrong check character, a wrong length: 422 in Chinese
    bad = city.client.post("/api/v1/enterprises", json={"uscc": uscc(2, valid=False),
                                                        "name": "错码公司"},
                           headers=city.headers("admin"))
    assert bad.status_code == 422 and "校验位" in bad.json()["error"]["message"]
    short = city.client.post("/api/v1/enterprises", json={"uscc": "9111", "name": "短码公司"},
                             headers=city.headers("admin"))
    assert short.status_code == 422 and "18 位" in short.json()["error"]["message"]
    # the same code again, typed full-width and in lower case: the same enterprise, refused
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in uscc(1).lower())
    dup = city.client.post("/api/v1/enterprises", json={"uscc": fullwidth, "name": "又一家"},
                           headers=city.headers("admin"))
    assert dup.status_code == 409 and "已登记" in dup.json()["error"]["message"]
    # figures that cannot classify (a bare 批发和零售业 letter): the declared class is used
    f = add_enterprise(city, 3, industry="F", employees=10, size_class="micro")
    assert f["size_class"] == "micro" and f["size_declared"] is True
    # who reads: analysts all, handlers only their subtree, operators not at all
    listed = city.client.get("/api/v1/enterprises", params={"q": "示范科技"},
                             headers=city.headers("analyst")).json()
    assert listed["total"] == 2
    assert city.client.get("/api/v1/enterprises", headers=city.headers("handler_d1")
                           ).json()["total"] == 1
    assert city.client.get("/api/v1/enterprises", headers=city.headers("handler_d2")
                           ).json()["total"] == 0
    assert city.client.get(f"/api/v1/enterprises/{e['id']}",
                           headers=city.headers("handler_d2")).status_code == 404
    assert city.client.get("/api/v1/enterprises",
                           headers=city.headers("operator")).status_code == 403
    assert city.client.post("/api/v1/enterprises", json={"uscc": uscc(4), "name": "x"},
                            headers=city.headers("analyst")).status_code == 403


def test_the_api_names_industries_in_english_too(city: City) -> None:
    """The pages show an enterprise's industry and a policy's industry condition in Chinese
    or English; the API gave only the Chinese. An enterprise now carries industry_en beside
    industry_zh, and the vocabulary of codes a condition may use is readable with both."""
    e = add_enterprise(city, 1, industry="C34", employees=50, revenue=1000)
    assert e["industry_zh"] == "C34 通用设备制造业"
    assert e["industry_en"] == "C34 Manufacture of general-purpose machinery"
    assert add_enterprise(city, 2, industry="F", employees=5, size_class="micro"
                          )["industry_en"] == "F Wholesale and retail trade"
    r = city.client.get("/api/v1/policies/industries", headers=city.headers("analyst"))
    assert r.status_code == 200, r.text
    rows = r.json()
    assert len(rows) == 20 + 97
    by_code = {x["code"]: x for x in rows}
    assert by_code["C"] == {"code": "C", "level": "section", "section": "C",
                            "name_zh": "制造业", "name_en": "Manufacturing"}
    assert by_code["F52"] == {"code": "F52", "level": "division", "section": "F",
                              "name_zh": "零售业", "name_en": "Retail trade"}
    codes = [x["code"] for x in rows]
    assert codes.index("C") < codes.index("C13") < codes.index("C43") < codes.index("D")
    assert all(x["name_en"] and x["name_zh"] for x in rows)
    assert city.client.get("/api/v1/policies/industries").status_code == 401


def test_the_appeal_page_finds_the_enterprise_of_a_code(city: City, runtime: Runtime) -> None:
    liaison = city.runtime.auth.user_from_token(city.headers("handler_d1")["Authorization"][7:])
    add_enterprise(city, 5, industry="C", employees=50, revenue=1000, contact_phone=PHONE_A,
                   liaison_user_id=liaison.id)
    svc = PolicyService(runtime.db, runtime.rules, runtime.settings)
    found = svc.enterprise_for_appeal(uscc(5).lower(), liaison.actor())
    assert found is not None and found.size_zh == "小型" and found.liaison_user_id == liaison.id
    assert found.contact_phone == PHONE_A
    masked = svc.enterprise_for_appeal(uscc(5))
    assert masked is not None and masked.contact_phone != PHONE_A
    assert svc.enterprise_for_appeal(uscc(6)) is None
    assert svc.enterprise_for_appeal("not a code") is None


# --- policies and matching --------------------------------------------------------------------


def test_bad_conditions_are_refused_in_chinese(city: City) -> None:
    r = city.client.post("/api/v1/policies", json={
        "code": "P-BAD", "title": "坏条件", "mode": "apply",
        "issuer_unit_id": city.unit_ids["D1"],
        "conditions": [{"field": "employees", "op": "in", "value": [1]}]},
        headers=city.headers("admin"))
    assert r.status_code == 422 and "不能用这种比较方式" in r.json()["error"]["message"]
    r = city.client.post("/api/v1/policies", json={
        "code": "P-BAD", "title": "坏区域", "mode": "apply",
        "issuer_unit_id": city.unit_ids["D1"],
        "conditions": [{"field": "region", "op": "in", "value": [999999]}]},
        headers=city.headers("admin"))
    assert r.status_code == 422 and "不存在" in r.json()["error"]["message"]
    add_policy(city, "P-DUP", [])
    assert add_policy(city, "P-DUP", [], expect=409)["error"]["message"].startswith("政策编号")


def test_publishing_matches_exactly_the_eligible_enterprises_and_texts_each_once(
        city: City, runtime: Runtime) -> None:
    d1, d2 = city.unit_ids["D1S1"], city.unit_ids["D2S1"]
    yes = add_enterprise(city, 10, industry="C", employees=50, revenue=1000,
                         region_unit_id=d1, contact_phone=PHONE_A)
    silent = add_enterprise(city, 11, industry="C", employees=25, revenue=400,
                            region_unit_id=d1)  # eligible, but no phone to text
    add_enterprise(city, 12, industry="C", employees=50, revenue=1000, region_unit_id=d2,
                   contact_phone=PHONE_B)  # another district
    add_enterprise(city, 13, industry="C", employees=2000, revenue=90000, region_unit_id=d1,
                   contact_phone=PHONE_B)  # large
    add_enterprise(city, 14, industry="C", employees=50, region_unit_id=d1,
                   contact_phone=PHONE_B)  # size unknown (no revenue): not a match
    policy = add_policy(city, "P-1", small_in(city), benefit="一次性补贴 5 万元")
    assert policy["status"] == "draft" and matches(city) == []
    assert policy["conditions_zh"][0] == "企业规模为 小型、微型"
    assert "东城区" in policy["conditions_zh"][1]
    published = publish(city, policy["id"])
    assert published["status"] == "published" and published["counts"]["eligible"] == 2
    found = matches(city, policy_id=policy["id"])
    assert {m["enterprise_id"] for m in found} == {yes["id"], silent["id"]}
    assert all(m["status"] == "eligible" and m["status_zh"] == "待申报" for m in found)
    assert all(c["met"] is True for m in found for c in m["checks"])
    sms = outbox(runtime)
    assert [(n.channel, n.recipient) for n in sms] == [("sms", PHONE_A)]
    until = date.fromisoformat(policy["valid_until"])
    assert "政策P-1" in sms[0].body and f"申报截止{until:%Y年%m月%d日}（含当日）" in sms[0].body
    assert sms[0].body.endswith("/enterprise")
    # publishing twice is refused; the handler of the district sees the matches
    again = city.client.post(f"/api/v1/policies/{policy['id']}/publish",
                             headers=city.headers("admin"))
    assert again.status_code == 409
    assert len(matches(city, "handler_d1")) == 2 and matches(city, "handler_d2") == []
    assert city.client.get("/api/v1/policy-matches",
                           headers=city.headers("operator")).status_code == 403


def test_self_service_apply_decide_and_pay(city: City, runtime: Runtime) -> None:
    add_enterprise(city, 20, industry="C", employees=50, revenue=1000,
                       region_unit_id=city.unit_ids["D1S1"], contact_phone=PHONE_A)
    policy = add_policy(city, "P-2", small_in(city), payout_days=5)
    publish(city, policy["id"])
    other = add_policy(city, "P-3", [{"field": "certifications", "op": "has_any",
                                      "value": ["高新技术企业"]},
                                     {"field": "age_years", "op": "gte", "value": 3}])
    publish(city, other["id"])
    # the same refusal for a wrong phone and an unknown code
    wrong = city.client.post("/api/v1/enterprise-service/lookup",
                             json={"uscc": uscc(20), "phone": PHONE_B})
    unknown = city.client.post("/api/v1/enterprise-service/lookup",
                               json={"uscc": uscc(21), "phone": PHONE_A})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]
    seen = city.client.post("/api/v1/enterprise-service/lookup",
                            json={"uscc": uscc(20).lower(), "phone": "138 0000 1111"})
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["enterprise"]["contact_phone"] != PHONE_A  # masked for the public
    assert [m["policy_code"] for m in body["matches"]] == ["P-2"]
    why = {u["policy"]["code"]: u["checks"] for u in body["unmatched"]}
    assert [c["met"] for c in why["P-3"]] == [False, None]  # no certificate; age unknown
    assert body["unmatched"][0]["policy"]["counts"] == {}
    match_id = body["matches"][0]["id"]
    applied = city.client.post("/api/v1/enterprise-service/apply", json={
        "uscc": uscc(20), "phone": PHONE_A, "match_id": match_id, "text": "申请补贴，材料齐全"})
    assert applied.status_code == 200, applied.text
    assert applied.json()["status"] == "applied"
    twice = city.client.post("/api/v1/enterprise-service/apply", json={
        "uscc": uscc(20), "phone": PHONE_A, "match_id": match_id, "text": "再申请一次"})
    assert twice.status_code == 409
    # another district's handler may not decide; a rejection needs a reason
    url = f"/api/v1/policy-matches/{match_id}"
    assert city.client.post(f"{url}/decision", json={"approve": True},
                            headers=city.headers("handler_d2")).status_code == 403
    assert city.client.post(f"{url}/decision", json={"approve": False},
                            headers=city.headers("handler_d1")).status_code == 422
    stale = city.client.post(f"{url}/decision", json={"approve": True, "version": 0},
                             headers=city.headers("handler_d1"))
    assert stale.status_code == 409  # applying changed the version
    ok = city.client.post(f"{url}/decision", json={"approve": True, "note": "材料齐全",
                                                   "version": applied.json()["version"]},
                          headers=city.headers("handler_d1"))
    assert ok.status_code == 200, ok.text
    m = ok.json()
    assert m["status"] == "approved" and not m["payout_overdue"]
    # the payout is due 5 working days later on the city's calendar (调休 included)
    calendar = runtime.rules.get().calendar
    decided = calendar.local_date(datetime.fromisoformat(m["decided_at"]))
    due_day = calendar.local_date(datetime.fromisoformat(m["payout_due_at"]))
    days = [decided + timedelta(days=i) for i in range(1, (due_day - decided).days + 1)]
    assert calendar.is_workday(due_day) and sum(map(calendar.is_workday, days)) == 5
    # paid, and the enterprise was told of each step
    bad_amount = city.client.post(f"{url}/payout", json={"amount_fen": 0, "ref": "PZ-1"},
                                  headers=city.headers("handler_d1"))
    assert bad_amount.status_code == 422
    paid = city.client.post(f"{url}/payout", json={"amount_fen": 5_000_000, "ref": "PZ-1"},
                            headers=city.headers("handler_d1"))
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text
    stats = city.client.get(f"/api/v1/policies/{policy['id']}",
                            headers=city.headers("analyst")).json()
    assert stats["counts"]["paid"] == 1 and stats["paid_fen"] == 5_000_000
    bodies = [n.body for n in outbox(runtime) if n.ref == f"policy_match:{match_id}"]
    assert len(bodies) == 3 and "审核通过" in bodies[1] and "50,000.00 元" in bodies[2]


def test_auto_policies_entitle_at_once_and_withdrawal_lapses_open_matches(
        city: City, runtime: Runtime) -> None:
    a = add_enterprise(city, 30, industry="C", employees=50, revenue=1000,
                       region_unit_id=city.unit_ids["D1"], contact_phone=PHONE_A)
    b = add_enterprise(city, 31, industry="C", employees=60, revenue=1200,
                       region_unit_id=city.unit_ids["D1"], contact_phone=PHONE_B)
    auto = add_policy(city, "P-AUTO", small_in(city), mode="auto", payout_days=10)
    publish(city, auto["id"])
    entitled = matches(city, policy_id=auto["id"])
    assert {m["status"] for m in entitled} == {"entitled"}
    assert all(m["payout_due_at"] for m in entitled)
    assert "免申即享" in outbox(runtime)[0].body
    # an application policy: one applies, the other does not
    apply_p = add_policy(city, "P-APPLY", small_in(city))
    publish(city, apply_p["id"])
    m_a = next(m for m in matches(city, policy_id=apply_p["id"]) if m["enterprise_id"] == a["id"])
    r = city.client.post("/api/v1/enterprise-service/apply", json={
        "uscc": uscc(30), "phone": PHONE_A, "match_id": m_a["id"], "text": "申请"})
    assert r.status_code == 200, r.text
    for pid in (auto["id"], apply_p["id"]):
        w = city.client.post(f"/api/v1/policies/{pid}/withdraw", json={"reason": "政策调整"},
                             headers=city.headers("admin"))
        assert w.status_code == 200 and w.json()["status"] == "withdrawn", w.text
    after = {(m["policy_id"], m["enterprise_id"]): m for m in matches(city)}
    assert after[(auto["id"], a["id"])]["status"] == "lapsed"
    assert after[(auto["id"], a["id"])]["lapse_reason"] == "withdrawn"
    assert after[(apply_p["id"], b["id"])]["status"] == "lapsed"
    assert after[(apply_p["id"], a["id"])]["status"] == "applied"  # still to be decided
    assert city.client.post(f"/api/v1/policies/{auto['id']}/withdraw", json={"reason": "再撤"},
                            headers=city.headers("admin")).status_code == 409


def test_editing_a_profile_lapses_and_revives_its_matches(city: City, runtime: Runtime) -> None:
    e = add_enterprise(city, 40, industry="C", employees=50, revenue=1000,
                       region_unit_id=city.unit_ids["D1"], contact_phone=PHONE_A)
    policy = add_policy(city, "P-EDIT", small_in(city))
    publish(city, policy["id"])
    url = f"/api/v1/enterprises/{e['id']}"
    grown = {"uscc": uscc(40), "name": e["name"], "industry": "C", "employees": 2000,
             "revenue": 90000, "region_unit_id": city.unit_ids["D1"],
             "contact_phone": PHONE_A, "version": e["version"]}
    r = city.client.put(url, json=grown, headers=city.headers("admin"))
    assert r.status_code == 200 and r.json()["size_class"] == "large", r.text
    [m] = matches(city, policy_id=policy["id"])
    assert m["status"] == "lapsed" and m["lapse_reason"] == "not_eligible"
    # a stale version is refused
    stale = city.client.put(url, json=grown, headers=city.headers("admin"))
    assert stale.status_code == 409
    shrunk = {**grown, "employees": 50, "revenue": 1000, "version": r.json()["version"]}
    r = city.client.put(url, json=shrunk, headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    [m] = matches(city, policy_id=policy["id"])
    assert m["status"] == "eligible" and m["lapse_reason"] is None
    assert len(outbox(runtime)) == 2  # matched, and matched again
    # a new enterprise saved after publishing is matched at once
    new = add_enterprise(city, 41, industry="C", employees=30, revenue=500,
                         region_unit_id=city.unit_ids["D1S1"])
    assert new["id"] in {m["enterprise_id"] for m in matches(city, policy_id=policy["id"])}


def test_editing_a_published_policy_matches_again(city: City) -> None:
    add_enterprise(city, 50, industry="C", employees=50, revenue=1000,
                   region_unit_id=city.unit_ids["D1"], tax_credit="B")
    policy = add_policy(city, "P-RE", small_in(city))
    published = publish(city, policy["id"])
    assert len(matches(city, policy_id=policy["id"])) == 1
    body = {"code": "P-RE", "title": "政策P-RE", "mode": "apply",
            "issuer_unit_id": city.unit_ids["D1"], "version": published["version"],
            "conditions": [*small_in(city), {"field": "tax_credit", "op": "in", "value": ["A"]}]}
    r = city.client.put(f"/api/v1/policies/{policy['id']}", json=body,
                        headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    assert [m["status"] for m in matches(city, policy_id=policy["id"])] == ["lapsed"]
    assert city.client.put(f"/api/v1/policies/{policy['id']}", json=body,
                           headers=city.headers("admin")).status_code == 409
    r = city.client.put(f"/api/v1/policies/{policy['id']}",
                        json={**body, "mode": "auto", "version": r.json()["version"]},
                        headers=city.headers("admin"))
    assert r.status_code == 422 and "申报方式" in r.json()["error"]["message"]


def test_matches_waiting_for_an_application_expire_after_the_last_day(
        city: City, runtime: Runtime) -> None:
    add_enterprise(city, 60, industry="C", employees=50, revenue=1000,
                   region_unit_id=city.unit_ids["D1"], contact_phone=PHONE_A)
    last_day = today() + timedelta(days=1)
    apply_p = add_policy(city, "P-EXP", small_in(city), valid_until=last_day.isoformat())
    auto = add_policy(city, "P-EXP-AUTO", small_in(city), mode="auto",
                      valid_until=last_day.isoformat())
    publish(city, apply_p["id"])
    publish(city, auto["id"])
    svc = PolicyService(runtime.db, runtime.rules, runtime.settings)
    assert svc.expire(utcnow()) == 0  # the last day has not passed
    result = run_all(runtime, utcnow() + timedelta(days=3))
    assert result.policies_expired == 1
    [m] = matches(city, policy_id=apply_p["id"])
    assert m["status"] == "lapsed" and m["lapse_reason"] == "expired"
    [entitled] = matches(city, policy_id=auto["id"])
    assert entitled["status"] == "entitled"  # an entitlement stays to be paid
    assert svc.expire(utcnow() + timedelta(days=3)) == 0


def test_an_application_has_a_decision_deadline_in_working_days(city: City,
                                                                 runtime: Runtime) -> None:
    """已申报: the issuing unit decides within JIESU_POLICY_REVIEW_DAYS (10) working days on
    the city's calendar; past it the application is marked overdue; once decided, no more."""
    add_enterprise(city, 80, industry="C", employees=50, revenue=1000,
                   region_unit_id=city.unit_ids["D1S1"], contact_phone=PHONE_A)
    policy = add_policy(city, "P-REV", small_in(city))
    publish(city, policy["id"])
    (waiting,) = matches(city, policy_id=policy["id"])
    assert waiting["review_due_at"] is None  # nothing applied for yet
    applied = city.client.post("/api/v1/enterprise-service/apply", json={
        "uscc": uscc(80), "phone": PHONE_A, "match_id": waiting["id"], "text": "申请"}).json()
    calendar = runtime.rules.get().calendar
    sent = calendar.local_date(datetime.fromisoformat(applied["applied_at"]))
    due_day = calendar.local_date(datetime.fromisoformat(applied["review_due_at"]))
    days = [sent + timedelta(days=i) for i in range(1, (due_day - sent).days + 1)]
    assert calendar.is_workday(due_day) and sum(map(calendar.is_workday, days)) == 10
    assert not applied["review_overdue"]
    svc = PolicyService(runtime.db, runtime.rules, runtime.settings)
    admin = city.runtime.auth.user_from_token(city.headers("admin")["Authorization"][7:])
    late = svc.match(admin.actor(), applied["id"], now=utcnow() + timedelta(days=30))
    assert late.review_overdue
    decided = city.client.post(f"/api/v1/policy-matches/{applied['id']}/decision",
                               json={"approve": True}, headers=city.headers("handler_d1"))
    assert decided.json()["review_due_at"] is None and not decided.json()["review_overdue"]


def test_applications_waiting_for_a_decision_come_earliest_first(city: City,
                                                                   runtime: Runtime) -> None:
    """The 申报审核 list leads with the application whose decision is due first."""
    for n, phone in ((81, PHONE_A), (82, PHONE_B)):
        add_enterprise(city, n, industry="C", employees=50, revenue=1000,
                       region_unit_id=city.unit_ids["D1S1"], contact_phone=phone)
    policy = add_policy(city, "P-ORDER", small_in(city))
    publish(city, policy["id"])
    first, second = sorted(matches(city, policy_id=policy["id"]), key=lambda m: m["id"])
    svc = PolicyService(runtime.db, runtime.rules, runtime.settings)
    now = utcnow()
    # the earlier match applied three days earlier: newest first would put it last
    svc.apply(uscc(81), PHONE_A, first["id"], "早些申报", now - timedelta(days=3))
    svc.apply(uscc(82), PHONE_B, second["id"], "晚些申报", now)
    waiting = matches(city, status="applied", policy_id=policy["id"])
    assert [m["id"] for m in waiting] == [first["id"], second["id"]]


def test_overdue_payouts_are_listed(city: City, runtime: Runtime) -> None:
    add_enterprise(city, 70, industry="C", employees=50, revenue=1000,
                   region_unit_id=city.unit_ids["D1"])
    auto = add_policy(city, "P-LATE", small_in(city), mode="auto", payout_days=1)
    publish(city, auto["id"])
    assert matches(city, overdue=True) == []
    svc = PolicyService(runtime.db, runtime.rules, runtime.settings)
    admin = city.runtime.auth.user_from_token(city.headers("admin")["Authorization"][7:])
    late, total = svc.matches(admin.actor(), overdue_only=True, now=utcnow() + timedelta(days=20))
    assert total == 1 and late[0].payout_overdue


# --- 涉企诉求 ---------------------------------------------------------------------------------


def test_an_appeal_from_an_enterprise_needs_a_valid_credit_code(city: City,
                                                                runtime: Runtime) -> None:
    r = city.client.post("/api/v1/appeals", json={
        "kind": "help", "content": "企业用电报装迟迟没有人联系", "requester_phone": PHONE_A,
        "requester_type": "enterprise", "enterprise_code": uscc(80, valid=False)},
        headers=city.headers("operator"))
    assert r.status_code == 422 and "统一社会信用代码" in r.json()["error"]["message"]
    ok = city.register(requester_type="enterprise", enterprise_code=" " + uscc(80).lower())
    with runtime.db.uow(write=False) as uow:
        assert uow.appeals.get(ok["id"])[0].enterprise_code == uscc(80)  # stored normalised


def test_payouts_due_come_earliest_first_across_both_statuses_and_staff_see_an_overview(
        city: City, runtime: Runtime) -> None:
    """The payout list merges approved applications and 免申即享 entitlements, the earliest
    due first; the staff see an enterprise's matches and misses even without a phone on file."""
    a = add_enterprise(city, 80, industry="C", employees=50, revenue=1000,
                       region_unit_id=city.unit_ids["D1"], contact_phone=PHONE_A)
    quick = add_policy(city, "P-QUICK", small_in(city), mode="auto", payout_days=2)
    slow = add_policy(city, "P-SLOW", small_in(city), mode="auto", payout_days=20)
    big = add_policy(city, "P-BIG", [{"field": "size", "op": "in", "value": ["large"]}])
    for p in (slow, quick, big):
        publish(city, p["id"])
    applied = add_policy(city, "P-APPL", small_in(city), payout_days=10)
    publish(city, applied["id"])
    m = next(m for m in matches(city, policy_id=applied["id"]))
    r = city.client.post("/api/v1/enterprise-service/apply", json={
        "uscc": uscc(80), "phone": PHONE_A, "match_id": m["id"], "text": "申请"})
    assert r.status_code == 200, r.text
    r = city.client.post(f"/api/v1/policy-matches/{m['id']}/decision",
                         json={"approve": True, "note": "同意"}, headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    svc = PolicyService(runtime.db, runtime.rules, runtime.settings)
    admin = city.runtime.auth.user_from_token(city.headers("admin")["Authorization"][7:])
    due, total = svc.matches(admin.actor(), payouts_due=True)
    assert total == 3
    assert [d.policy_code for d in due] == ["P-QUICK", "P-APPL", "P-SLOW"]
    assert {d.status for d in due} == {"entitled", "approved"}
    assert all(d.valid_until is not None and d.policy_open for d in due)
    r = city.client.put(f"/api/v1/enterprises/{a['id']}", headers=city.headers("admin"),
                        json={"uscc": uscc(80), "name": "示范科技有限公司80", "industry": "C",
                              "employees": 50, "revenue": 1000,
                              "region_unit_id": city.unit_ids["D1"], "version": a["version"]})
    assert r.status_code == 200, r.text  # the phone is gone: the enterprise cannot look
    seen = svc.enterprise_overview(admin.actor(), a["id"], today())
    assert {x.policy_code for x in seen.matches} == {"P-QUICK", "P-SLOW", "P-APPL"}
    assert [p.code for p, _ in seen.unmatched] == ["P-BIG"]
    assert [c.met for c in seen.unmatched[0][1]] == [False]


def test_guessing_phone_numbers_at_the_self_service_is_stopped(city: City) -> None:
    """A credit code is public: after five wrong phone numbers the lookup is refused for a
    while (429, in Chinese), even with the right number, and other enterprises still look."""
    add_enterprise(city, 90, contact_phone=PHONE_A)
    add_enterprise(city, 91, contact_phone=PHONE_B)
    for n in range(5):
        r = city.client.post("/api/v1/enterprise-service/lookup",
                             json={"uscc": uscc(90), "phone": f"1370000{n:04d}"})
        assert r.status_code == 404, r.text
    r = city.client.post("/api/v1/enterprise-service/lookup",
                         json={"uscc": uscc(90), "phone": PHONE_A})
    assert r.status_code == 429 and "尝试次数过多" in r.json()["error"]["message"], r.text
    assert int(r.headers["Retry-After"]) > 0
    r = city.client.post("/api/v1/enterprise-service/lookup",
                         json={"uscc": uscc(91), "phone": PHONE_B})
    assert r.status_code == 200, r.text


def test_a_large_registry_is_matched_on_by_the_periodic_jobs(city: City, runtime: Runtime,
                                                             monkeypatch: Any) -> None:
    """Publishing matches the first pages at once and leaves the rest to the jobs, one page per
    transaction, so a city with millions of enterprises does not hold a request for minutes;
    the result is the same as matching all at once, and withdrawing stops a pass."""
    from jiesu.services import policies as svc_module

    monkeypatch.setattr(svc_module, "PAGE", 2)
    monkeypatch.setattr(svc_module, "INLINE_PAGES", 1)
    for n in range(100, 107):  # seven small makers in 东城区, six with a phone
        add_enterprise(city, n, industry="C", employees=50, revenue=1000,
                       region_unit_id=city.unit_ids["D1"],
                       contact_phone=f"1380000{n:04d}" if n != 106 else None)
    p = add_policy(city, "P-BIG-CITY", small_in(city))
    published = publish(city, p["id"])
    assert published["matching_pending"] is True
    assert len(matches(city, policy_id=p["id"])) == 2  # the first page, in the request
    result = run_all(city.runtime, utcnow())
    assert result.policy_pages_matched == 3  # 2 + 2 + 1 more, then nothing is pending
    assert len(matches(city, policy_id=p["id"])) == 7
    assert len([m for m in outbox(runtime) if m.ref and m.ref.startswith("policy_match:")]) == 6
    r = city.client.get(f"/api/v1/policies/{p['id']}", headers=city.headers("admin"))
    assert r.json()["matching_pending"] is False
    assert run_all(city.runtime, utcnow()).policy_pages_matched == 0
    q = add_policy(city, "P-STOPPED", small_in(city))
    assert publish(city, q["id"])["matching_pending"] is True
    w = city.client.post(f"/api/v1/policies/{q['id']}/withdraw", json={"reason": "调整"},
                         headers=city.headers("admin"))
    assert w.status_code == 200 and w.json()["matching_pending"] is False
    assert run_all(city.runtime, utcnow()).policy_pages_matched == 0


def test_one_figure_below_the_small_bound_makes_a_micro_enterprise_that_matches(
        city: City) -> None:
    """微型企业只须满足所列指标中的一项即可: eight people in 商务服务 make a micro enterprise
    without its assets, and a 小微 policy matches it (it was left without a size class)."""
    d1 = city.unit_ids["D1S1"]
    tiny = add_enterprise(city, 30, industry="L72", employees=8, region_unit_id=d1)
    assert (tiny["size_class"], tiny["size_declared"]) == ("micro", False)
    unknown = add_enterprise(city, 31, industry="L72", employees=80, region_unit_id=d1)
    assert unknown["size_class"] is None  # 80 people: small or more, the assets decide
    policy = publish(city, add_policy(city, "P-MICRO", small_in(city))["id"])
    assert {m["enterprise_id"] for m in matches(city, policy_id=policy["id"])} == {tiny["id"]}


def test_a_liaison_is_someone_who_works_on_appeals(city: City) -> None:
    """The page offers handlers, grid workers, dispatchers, supervisors and administrators
    only; the API took any active user, an operator or an auditor too."""
    users = city.client.get("/api/v1/admin/users", headers=city.headers("admin")).json()
    listed = users["items"] if isinstance(users, dict) else users
    ids = {u["username"]: u["id"] for u in listed}
    for who in ("operator", "auditor", "analyst"):
        r = city.client.post("/api/v1/enterprises", headers=city.headers("admin"), json={
            "uscc": uscc(40), "name": "示范科技有限公司40", "liaison_user_id": ids[who]})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["message"].startswith("帮扶联络人应为承办人、网格员")
    assert city.client.get("/api/v1/enterprises", params={"q": uscc(40)},
                           headers=city.headers("admin")).json()["total"] == 0
    made = add_enterprise(city, 40, liaison_user_id=ids["handler_d1"])
    assert made["liaison_user_id"] == ids["handler_d1"]


def test_a_policy_past_its_last_day_is_refused_when_saved_not_only_when_published(
        city: City, runtime: Runtime) -> None:
    """A draft whose 有效期截止 has passed could never be published: saying so only at 发布
    left the admin a draft to redo. Refused at creation and at an edit of a draft, nothing
    saved; a published policy may still be corrected after its last day, but its last day
    is not moved into the past (that is 撤回)."""
    day = utcnow().astimezone(runtime.settings.tz).date()  # the city's today, as the service's
    yesterday = (day - timedelta(days=1)).isoformat()
    refused = add_policy(city, "P-PAST", [], expect=422, valid_until=yesterday)
    assert refused["error"]["field"] == "valid_until"
    assert refused["error"]["message"] == (
        f"有效期截止日期 {yesterday} 已过，过期的政策不能发布：请填写今天或以后的日期")
    listed = city.client.get("/api/v1/policies", headers=city.headers("admin")).json()
    assert [p for p in listed["items"] if p["code"] == "P-PAST"] == []
    draft = add_policy(city, "P-PAST", [], valid_until=day.isoformat())  # today is fine
    body = {"code": "P-PAST", "title": "政策P-PAST", "mode": "apply",
            "issuer_unit_id": city.unit_ids["D1"], "conditions": [],
            "version": draft["version"], "valid_until": yesterday}
    r = city.client.put(f"/api/v1/policies/{draft['id']}", json=body,
                        headers=city.headers("admin"))
    assert r.status_code == 422 and "已过" in r.json()["error"]["message"]
    again = city.client.get(f"/api/v1/policies/{draft['id']}", headers=city.headers("admin"))
    assert again.json()["valid_until"] == day.isoformat()
    assert again.json()["version"] == draft["version"]

    # published, then its last day passes: a correction is taken, a past last day is not
    published = publish(city, draft["id"])
    svc = PolicyService(runtime.db, runtime.rules, runtime.settings)
    with runtime.db.uow(write=False) as uow:
        admin_id = uow.session.scalar(select(UserRow.id).where(UserRow.username == "admin"))
    admin = Actor(role=Role.ADMIN, user_id=admin_id)
    later = utcnow() + timedelta(days=3)
    same = PolicyInput(code="P-PAST", title="政策P-PAST（更正）",
                       issuer_unit_id=city.unit_ids["D1"], mode="apply", conditions=[],
                       valid_until=day)
    fixed = svc.save_policy(admin, same, later, policy_id=draft["id"],
                            expected_version=published["version"])
    assert fixed.title == "政策P-PAST（更正）"
    moved = replace(same, valid_until=day - timedelta(days=1))
    with pytest.raises(InvalidArguments, match="已过"):
        svc.save_policy(admin, moved, later, policy_id=draft["id"])
