"""The 差评整改 pages driven through their forms as the people who use them: the unit reports
its rectification and appeals a malicious rating, the follow-up agent asks the requester, the
supervisor publishes and decides, and the public 整改公示 shows the result redacted
(SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from jiesu.config import Settings
from jiesu.services.clock import utcnow
from tests.integration.test_form_fuzz import _hammer
from tests.integration.test_web_pages import _login, _token
from tests.support.city import City

PAGE = "/staff/rectifications"
PHONE = "13911112222"
NAME = "王小明"
COMMENT = "敷衍了事，我叫王小明，电话13911112222，路灯还是不亮"


def _bad_rating(city: City, *, stars: int = 2, **appeal: Any) -> dict[str, Any]:
    """An appeal of 东华门街道 closed after its follow-up, rated badly by its requester: the
    appeal, and the rating's and rectification's ids."""
    body = {"content": f"我是{NAME}，电话{PHONE}，小区门口的路灯坏了一个多月",
            "requester_name": NAME, "requester_phone": PHONE} | appeal
    a = city.register(**body)
    city.act("dispatcher", a["id"], "dispatch", unit_id=city.unit_ids["D1S1"])
    city.act("handler_s1", a["id"], "sign")
    city.act("handler_s1", a["id"], "reply", text="路灯已更换", claim="solved")
    city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
             satisfaction="satisfied")
    r = city.client.post("/api/v1/feedback/ratings", json={
        "appeal_code": a["code"], "phone": PHONE, "stars": stars, "comment": COMMENT})
    assert r.status_code == 201, r.text
    return a | r.json()


def _advance(city: City, rect: int, *, publish: bool = False) -> None:
    """Take a rectification through the unit's report and a satisfied 整改回访 (and 公示)."""
    steps = [("handler_s1", "report", {"report": "已整改到位"}),
             ("followup", "follow-up", {"satisfied": True})]
    if publish:
        steps.append(("supervisor", "publish", None))
    for user, step, body in steps:
        r = city.client.post(f"/api/v1/feedback/rectifications/{rect}/{step}", json=body,
                             headers=city.headers(user))
        assert r.status_code == 200, r.text


def _as(c: TestClient, username: str) -> None:
    c.cookies.clear()
    _login(c, username)


def _post(c: TestClient, path: str, **data: str) -> str:
    """Submit a form of the page as the signed-in user; the page it lands on."""
    r = c.post(path, data={"csrf_token": _token(c, PAGE), "back": PAGE} | data,
               follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:500])
    return c.get(r.headers["location"]).text


def _flash(html: str) -> list[tuple[str, str]]:
    return re.findall(r'class="flash flash-(\w+)"[^>]*>([^<]*)<', html)


def _rect(city: City, rect_id: int) -> dict[str, Any]:
    rows = city.client.get("/api/v1/feedback/rectifications",
                           headers=city.headers("supervisor")).json()
    return next(r for r in rows if r["id"] == rect_id)


def _item(html: str, attr: str, ident: int) -> str:
    m = re.search(rf'<li class="work-item[^"]*" {attr}="{ident}".*?</li>', html, re.S)
    assert m, f"{attr}={ident} not listed"
    return m.group(0)


