"""Follow-up tasks and the online survey, 好差评 ratings, rectification and rating appeals,
through the REST API (SQLite and PostgreSQL).
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from jiesu.runtime import Runtime
from jiesu.services.audit import verify
from jiesu.services.clock import utcnow
from jiesu.services.feedback import FeedbackService
from jiesu.store.tables import AppealRow
from tests.integration.test_web_pages import _token
from tests.support import pii_guard
from tests.support.city import City, page_login

PHONE = "13812345678"


def replied(city: City, unit: str = "D1S1", handler: str = "handler_s1") -> dict[str, Any]:
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids[unit])
    city.act(handler, a["id"], "sign")
    return city.act(handler, a["id"], "reply", text="路灯已更换", claim="solved")


def closed(city: City) -> dict[str, Any]:
    a = replied(city)
    return city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
                    satisfaction="satisfied")


def test_every_replied_appeal_is_a_follow_up_task_and_late_ones_are_listed(
        city: City, runtime: Runtime) -> None:
    a, b = replied(city), replied(city)
    r = city.client.get("/api/v1/feedback/followups", headers=city.headers("followup"))
    assert r.status_code == 200, r.text
    assert {t["appeal_id"] for t in r.json()["items"]} == {a["id"], b["id"]}
    assert all(t["due_at"] and not t["late"] for t in r.json()["items"])
    # A day past the deadline: the service lists both as late for supervisors.
    later = utcnow() + timedelta(days=10)
    svc = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    sup = city.runtime.auth.user_from_token(city.headers("supervisor")["Authorization"][7:])
    tasks, total = svc.followup_tasks(sup.actor(), later, late_only=True)
    assert total == 2 and all(t.late for t in tasks)
    late = city.client.get("/api/v1/feedback/followups/late", headers=city.headers("supervisor"))
    assert late.json()["total"] == 0  # not late yet in real time
    assert city.client.get("/api/v1/feedback/followups",
                           headers=city.headers("handler_s1")).status_code == 403
    # Three failed calls at different times: unreachable, closed, no longer a task.
    agent = city.runtime.auth.user_from_token(city.headers("followup")["Authorization"][7:])
    for hours in (0, 2, 4):
        runtime.appeals.act(agent.actor(), a["id"], "follow_up",
                            utcnow() - timedelta(hours=6 - hours), {"reached": False})
    items = city.client.get("/api/v1/feedback/followups",
                            headers=city.headers("followup")).json()["items"]
    assert [t["appeal_id"] for t in items] == [b["id"]]


def test_online_survey_is_single_use_and_reopens_when_dissatisfied(city: City) -> None:
    a = replied(city)
    r = city.client.post(f"/api/v1/feedback/followups/{a['id']}/survey",
                         headers=city.headers("followup"))
    assert r.status_code == 201, r.text
    url = r.json()["url"]
    info = city.client.get(url)  # public
    assert info.status_code == 200 and info.json()["reply_text"] == "路灯已更换"
    done = city.client.post(url, json={"resolved": "no", "satisfaction": "dissatisfied",
                                       "stars": 2, "comment": "灯还是不亮"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "in_progress"  # 重办: the unit's fault by default
    again = city.client.post(url, json={"resolved": "yes", "satisfaction": "satisfied"})
    assert again.status_code == 409 and "已提交" in again.json()["error"]["message"]
    detail = city.client.get(f"/api/v1/appeals/{a['id']}", headers=city.headers("dispatcher"))
    body = detail.json()
    assert body["reopened_count"] == 1
    follow = [e for e in body["events"] if e["type"] == "follow_up"][-1]
    assert follow["actor_role"] == "requester"
    assert {"rated", "rectification_opened"} <= {e["type"] for e in body["events"]}
    assert city.client.get("/api/v1/survey/not-a-token").status_code == 404
    # Only replied appeals get a survey.
    assert city.client.post(f"/api/v1/feedback/followups/{a['id']}/survey",
                            headers=city.headers("followup")).status_code == 409
    assert verify(city.runtime.db).ok


def test_the_survey_link_shows_the_title_and_reply_redacted(city: City) -> None:
    """The survey link is opened without the code and phone the tracking page asks for (an SMS
    gets forwarded): it shows what the board would, not the requester's name, phone or ID."""
    a = city.register(title=f"张三反映路灯坏了，电话{PHONE}，身份证110101199003071233")
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D1S1"])
    city.act("handler_s1", a["id"], "sign")
    city.act("handler_s1", a["id"], "reply", claim="solved",
             text="张三您好，路灯已更换，物业电话13900001111")
    r = city.client.post(f"/api/v1/feedback/followups/{a['id']}/survey",
                         headers=city.headers("followup"))
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    anonymous = TestClient(city.client.app)
    pii_guard.install(anonymous)  # every anonymous response: no phone, no ID number
    info = anonymous.get(f"/api/v1/survey/{token}").json()
    page = anonymous.get(f"/survey/{token}").text
    assert info["title"] == "张**反映路灯坏了，电话138****5678，身份证110101********1233"
    assert info["reply_text"] == "张**您好，路灯已更换，物业电话139****1111"
    assert "张三" not in page and info["title"] in page and info["reply_text"] in page