def test_the_unit_reports_and_the_supervisor_publishes(city: City) -> None:
    made = _bad_rating(city)
    rect = made["rectification_id"]
    report_url = f"{PAGE}/{rect}/report"
    c = city.client
    _as(c, "handler_s1")
    assert f'href="{PAGE}"' in c.get("/staff/inbox").text  # in the handler's navigation
    page = c.get(PAGE).text
    item = _item(page, "data-rect", rect)
    assert made["code"] in item and f'/staff/appeals/{made["id"]}' in item
    assert COMMENT in item  # the requester's words, as written
    assert "★★☆☆☆" in item and "不满意" in item and "整改时限" in item
    assert f'action="{report_url}"' in item
    # an empty report is refused in Chinese and changes nothing
    landed = _post(c, report_url, report="  ")
    assert ("error", "请填写整改情况") in _flash(landed)
    assert _rect(city, rect)["status"] == "open"

    # another district's handler neither sees it nor can act on it
    _as(c, "handler_d2")
    assert made["code"] not in c.get(PAGE).text
    assert made["code"] not in c.get(PAGE, params={"tab": "ratings"}).text
    for path, field in ((report_url, "report"),
                        (f"{PAGE}/ratings/{made['rating_id']}/appeal", "reason")):
        r = c.post(path, data={"csrf_token": _token(c, PAGE), field: "不是我们的"},
                   follow_redirects=False)
        assert r.status_code == 403 and "text/html" in r.headers["content-type"]
    assert _rect(city, rect)["status"] == "open"
    assert c.post(f"{PAGE}/99999/report", data={"csrf_token": _token(c, PAGE),
                                               "report": "x"}).status_code == 404
    # the district above the street sees it (the unit subtree)
    _as(c, "handler_d1")
    assert made["code"] in c.get(PAGE).text

    _as(c, "handler_s1")
    landed = _post(c, report_url, report=f"已上门向{NAME}致歉（{PHONE}），路灯已全部更换。")
    assert ("ok", "已提交整改报告，等待回访") in _flash(landed)
    assert "data-report-form" not in _item(landed, "data-rect", rect)
    assert _rect(city, rect)["status"] == "reported"

    # the supervisor watches, but the follow-up is the follow-up agent's (services/feedback.py)
    _as(c, "supervisor")
    waiting = _item(c.get(PAGE, params={"tab": "reported"}).text, "data-rect", rect)
    assert "data-follow-up-form" not in waiting and "等待回访员回访诉求人" in waiting
    assert c.post(f"{PAGE}/{rect}/follow-up", data={"csrf_token": _token(c, PAGE),
                                                   "satisfied": "yes"}).status_code == 403
    _as(c, "followup")
    assert f'href="{PAGE}?tab=reported"' in c.get("/staff/followup").text
    assert "data-follow-up-form" in _item(c.get(PAGE).text, "data-rect", rect)
    landed = _post(c, f"{PAGE}/{rect}/follow-up", satisfied="")
    assert ("error", "请选择诉求人对整改是否满意") in _flash(landed)
    landed = _post(c, f"{PAGE}/{rect}/follow-up", satisfied="yes", note="诉求人表示满意")
    assert ("ok", "已记录：诉求人对整改满意，等待公示") in _flash(landed)
    assert _rect(city, rect)["status"] == "verified"

    _as(c, "supervisor")
    tabs = c.get(PAGE).text
    assert re.search(r'tab=verified"[^>]*>待公示 <span class="badge">1</span>', tabs)
    ready = _item(c.get(PAGE, params={"tab": "verified"}).text, "data-rect", rect)
    assert 'data-confirm="publish"' in ready and f'action="{PAGE}/{rect}/publish"' in ready
    landed = _post(c, f"{PAGE}/{rect}/publish")
    assert ("ok", "整改结果已公示") in _flash(landed)
    assert _rect(city, rect)["status"] == "published"
    assert made["code"] in c.get(PAGE, params={"tab": "published"}).text

    # the public page: the problem, the report and the result, without name or phone
    c.cookies.clear()
    assert 'href="/board/rectifications"' in c.get("/").text
    assert 'href="/board/rectifications"' in c.get("/board").text
    public = c.get("/board/rectifications")
    assert public.status_code == 200
    assert made["code"] in public.text and "路灯已全部更换" in public.text
    assert "小区门口的路灯坏了" in public.text and "东华门街道" in public.text
    assert "诉求人对整改满意" in public.text
    for secret in (PHONE, NAME, "敷衍了事"):  # nor the rater's comment
        assert secret not in public.text
    english = c.get("/board/rectifications", params={"lang": "en"}).text
    assert "Rectification results" in english and "What was done" in english


def test_a_unit_appeals_a_malicious_rating_and_the_supervisor_upholds_it(city: City) -> None:
    made = _bad_rating(city, stars=1)
    rating, rect = made["rating_id"], made["rectification_id"]
    appeal_url = f"{PAGE}/ratings/{rating}/appeal"
    c = city.client
    _as(c, "handler_s1")
    item = _item(c.get(PAGE, params={"tab": "ratings"}).text, "data-rating", rating)
    assert COMMENT in item and "非常不满意" in item and f'action="{appeal_url}"' in item
    landed = _post(c, appeal_url, reason="")
    assert ("error", "请填写申诉理由") in _flash(landed)
    reviews = city.client.get("/api/v1/feedback/rating-appeals",
                              headers=city.headers("supervisor")).json()
    assert reviews == []
    landed = _post(c, appeal_url, back=f"{PAGE}?tab=ratings",
                   reason="诉求人与本案无关，系报复性评价")
    assert ("ok", "已提交申诉，等待审核") in _flash(landed)
    item = _item(landed, "data-rating", rating)
    assert "待审核" in item and f'action="{appeal_url}"' not in item  # appealed once

    _as(c, "supervisor")
    page = c.get(PAGE, params={"tab": "appeals"}).text
    assert page.count("data-rating-appeal=") == 1
    m = re.search(r'<li class="work-item" data-rating-appeal="(\d+)".*?</li>', page, re.S)
    assert m
    ra_id, item = m.group(1), m.group(0)
    assert "系报复性评价" in item and COMMENT in item and made["code"] in item
    decide = f"{PAGE}/rating-appeals/{ra_id}/decide"
    landed = _post(c, decide, uphold="yes", reason=" ")
    assert ("error", "请填写审核意见") in _flash(landed)
    assert _rect(city, rect)["status"] == "open"
    landed = _post(c, decide, uphold="yes", reason="经调查属恶意差评")
    assert ("ok", "申诉成立，该评价已剔除") in _flash(landed)
    assert "data-rating-appeal" not in landed  # nothing pending any more

    # excluded: kept with the reason, its rectification cancelled, counted nowhere
    ratings = c.get("/api/v1/feedback/ratings", headers=city.headers("supervisor")).json()
    row = next(r for r in ratings if r["id"] == rating)
    assert row["excluded"] is True and row["excluded_reason"] == "经调查属恶意差评"
    assert _rect(city, rect)["status"] == "cancelled"
    month = utcnow().astimezone(city.runtime.settings.tz).strftime("%Y-%m")
    stats = {s["unit_name"]: s for s in
             c.get("/api/v1/stats/ratings", params={"period": month}).json()}
    assert (stats["东华门街道"]["ratings"], stats["东华门街道"]["bad"]) == (0, 0)
    _as(c, "handler_s1")
    item = _item(c.get(PAGE, params={"tab": "ratings"}).text, "data-rating", rating)
    assert "已剔除" in item and "申诉成立" in item and "经调查属恶意差评" in item
    assert "已撤销" in _item(c.get(PAGE).text, "data-rect", rect)


def test_a_denied_appeal_cannot_be_filed_again_from_the_page(city: City) -> None:
    made = _bad_rating(city, stars=1)
    rating = made["rating_id"]
    appeal_url = f"{PAGE}/ratings/{rating}/appeal"
    c = city.client
    _as(c, "handler_s1")
    landed = _post(c, appeal_url, back=f"{PAGE}?tab=ratings", reason="系报复性评价")
    assert ("ok", "已提交申诉，等待审核") in _flash(landed)
    _as(c, "supervisor")
    m = re.search(r'data-rating-appeal="(\d+)"', c.get(PAGE, params={"tab": "appeals"}).text)
    assert m
    landed = _post(c, f"{PAGE}/rating-appeals/{m.group(1)}/decide", uphold="no",
                   reason="经核实不属恶意差评")
    assert ("ok", "已驳回申诉，该评价保留") in _flash(landed)

    _as(c, "handler_s1")
    item = _item(c.get(PAGE, params={"tab": "ratings"}).text, "data-rating", rating)
    assert "申诉驳回" in item and f'action="{appeal_url}"' not in item  # no second form
    # a second 申诉 posted anyway (an old tab, a crafted form) is refused in Chinese
    landed = _post(c, appeal_url, back=f"{PAGE}?tab=ratings", reason="再次申诉")
    assert ("error", "该评价已申诉过且申诉已被驳回，每条评价只能申诉一次") in _flash(landed)
    reviews = city.client.get("/api/v1/feedback/rating-appeals",
                              headers=city.headers("supervisor")).json()
    assert [r["status"] for r in reviews if r["rating_id"] == rating] == ["rejected"]