def test_survey_link_expires(city: City, runtime: Runtime) -> None:
    a = replied(city)
    svc = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    agent = city.runtime.auth.user_from_token(city.headers("followup")["Authorization"][7:])
    link = svc.create_survey(agent.actor(), a["id"], utcnow() - timedelta(days=8))
    r = city.client.post(f"/api/v1/survey/{link.token}",
                         json={"resolved": "yes", "satisfaction": "satisfied"})
    assert r.status_code == 409 and "过期" in r.json()["error"]["message"]


def test_bad_rating_rectification_report_follow_up_and_publication(city: City) -> None:
    a = closed(city)
    rate = {"appeal_code": a["code"], "phone": PHONE, "stars": 1, "comment": "敷衍了事"}
    wrong = city.client.post("/api/v1/feedback/ratings", json={**rate, "phone": "13900000000"})
    assert wrong.status_code == 404
    r = city.client.post("/api/v1/feedback/ratings", json=rate)
    assert r.status_code == 201, r.text
    assert r.json()["bad"] is True
    rect_id = r.json()["rectification_id"]
    twice = city.client.post("/api/v1/feedback/ratings", json={**rate, "stars": 5})
    assert twice.status_code == 409  # one rating per appeal per requester

    rects = city.client.get("/api/v1/feedback/rectifications",
                            headers=city.headers("handler_s1")).json()
    assert [x["id"] for x in rects] == [rect_id] and rects[0]["status"] == "open"
    assert city.client.get("/api/v1/feedback/rectifications",
                           headers=city.headers("handler_d2")).json() == []
    other = city.client.post(f"/api/v1/feedback/rectifications/{rect_id}/report",
                             json={"report": "x"}, headers=city.headers("handler_d2"))
    assert other.status_code == 403
    rep = city.client.post(f"/api/v1/feedback/rectifications/{rect_id}/report",
                           json={"report": "已约谈承办人并上门致歉，路灯已全部更换"},
                           headers=city.headers("handler_s1"))
    assert rep.json()["status"] == "reported"
    fu = city.client.post(f"/api/v1/feedback/rectifications/{rect_id}/follow-up",
                          json={"satisfied": True}, headers=city.headers("followup"))
    assert fu.json()["status"] == "verified"
    pub = city.client.post(f"/api/v1/feedback/rectifications/{rect_id}/publish",
                           headers=city.headers("supervisor"))
    assert pub.json()["status"] == "published"
    public = city.client.get("/api/v1/stats/rectifications/published").json()
    assert public[0]["report"].startswith("已约谈") and public[0]["stars"] == 1

    month = utcnow().astimezone(city.runtime.settings.tz).strftime("%Y-%m")
    stats = {s["unit_name"]: s for s in
             city.client.get("/api/v1/stats/ratings", params={"period": month}).json()}
    street = stats["东华门街道"]
    assert (street["ratings"], street["bad"], street["bad_rate"], street["good_rate"]) == (
        1, 1, 1.0, 0.0)
    assert street["rectification_rate"] == 1.0
    assert street["rectification_satisfaction_rate"] == 1.0
    assert stats["示范市"]["ratings"] == 1  # rolled up to the city
    events = {e["type"] for e in city.client.get(
        f"/api/v1/appeals/{a['id']}", headers=city.headers("dispatcher")).json()["events"]}
    assert {"rated", "rectification_opened", "rectification_reported",
            "rectification_followed_up", "rectification_published"} <= events
    assert verify(city.runtime.db).ok