def test_the_published_tab_lists_the_latest_publication_first(city: City) -> None:
    made = [_bad_rating(city)["rectification_id"] for _ in range(3)]  # deadlines in this order
    for rect in made:
        _advance(city, rect)
    published = [made[1], made[2], made[0]]
    for rect in published:
        r = city.client.post(f"/api/v1/feedback/rectifications/{rect}/publish",
                             headers=city.headers("supervisor"))
        assert r.status_code == 200, r.text
    c = city.client
    _as(c, "supervisor")
    listed = re.findall(r'data-rect="(\d+)"', c.get(PAGE, params={"tab": "published"}).text)
    assert [int(x) for x in listed] == published[::-1]
    # the tabs of work to do keep the earliest deadline first
    again = [_bad_rating(city)["rectification_id"] for _ in range(2)]
    listed = re.findall(r'data-rect="(\d+)"', c.get(PAGE, params={"tab": "open"}).text)
    assert [int(x) for x in listed] == again


def test_reports_and_confidential_appeals_are_never_published(city: City) -> None:
    hidden = [_bad_rating(city, confidential=True), _bad_rating(city, kind="report")]
    for made in hidden:
        rect = made["rectification_id"]
        _advance(city, rect, publish=True)
    public = city.client.get("/board/rectifications").text
    assert "暂无公示的整改结果" in public
    assert not any(made["code"] in public for made in hidden)
    # the open API says the same as the page (it used to list both, with the report as written)
    assert city.client.get("/api/v1/stats/rectifications/published").json() == []


def test_no_appeal_once_the_rectification_is_published(city: City) -> None:
    """A unit could appeal a rating after its rectification was published (整改公示); upheld,
    the 申诉 excluded a rating the public had seen corrected. Now the 申诉 is refused with
    409 on the API and a message on the page, whose card offers no form, and nothing changes."""
    made = _bad_rating(city, stars=1)
    rating, rect = made["rating_id"], made["rectification_id"]
    _advance(city, rect, publish=True)
    filed = city.client.post(f"/api/v1/feedback/ratings/{rating}/appeal",
                             json={"reason": "诉求人与商户有纠纷，系恶意差评"},
                             headers=city.headers("handler_s1"))
    assert filed.status_code == 409, filed.text
    assert filed.json()["error"] == {"code": "illegal_transition",
                                     "message": "整改结果已公示，不能再对该评价提出申诉"}
    appeal_url = f"{PAGE}/ratings/{rating}/appeal"
    c = city.client
    _as(c, "handler_s1")
    item = _item(c.get(PAGE, params={"tab": "ratings"}).text, "data-rating", rating)
    assert "data-appeal-closed" in item and "整改结果已公示，不能再申诉" in item
    assert f'action="{appeal_url}"' not in item
    # a form posted anyway (an old tab) is refused in Chinese
    landed = _post(c, appeal_url, back=f"{PAGE}?tab=ratings", reason="系报复性评价")
    assert ("error", "整改结果已公示，不能再对该评价提出申诉") in _flash(landed)
    assert city.client.get("/api/v1/feedback/rating-appeals",
                           headers=city.headers("supervisor")).json() == []
    assert _rect(city, rect)["status"] == "published"
    assert made["code"] in city.client.get("/board/rectifications").text
    english = _item(c.get(PAGE, params={"tab": "ratings", "lang": "en"}).text, "data-rating",
                    rating)
    assert "The rectification result is published: no appeal any more" in english
    # a bad rating whose rectification is not published yet keeps its form
    other = _bad_rating(city)
    _advance(city, other["rectification_id"])
    item = _item(c.get(PAGE, params={"tab": "ratings"}).text, "data-rating", other["rating_id"])
    assert f'action="{PAGE}/ratings/{other["rating_id"]}/appeal"' in item
    assert "data-appeal-closed" not in item


def test_a_service_item_s_cards_name_the_item(city: City) -> None:
    """A bad rating of a service item (the QR code at a window) opened a 整改 whose cards said
    only 服务事项评价: the unit could not tell which of its windows to put right. The cards
    of 本单位整改, 差评申诉 and the supervisor's 评价申诉 now name the item."""
    item = city.client.post("/api/v1/feedback/service-items",
                            json={"unit_code": "D1S1", "code": "D1S1-HJ", "name": "户籍办理窗口"},
                            headers=city.headers("admin")).json()["id"]
    r = city.client.post("/api/v1/feedback/ratings",
                         json={"service_item_id": item, "phone": PHONE, "stars": 2})
    assert r.status_code == 201, r.text
    rating, rect = r.json()["rating_id"], r.json()["rectification_id"]
    c = city.client
    _as(c, "handler_s1")
    card = _item(c.get(PAGE).text, "data-rect", rect)
    assert "服务事项评价" in card and '<p class="row-text">户籍办理窗口</p>' in card, card
    card = _item(c.get(PAGE, params={"tab": "ratings"}).text, "data-rating", rating)
    assert '<p class="row-text">户籍办理窗口</p>' in card, card
    _post(c, f"{PAGE}/ratings/{rating}/appeal", back=f"{PAGE}?tab=ratings",
          reason="该号码当天未到窗口办理业务")
    _as(c, "supervisor")
    page = c.get(PAGE, params={"tab": "appeals"}).text
    card = re.search(r'<li class="work-item" data-rating-appeal="\d+">.*?</li>', page, re.S)
    assert card and '<p class="row-text">户籍办理窗口</p>' in card.group(0), page


def test_the_board_page_of_a_badly_rated_appeal_shows_its_published_rectification(
        city: City) -> None:
    """/board/{code} showed the 非常不满意 and nothing of what the unit did about it, while
    整改公示 linked to that page: once published, the report and the result are on it too,
    redacted as on 整改公示; before publication they are not."""
    made = _bad_rating(city, stars=1)
    rect = made["rectification_id"]
    item = f"/board/{made['code']}"
    _advance(city, rect)
    page = city.client.get(item).text
    assert "非常不满意" in page and "data-rectified" not in page
    r = city.client.post(f"/api/v1/feedback/rectifications/{rect}/publish",
                         headers=city.headers("supervisor"))
    assert r.status_code == 200, r.text
    page = city.client.get(item).text
    shown = re.search(r"<div data-rectified>.*?</div>", page, re.S)
    assert shown, page
    assert "整改情况" in shown.group(0) and "已整改到位" in shown.group(0)
    assert "诉求人对整改满意" in shown.group(0) and 'href="/board/rectifications"' in shown.group(0)
    for secret in (PHONE, NAME, "敷衍了事"):
        assert secret not in page
    english = city.client.get(item, params={"lang": "en"}).text
    assert "What was done" in english and "Rectification results" in english


def test_a_rating_excluded_after_publication_leaves_the_public_page(city: City) -> None:
    """An excluded rating counts nowhere (DESIGN §5). A 申诉 can no longer be filed after 公示,
    but one filed so by an earlier version may still wait: upheld, the published rectification
    leaves 整改公示 and the open API, and the staff's 已公示 tab keeps it."""
    from jiesu.store.feedback_tables import RatingAppealRow

    kept, excluded = _bad_rating(city), _bad_rating(city, stars=1)
    for made in (kept, excluded):
        _advance(city, made["rectification_id"], publish=True)
    with city.runtime.db.uow() as uow:  # as an earlier version filed it, after publication
        row = RatingAppealRow(rating_id=excluded["rating_id"], unit_id=city.unit_ids["D1S1"],
                              reason="诉求人与商户有纠纷，系恶意差评", status="pending",
                              requested_at=utcnow())
        uow.session.add(row)
        uow.session.flush()
        ra_id = row.id
        uow.commit()
    d = city.client.post(f"/api/v1/feedback/rating-appeals/{ra_id}/decide",
                         json={"uphold": True, "reason": "经核实属恶意差评"},
                         headers=city.headers("supervisor"))
    assert d.json()["status"] == "upheld"
    assert _rect(city, excluded["rectification_id"])["status"] == "published"
    public = city.client.get("/board/rectifications").text
    assert kept["code"] in public and excluded["code"] not in public
    assert "共 1 条" in public
    assert "data-rectified" in city.client.get(f"/board/{kept['code']}").text
    assert "data-rectified" not in city.client.get(f"/board/{excluded['code']}").text
    items = city.client.get("/api/v1/stats/rectifications/published").json()
    assert [i["code"] for i in items] == [kept["code"]]
    # the staff's record of what was done keeps it
    _as(city.client, "supervisor")
    listed = re.findall(r'data-rect="(\d+)"',
                        city.client.get(PAGE, params={"tab": "published"}).text)
    assert sorted(int(x) for x in listed) == sorted(
        m["rectification_id"] for m in (kept, excluded))