def test_the_rating_api_does_not_let_anyone_guess_a_requesters_phone(city: City) -> None:
    """Tracking codes are public (receipts, the board) and a right phone answered 201 or 409
    where a wrong one answered 404: without a limit the API told anyone the requester's phone.
    Wrong phones count against the code as on the tracking page, whose limit this shares."""
    a = closed(city)
    rate = {"appeal_code": a["code"], "phone": PHONE, "stars": 1}
    for i in range(5):
        wrong = city.client.post("/api/v1/feedback/ratings",
                                 json={**rate, "phone": f"1390000000{i}"})
        assert wrong.status_code == 404, wrong.text
    r = city.client.post("/api/v1/feedback/ratings", json=rate)
    assert r.status_code == 429, r.text
    assert r.json()["error"]["message"].startswith("尝试次数过多")
    assert city.client.get("/api/v1/feedback/ratings",
                           headers=city.headers("supervisor")).json() == []
    # the tracking page counts the same guesses
    page = city.client.post("/track", data={"code": a["code"], "phone": PHONE,
                                            "csrf_token": _token(city.client, "/track")})
    assert page.status_code == 429 and "尝试次数过多" in page.text


def test_a_right_phone_clears_the_wrong_guesses_before_it(city: City) -> None:
    a, b = closed(city), closed(city)
    for i in range(4):
        city.client.post("/api/v1/feedback/ratings",
                         json={"appeal_code": a["code"], "phone": f"1390000000{i}", "stars": 4})
    ok = city.client.post("/api/v1/feedback/ratings",
                          json={"appeal_code": a["code"], "phone": PHONE, "stars": 4})
    assert ok.status_code == 201, ok.text
    # another appeal's code has its own count
    ok = city.client.post("/api/v1/feedback/ratings",
                          json={"appeal_code": b["code"], "phone": PHONE, "stars": 4})
    assert ok.status_code == 201, ok.text


def test_malicious_rating_appeal_excludes_it_with_reason(city: City) -> None:
    a = closed(city)
    r = city.client.post("/api/v1/feedback/ratings",
                         json={"appeal_code": a["code"], "phone": PHONE, "stars": 1})
    rating_id, rect_id = r.json()["rating_id"], r.json()["rectification_id"]
    url = f"/api/v1/feedback/ratings/{rating_id}/appeal"
    assert city.client.post(url, json={"reason": "恶意"},
                            headers=city.headers("handler_d2")).status_code == 403
    filed = city.client.post(url, json={"reason": "诉求人与本案无关的报复性评价"},
                             headers=city.headers("handler_s1"))
    assert filed.status_code == 201, filed.text
    dup = city.client.post(url, json={"reason": "再次申诉"}, headers=city.headers("handler_s1"))
    assert dup.status_code == 409
    ra_id = filed.json()["id"]
    pending = city.client.get("/api/v1/feedback/rating-appeals", params={"status": "pending"},
                              headers=city.headers("supervisor")).json()
    assert [p["id"] for p in pending] == [ra_id]
    assert city.client.post(f"/api/v1/feedback/rating-appeals/{ra_id}/decide",
                            json={"uphold": True, "reason": "x"},
                            headers=city.headers("handler_s1")).status_code == 403
    d = city.client.post(f"/api/v1/feedback/rating-appeals/{ra_id}/decide",
                         json={"uphold": True, "reason": "经调查属恶意差评"},
                         headers=city.headers("supervisor"))
    assert d.json()["status"] == "upheld"
    ratings = city.client.get("/api/v1/feedback/ratings", headers=city.headers("supervisor"))
    row = next(x for x in ratings.json() if x["id"] == rating_id)
    assert row["excluded"] is True and row["excluded_reason"] == "经调查属恶意差评"
    rect = next(x for x in city.client.get("/api/v1/feedback/rectifications",
                                           headers=city.headers("supervisor")).json()
                if x["id"] == rect_id)
    assert rect["status"] == "cancelled" and "恶意差评" in rect["cancelled_reason"]
    month = utcnow().astimezone(city.runtime.settings.tz).strftime("%Y-%m")
    stats = {s["unit_name"]: s for s in
             city.client.get("/api/v1/stats/ratings", params={"period": month}).json()}
    assert stats["东华门街道"]["ratings"] == 0 and stats["东华门街道"]["bad"] == 0