def test_no_publication_while_a_rating_appeal_is_pending(city: City) -> None:
    """A rectification was published (整改公示) while a 申诉 against its rating waited for
    review, and its card did not say so: the public saw a 差评 the review might exclude."""
    made = _bad_rating(city)
    rect = made["rectification_id"]
    _advance(city, rect)
    filed = city.client.post(f"/api/v1/feedback/ratings/{made['rating_id']}/appeal",
                             json={"reason": "诉求人与商户有纠纷，系恶意差评"},
                             headers=city.headers("handler_s1"))
    assert filed.status_code == 201, filed.text
    assert _rect(city, rect)["rating_appeal_pending"] is True
    pub = city.client.post(f"/api/v1/feedback/rectifications/{rect}/publish",
                           headers=city.headers("supervisor"))
    assert pub.status_code == 409, pub.text
    assert "申诉正在审核中" in pub.json()["error"]["message"]
    assert _rect(city, rect)["status"] == "verified"
    assert made["code"] not in city.client.get("/board/rectifications").text
    # the card says why there is no 公示 form, and a form posted anyway changes nothing
    _as(city.client, "supervisor")
    card = _item(city.client.get(PAGE, params={"tab": "verified"}).text, "data-rect", rect)
    assert "申诉审核中" in card and "data-appeal-pending" in card
    assert f"/staff/rectifications/{rect}/publish" not in card
    page = _post(city.client, f"{PAGE}/{rect}/publish")
    assert any("申诉正在审核中" in text for _, text in _flash(page)), _flash(page)
    assert _rect(city, rect)["status"] == "verified"
    # denied: the rating stays and its rectification can be published
    d = city.client.post(f"/api/v1/feedback/rating-appeals/{filed.json()['id']}/decide",
                         json={"uphold": False, "reason": "未发现恶意"},
                         headers=city.headers("supervisor"))
    assert d.json()["status"] == "rejected"
    card = _item(city.client.get(PAGE, params={"tab": "verified"}).text, "data-rect", rect)
    assert "申诉审核中" not in card and f"/staff/rectifications/{rect}/publish" in card
    assert _rect(city, rect)["rating_appeal_pending"] is False
    pub = city.client.post(f"/api/v1/feedback/rectifications/{rect}/publish",
                           headers=city.headers("supervisor"))
    assert pub.status_code == 200 and pub.json()["status"] == "published", pub.text


def test_the_open_api_publishes_what_the_page_shows(city: City) -> None:
    made = _bad_rating(city)
    rect = made["rectification_id"]
    report = "已约谈承办人王小明（电话13911112222）并上门致歉，路灯已全部更换"
    for user, step, body in (("handler_s1", "report", {"report": report}),
                             ("followup", "follow-up", {"satisfied": True}),
                             ("supervisor", "publish", None)):
        r = city.client.post(f"/api/v1/feedback/rectifications/{rect}/{step}", json=body,
                             headers=city.headers(user))
        assert r.status_code == 200, r.text
    [item] = city.client.get("/api/v1/stats/rectifications/published").json()
    assert item["code"] == made["code"] and item["stars_zh"] == "不满意"
    assert "13911112222" not in item["report"] and "路灯已全部更换" in item["report"]
    assert "13911112222" not in str(item) and COMMENT not in str(item)


def test_the_pages_forms_answer_hostile_input_without_a_server_error(city: City) -> None:
    made = _bad_rating(city)
    city.client.post(f"/api/v1/feedback/ratings/{_bad_rating(city)['rating_id']}/appeal",
                     json={"reason": "恶意差评"}, headers=city.headers("handler_s1"))
    c = city.client
    failures: list[str] = []
    sent = 0
    for user, tabs in (("handler_s1", ("rect", "ratings")), ("admin", ("open", "appeals"))):
        _as(c, user)
        for tab in tabs:
            sent += _hammer(c, f"{PAGE}?tab={tab}", failures)
    rect = made["rectification_id"]
    city.client.post(f"/api/v1/feedback/rectifications/{rect}/report", json={"report": "已整改"},
                     headers=city.headers("handler_s1"))
    _as(c, "followup")
    sent += _hammer(c, f"{PAGE}?tab=reported", failures)
    assert sent > 100 and not failures, failures[:20]


def test_the_english_pages_translate_their_own_words(city: City) -> None:
    _bad_rating(city)
    appealed = _bad_rating(city)
    city.client.post(f"/api/v1/feedback/ratings/{appealed['rating_id']}/appeal",
                     json={"reason": "恶意差评"}, headers=city.headers("handler_s1"))
    c = city.client
    # what is data (names of units and people, what people wrote) or the switch to 中文
    data = (r'<p class="(said|row-text)">.*?</p>|<option[^>]*>[^<]*</option>|<dd>[^<]*</dd>|'
            r'<title>.*?</title>|<span class="(who|brand-text)">.*?</span>|<footer.*?</footer>|'
            r'>中文</a>|<p class="(reply|small)">.*?</p>')
    for user, tabs, words in (
            ("supervisor", ("open", "appeals"), ("Bad ratings", "To rectify", "Follow-up due",
                                                  "To publish", "Rating appeals", "Rectify by",
                                                  "Uphold: exclude the rating")),
            ("handler_s1", ("rect", "ratings"), ("Our rectifications", "Submit the report",
                                                  "Waiting for review", "Appeal"))):
        _as(c, user)
        for tab in tabs:
            page = c.get(PAGE, params={"tab": tab, "lang": "en"}).text
            own = re.sub(data, "", page, flags=re.S)
            assert not re.search(r"[\u4e00-\u9fff]", own), (
                user, tab, re.findall(r".{0,40}[\u4e00-\u9fff]+", own))
        words_seen = " ".join(c.get(PAGE, params={"tab": t, "lang": "en"}).text for t in tabs)
        assert all(w in words_seen for w in words), [w for w in words if w not in words_seen]


def test_the_demo_city_has_a_rectification_at_every_step(empty_db_url: str,
                                                         tmp_path: Path) -> None:
    from rich.console import Console

    from jiesu.demo import build_demo
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.feedback import FeedbackService

    settings = Settings(database_url=empty_db_url, environment="test",
                        model_dir=tmp_path / "models")
    rt = build_demo(settings, appeals=0, out=Console(file=io.StringIO()))
    try:
        boss = Actor(role=Role.SUPERVISOR)
        svc = FeedbackService(rt.db, rt.rules, rt.settings)
        counts = svc.feedback_counts(boss)
        assert counts == {"open": 3, "reported": 1, "verified": 1, "published": 1,
                          "pending_appeals": 1}
        opened, _ = svc.rectification_page(boss, statuses=["open"])
        now = utcnow()
        assert any(r.due_at < now for r in opened) and any(r.due_at > now for r in opened)
        published, total = svc.published_page()
        assert total == 1 and published[0].report
        # service items to rate at a window (/rate/item/{id}), none of them badly
        items = svc.service_items()
        assert sorted(name for _, _, name, _, _ in items) == sorted(
            ["户籍办理窗口", "社保卡补换窗口", "水费缴纳与过户窗口"])
    finally:
        rt.close()