def test_a_denied_rating_appeal_is_final(city: City) -> None:
    a = closed(city)
    r = city.client.post("/api/v1/feedback/ratings",
                         json={"appeal_code": a["code"], "phone": PHONE, "stars": 2})
    rating_id = r.json()["rating_id"]
    url = f"/api/v1/feedback/ratings/{rating_id}/appeal"
    filed = city.client.post(url, json={"reason": "诉求人与本案无关"},
                             headers=city.headers("handler_s1"))
    assert filed.status_code == 201, filed.text
    d = city.client.post(f"/api/v1/feedback/rating-appeals/{filed.json()['id']}/decide",
                         json={"uphold": False, "reason": "未发现恶意"},
                         headers=city.headers("supervisor"))
    assert d.json()["status"] == "rejected"
    again = city.client.post(url, json={"reason": "补充材料后再次申诉"},
                             headers=city.headers("handler_s1"))
    assert again.status_code == 409, again.text
    assert "每条评价只能申诉一次" in again.text
    appeals = city.client.get("/api/v1/feedback/rating-appeals",
                              headers=city.headers("supervisor")).json()
    assert [x["id"] for x in appeals if x["rating_id"] == rating_id] == [filed.json()["id"]]


def test_no_rating_appeal_once_its_rectification_is_published(city: City) -> None:
    """A service item's bad rating, its rectification published (整改公示): the unit's 申诉
    comes too late (409, nothing filed), as for an appeal's rating."""
    item = city.client.post("/api/v1/feedback/service-items",
                            json={"unit_code": "W", "code": "W-PUB", "name": "供水报装"},
                            headers=city.headers("admin")).json()["id"]
    r = city.client.post("/api/v1/feedback/ratings",
                         json={"service_item_id": item, "phone": PHONE, "stars": 2})
    rating_id, rect = r.json()["rating_id"], r.json()["rectification_id"]
    for user, step, body in (("admin", "report", {"report": "已优化报装流程"}),
                             ("followup", "follow-up", {"satisfied": True}),
                             ("supervisor", "publish", None)):
        done = city.client.post(f"/api/v1/feedback/rectifications/{rect}/{step}", json=body,
                                headers=city.headers(user))
        assert done.status_code == 200, done.text
    late = city.client.post(f"/api/v1/feedback/ratings/{rating_id}/appeal",
                            json={"reason": "系恶意差评"}, headers=city.headers("admin"))
    assert late.status_code == 409, late.text
    assert late.json()["error"]["message"] == "整改结果已公示，不能再对该评价提出申诉"
    assert city.client.get("/api/v1/feedback/rating-appeals",
                           headers=city.headers("supervisor")).json() == []
    ratings = city.client.get("/api/v1/feedback/ratings", headers=city.headers("supervisor"))
    assert next(x for x in ratings.json() if x["id"] == rating_id)["excluded"] is False


def test_service_item_ratings(city: City) -> None:
    r = city.client.post("/api/v1/feedback/service-items",
                         json={"unit_code": "W", "code": "W-001", "name": "供水报装"},
                         headers=city.headers("admin"))
    assert r.status_code == 201, r.text
    item = r.json()["id"]
    items = city.client.get("/api/v1/feedback/service-items").json()
    assert items[0]["unit_name"] == "市水务局"
    ok = city.client.post("/api/v1/feedback/ratings",
                          json={"service_item_id": item, "phone": PHONE, "stars": 5})
    assert ok.status_code == 201 and ok.json()["rectification_id"] is None
    # each bad rating opens a 整改 for the unit: one phone rates an item once a day
    again = city.client.post("/api/v1/feedback/ratings",
                             json={"service_item_id": item, "phone": PHONE, "stars": 1})
    assert again.status_code == 409 and "该号码已评价过这项服务" in again.text, again.text
    assert len(city.client.get("/api/v1/feedback/ratings",
                               headers=city.headers("analyst")).json()) == 1
    bad = city.client.post("/api/v1/feedback/ratings",
                           json={"service_item_id": item, "phone": "139 0000 0001", "stars": 2})
    assert bad.json()["rectification_id"] is not None
    both = city.client.post("/api/v1/feedback/ratings",
                            json={"service_item_id": item, "appeal_code": "x", "phone": PHONE,
                                  "stars": 2})
    assert both.status_code == 422


def test_default_rating_is_off_by_default_and_configurable(city: City, runtime: Runtime) -> None:
    a = closed(city)
    later = utcnow() + timedelta(days=8)
    assert FeedbackService(runtime.db, runtime.rules, runtime.settings).apply_default_ratings(
        later) == 0
    on = runtime.settings.model_copy(update={"rating_default_stars": 5})
    svc = FeedbackService(runtime.db, runtime.rules, on)
    assert svc.apply_default_ratings(utcnow()) == 0  # the window has not passed yet
    assert svc.apply_default_ratings(later) == 1
    assert svc.apply_default_ratings(later) == 0  # once only
    ratings = city.client.get("/api/v1/feedback/ratings", headers=city.headers("analyst")).json()
    assert [(x["appeal_id"], x["stars"], x["source"]) for x in ratings] == [(a["id"], 5,
                                                                            "default")]


def test_the_questionnaire_is_texted_and_answered_on_a_phone_page(city: Any) -> None:
    """The follow-up agent texts the requester a one-time link; the requester answers on a
    public page (no login); the answer records the follow-up; the link then says it was used."""
    import re as _re

    from jiesu.store import notify_store
    from tests.integration.test_web_pages import _login, _token

    a = city.register(requester_phone="13700007777")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "reply", text="路灯已修复", claim="solved")
    c = city.client
    _login(c, "followup")
    page = c.get("/staff/followup").text
    assert "短信发送回访问卷" in page
    r = c.post(f"/staff/followup/{a['id']}/survey",
               data={"csrf_token": _token(c, "/staff/followup")}, follow_redirects=True)
    assert "已向诉求人发送回访问卷短信" in r.text
    with city.runtime.db.uow(write=False) as uow:
        sms = [(n.recipient, n.body) for n in notify_store.notifications(uow.session,
                                                                          kind="survey")]
    assert len(sms) == 1 and sms[0][0] == "13700007777"
    link = _re.search(r"/survey/[\w-]+", sms[0][1])
    assert link is not None and "天内有效" in sms[0][1]
    public = TestClient(c.app)
    with public:
        form = public.get(link.group(0))
        assert form.status_code == 200 and "路灯已修复" in form.text
        token = _re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        bad = public.post(link.group(0), data={"csrf_token": token, "resolved": "maybe",
                                                "satisfaction": "satisfied", "stars": "4",
                                                "comment": "修得很及时，谢谢"})
        assert bad.status_code == 422 and "请选择是否解决和满意程度" in bad.text
        # what was answered is still answered, and the comment still there
        assert _re.search(r'name="satisfaction" value="satisfied" required checked', bad.text)
        assert 'name="resolved" value="yes" required checked' not in bad.text
        assert _re.search(r'<option value="4" selected>', bad.text)
        assert "修得很及时，谢谢</textarea>" in bad.text
        # an over-long comment is refused as on the tracking page, not cut without a word
        long = "灯" * 1000 + "修得很及时"
        bad = public.post(link.group(0), data={"csrf_token": token, "resolved": "yes",
                                                "satisfaction": "satisfied", "stars": "5",
                                                "comment": long})
        assert bad.status_code == 422 and "评价说明不能超过 1000 字" in bad.text
        assert f">{long}</textarea>" in bad.text
        done = public.post(link.group(0), data={"csrf_token": token, "resolved": "yes",
                                                 "satisfaction": "satisfied", "stars": "5"})
        assert done.status_code == 200 and "感谢您的反馈，诉求已办结" in done.text
        again = public.get(link.group(0))
        assert "该问卷已提交过" in again.text and "<form" not in again.text.split("<main")[-1]
        en = public.get(link.group(0) + "?lang=en")
        assert "already answered" in en.text
    got = city.client.get(f"/api/v1/appeals/{a['id']}", headers=city.headers("dispatcher"))
    assert got.json()["status"] == "closed"


def test_a_second_unanswered_call_back_waits_and_the_queue_says_when(city: City) -> None:
    """Three 未联系上 within a minute closed an appeal as unreachable: the next failed call is
    refused (409) until `followup_retry_minutes` have passed, and the queue, the appeal page and
    the API say from when; a call that reaches the requester is recorded at once."""
    a = replied(city)
    first = city.act("followup", a["id"], "follow_up", reached=False)
    assert first["status"] == "replied"
    r = city.client.post(f"/api/v1/appeals/{a['id']}/follow_up", json={"reached": False},
                         headers=city.headers("followup"))
    assert r.status_code == 409, r.text
    assert "距上次回访未联系上不足 2 小时，请换个时间再打：" in r.json()["error"]["message"]
    (task,) = city.client.get("/api/v1/feedback/followups",
                              headers=city.headers("followup")).json()["items"]
    assert task["attempts"] == 1 and task["next_call_at"] is not None
    page_login(city.client, "followup")
    queue = city.client.get("/staff/followup").text
    assert "data-next-call" in queue
    assert re.search(r"<dt>再次拨打</dt><dd>\d\d-\d\d \d\d:\d\d 以后</dd>", queue)
    page = city.client.get(f"/staff/appeals/{a['id']}").text
    assert page.count("data-next-call") == 1
    assert "以后；如已联系上，可随时记录回访结果" in page and "此前联系上了" not in page
    english = city.client.get(f"/staff/appeals/{a['id']}?lang=en").text
    assert "if you have reached them, record the result at any time" in english
    # reaching the requester is never held back
    done = city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
                    satisfaction="satisfied")
    assert done["status"] == "closed"


def test_the_queue_says_whom_the_agent_calls_beside_the_number(city: City) -> None:
    """The queue named the requester only when there was no phone; the agent calling wants
    both. A requester who gave no name shows the number alone."""
    named = replied(city)  # 张三, 13812345678
    anonymous = city.register(requester_name="", requester_phone="13900001111")
    city.act("dispatcher", anonymous["id"], "dispatch", unit_id=city.unit_ids["D1S1"])
    city.act("handler_s1", anonymous["id"], "sign")
    city.act("handler_s1", anonymous["id"], "reply", text="已处理", claim="solved")
    page_login(city.client, "followup")
    queue = city.client.get("/staff/followup").text
    items = {m.group(1): m.group(2) for m in re.finditer(
        r'data-code="([^"]+)"(.*?)</li>', queue, re.S)}
    first, second = items[named["code"]], items[anonymous["code"]]
    assert "<dt>诉求人</dt><dd>张三</dd>" in first and 'href="tel:13812345678"' in first
    assert "data-requester" not in second and 'href="tel:13900001111"' in second


def test_the_follow_up_spacing_can_be_turned_off(city: City, runtime: Runtime) -> None:
    runtime.rules.settings = runtime.settings.model_copy(update={"followup_retry_minutes": 0})
    runtime.rules.invalidate()
    a = replied(city)
    for _ in range(3):
        city.act("followup", a["id"], "follow_up", reached=False)
    assert city.client.get(f"/api/v1/appeals/{a['id']}",
                           headers=city.headers("followup")).json()["status"] == "closed"


def _closed_days_ago(city: City, appeal_id: int, days: float) -> None:
    with city.runtime.db.uow() as uow:
        uow.session.execute(update(AppealRow).where(AppealRow.id == appeal_id)
                            .values(closed_at=utcnow() - timedelta(days=days)))
        uow.commit()


def test_a_rating_after_the_rating_window_is_refused(city: City) -> None:
    """JIESU_RATING_WINDOW_DAYS (7) is the time a requester has to rate a closed appeal: with no
    default rating configured a 2-star rating five weeks after closing was accepted, opened a
    rectification that day and counted in this month's statistics."""
    late, in_time = closed(city), closed(city)
    _closed_days_ago(city, late["id"], 35)
    _closed_days_ago(city, in_time["id"], 6)
    r = city.client.post("/api/v1/feedback/ratings",
                         json={"appeal_code": late["code"], "phone": PHONE, "stars": 2})
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["code"] == "illegal_transition"
    assert err["message"].startswith("评价期限已过：办结后 7 天内可评价（截至 "), err
    supervisor = city.headers("supervisor")
    assert city.client.get("/api/v1/feedback/ratings", headers=supervisor).json() == []
    assert city.client.get("/api/v1/feedback/rectifications", headers=supervisor).json() == []
    month = utcnow().astimezone(city.runtime.settings.tz).strftime("%Y-%m")
    stats = {s["unit_name"]: s for s in
             city.client.get("/api/v1/stats/ratings", params={"period": month}).json()}
    assert stats.get("东华门街道", {}).get("ratings", 0) == 0
    ok = city.client.post("/api/v1/feedback/ratings",
                          json={"appeal_code": in_time["code"], "phone": PHONE, "stars": 2})
    assert ok.status_code == 201, ok.text

    # /track: no form that can only refuse, but until when it could be rated
    c = city.client
    c.post("/track", data={"code": late["code"], "phone": PHONE,
                           "csrf_token": _token(c, "/track")})
    page = c.get(f"/track/{late['code']}").text
    assert f'action="/track/{late["code"]}/rate"' not in page
    over = re.search(r"<section[^>]*data-rate-over.*?</section>", page, re.S)
    ends = (utcnow() - timedelta(days=28)).astimezone(city.runtime.settings.tz)
    assert over and "评价期限已过" in over.group(0)
    assert ends.strftime("%Y-%m-%d") in over.group(0)
    posted = c.post(f"/track/{late['code']}/rate",
                    data={"csrf_token": _token(c, "/track"), "stars": "2"})
    assert "评价期限已过" in posted.text
    assert city.client.get("/api/v1/feedback/ratings", headers=supervisor).json()[0][
        "appeal_id"] == in_time["id"]
    assert len(city.client.get("/api/v1/feedback/ratings", headers=supervisor).json()) == 1

    # the form within the window says until when
    fresh = closed(city)
    c.post("/track", data={"code": fresh["code"], "phone": PHONE,
                           "csrf_token": _token(c, "/track")})
    page = c.get(f"/track/{fresh['code']}").text
    assert f'action="/track/{fresh["code"]}/rate"' in page and "data-rate-ends" in page


def test_the_default_rating_is_still_given_after_the_window(city: City,
                                                            runtime: Runtime) -> None:
    a = closed(city)
    on = runtime.settings.model_copy(update={"rating_default_stars": 4})
    svc = FeedbackService(runtime.db, runtime.rules, on)
    later = utcnow() + timedelta(days=7, minutes=1)
    assert svc.apply_default_ratings(later) == 1
    ratings = city.client.get("/api/v1/feedback/ratings", headers=city.headers("analyst")).json()
    assert [(x["appeal_id"], x["source"]) for x in ratings] == [(a["id"], "default")]


def _pending_service_item_appeal(city: City, code: str) -> tuple[int, int]:
    """A bad rating of a service item (no appeal, so no appeal version to check) and the
    pending 申诉 against it: (rating id, 申诉 id)."""
    item = city.client.post("/api/v1/feedback/service-items",
                            json={"unit_code": "W", "code": code, "name": f"供水报装 {code}"},
                            headers=city.headers("admin")).json()["id"]
    rating_id = city.client.post("/api/v1/feedback/ratings",
                                 json={"service_item_id": item, "phone": PHONE, "stars": 1}
                                 ).json()["rating_id"]
    filed = city.client.post(f"/api/v1/feedback/ratings/{rating_id}/appeal",
                             json={"reason": "与本单位服务无关"}, headers=city.headers("admin"))
    assert filed.status_code == 201, filed.text
    return rating_id, filed.json()["id"]


def _decision(city: City, rating_id: int, ra_id: int) -> tuple[str, str | None, bool, str]:
    ra = next(x for x in city.client.get("/api/v1/feedback/rating-appeals",
                                         headers=city.headers("supervisor")).json()
              if x["id"] == ra_id)
    rating = next(x for x in city.client.get("/api/v1/feedback/ratings",
                                             headers=city.headers("supervisor")).json()
                  if x["id"] == rating_id)
    rect = next(x for x in city.client.get("/api/v1/feedback/rectifications",
                                           headers=city.headers("supervisor")).json()
                if x["rating_id"] == rating_id)
    return ra["status"], ra.get("decision_reason"), rating["excluded"], rect["status"]


def test_two_reviewers_deciding_one_rating_appeal_at_once(city: City, runtime: Runtime) -> None:
    """Uphold and deny the same pending 申诉 at the same moment from two app instances: one
    wins, the other gets 409 with a Chinese message, and the outcome is the winner's alone."""
    from fastapi.testclient import TestClient as Client

    from tests.support.concurrency import app_clients

    headers = city.headers("supervisor")
    bodies = [{"uphold": True, "reason": "经调查属恶意差评"},
              {"uphold": False, "reason": "未发现恶意"}]
    with app_clients(runtime) as (c1, c2):
        for n in range(4):
            rating_id, ra_id = _pending_service_item_appeal(city, f"W-R{n}")
            barrier = threading.Barrier(2)
            results: list[Any] = [None, None]

            def run(i: int, client: Client, ra_id: int = ra_id,
                    barrier: threading.Barrier = barrier, results: list[Any] = results) -> None:
                barrier.wait(timeout=30)
                results[i] = client.post(f"/api/v1/feedback/rating-appeals/{ra_id}/decide",
                                         json=bodies[i], headers=headers)

            threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate((c1, c2))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            assert sorted(r.status_code for r in results) == [200, 409], [
                (r.status_code, r.text) for r in results]
            win = next(i for i, r in enumerate(results) if r.status_code == 200)
            err = results[1 - win].json()["error"]
            assert err["code"] in ("conflict", "illegal_transition") and "申诉已" in err["message"]
            upheld = bodies[win]["uphold"]
            assert _decision(city, rating_id, ra_id) == (
                "upheld" if upheld else "rejected", bodies[win]["reason"], upheld,
                "cancelled" if upheld else "open")


def test_overlapping_rating_appeal_decisions_the_second_gets_409(city: City,
                                                                  runtime: Runtime) -> None:
    """Both reviewers have read the 申诉 as pending before either writes: the conditional
    update lets one decide, the other gets 409 and changes nothing."""
    if runtime.db.dialect == "sqlite":
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE: two writers cannot overlap "
                    "(covered by the HTTP race above)")
    from jiesu.domain import rating as rules_rating
    from jiesu.domain.appeal import Role
    from jiesu.services.feedback import Conflict

    svc = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    users = [u for u in (runtime.auth.user(i) for i in range(1, 60)) if u is not None]
    reviewers = [next(u for u in users if u.role == Role.SUPERVISOR).actor(),
                 next(u for u in users if u.role == Role.ADMIN).actor()]
    original = rules_rating.RatingAppeal.decide
    barrier = threading.Barrier(2)

    def decide_then_wait(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        barrier.wait(timeout=30)  # both have read it pending by now

    rules_rating.RatingAppeal.decide = decide_then_wait  # type: ignore[method-assign]
    try:
        for n in range(3):
            rating_id, ra_id = _pending_service_item_appeal(city, f"W-O{n}")
            barrier.reset()
            outcome: dict[bool, object] = {}

            def run(uphold: bool, actor: Any, ra_id: int = ra_id,
                    outcome: dict[bool, object] = outcome) -> None:
                try:
                    outcome[uphold] = svc.decide_rating_appeal(
                        actor, ra_id, uphold, "维持" if not uphold else "恶意差评", utcnow())
                except Exception as exc:  # noqa: BLE001 - checked below
                    outcome[uphold] = exc

            threads = [threading.Thread(target=run, args=(True, reviewers[0])),
                       threading.Thread(target=run, args=(False, reviewers[1]))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            errors = [v for v in outcome.values() if isinstance(v, Exception)]
            wins = [k for k, v in outcome.items() if not isinstance(v, Exception)]
            assert len(wins) == 1 and len(errors) == 1, outcome
            assert isinstance(errors[0], Conflict) and errors[0].http_status == 409, errors
            upheld = wins[0]
            assert _decision(city, rating_id, ra_id) == (
                "upheld" if upheld else "rejected", "恶意差评" if upheld else "维持", upheld,
                "cancelled" if upheld else "open")
    finally:
        rules_rating.RatingAppeal.decide = original  # type: ignore[method-assign]


@pytest.mark.parametrize("again", ["follow_up", "send_back"])
def test_a_survey_link_answers_only_the_reply_it_was_sent_for(city: City, again: str) -> None:
    """The questionnaire texted after the first reply is not answered by phone; the call-back
    (回访 by phone, dissatisfied: 重办) or the dispatcher (退回重新答复) sends the appeal back and
    the unit replies again. The old link, still within its days, speaks of the first reply:
    it neither shows the new reply nor closes the appeal and rates the unit in its name before
    the requester has been asked about it. The new round's follow-up is still to do."""
    a = replied(city)
    r = city.client.post(f"/api/v1/feedback/followups/{a['id']}/survey",
                         headers=city.headers("followup"))
    assert r.status_code == 201, r.text
    url, page = r.json()["url"], f"/survey/{r.json()['token']}"
    if again == "follow_up":
        city.act("followup", a["id"], "follow_up", reached=True, resolved="no",
                 satisfaction="dissatisfied")
    else:
        city.act("dispatcher", a["id"], "send_back", note="答复未说明更换时间")
    stale = city.client.get(url)
    assert stale.status_code == 409 and "重新办理" in stale.json()["error"]["message"]
    city.act("handler_s1", a["id"], "reply", text="路灯已于周二重新更换", claim="solved")
    info = city.client.get(url)
    assert info.status_code == 409 and "重新办理" in info.json()["error"]["message"]
    assert "路灯已于周二重新更换" not in city.client.get(page).text
    done = city.client.post(url, json={"resolved": "yes", "satisfaction": "satisfied",
                                       "stars": 5})
    assert done.status_code == 409 and "重新办理" in done.json()["error"]["message"]
    body = city.client.get(f"/api/v1/appeals/{a['id']}", headers=city.headers("dispatcher")).json()
    assert body["status"] == "replied"
    assert "rated" not in {e["type"] for e in body["events"]}
    # a link sent for the new reply is answered
    r = city.client.post(f"/api/v1/feedback/followups/{a['id']}/survey",
                         headers=city.headers("followup"))
    done = city.client.post(r.json()["url"], json={"resolved": "yes",
                                                   "satisfaction": "satisfied"})
    assert done.status_code == 200 and done.json()["status"] == "closed"
