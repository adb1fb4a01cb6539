"""What a resident meets on the public pages (SQLite and PostgreSQL): the tracking form keeps what
was typed, a tracking link on another device keeps its code, the requester sees what they sent
and how they rated it, the board survives old page links, and the timeline and statistics read
well in English and without the charts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jiesu.web.routes import public as public_routes
from tests.support.city import City, page_login

PHONE = "13600000001"


def _token(client: TestClient, path: str) -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert m, "page has no CSRF field"
    return m.group(1)


def _submit(client: TestClient, **fields: str) -> str:
    data = {"csrf_token": _token(client, "/submit"), "kind": "help",
            "content": "楼道灯不亮，老人上下楼不方便", "requester_phone": PHONE, **fields}
    r = client.post("/submit", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"]).split("/")[2].split("?")[0]


def _input_value(html: str, name: str) -> str:
    m = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert m, f"no input {name}"
    v = re.search(r'value="([^"]*)"', m.group(0))
    return v.group(1) if v else ""


def test_a_wrong_guess_keeps_the_code_and_phone_typed(city: City) -> None:
    code = _submit(city.client)
    with TestClient(city.client.app) as other:
        token = _token(other, "/track")
        wrong = other.post("/track", data={"csrf_token": token, "code": code,
                                           "phone": "136 0000 0009"})
        assert wrong.status_code == 404 and "编号或手机号不正确" in wrong.text
        # and what to do about it: which number to check, whom to call without the code
        assert "请核对提交成功时显示的诉求编号" in wrong.text and "拨打 12345" in wrong.text
        # a mistyped digit is corrected in place, not typed again from the start
        assert _input_value(wrong.text, "code") == code
        assert _input_value(wrong.text, "phone") == "136 0000 0009"
        english = other.post("/track?lang=en", data={"csrf_token": token, "code": code,
                                                     "phone": "136 0000 0009"})
        assert "if you have lost the code, call 12345" in english.text


def test_a_code_typed_with_spaces_or_full_width_digits_is_found(city: City) -> None:
    """Copied from an SMS or typed on a Chinese keyboard, "２０２６ １１２８ ０００１" is the code:
    the phone number was already read this way, the code was refused as wrong."""
    code = _submit(city.client)
    wide = " ".join(code[i:i + 4] for i in range(0, len(code), 4)).translate(
        {ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    with TestClient(city.client.app) as other:
        r = other.post("/track", data={"csrf_token": _token(other, "/track"), "code": wide,
                                       "phone": "１３６ ００００ ０００１"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/track/{code}"


def test_a_tracking_link_on_another_device_keeps_its_code(city: City) -> None:
    code = _submit(city.client)
    with TestClient(city.client.app) as other:
        r = other.get(f"/track/{code}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/track?code={code}"
        form = other.get(r.headers["location"])
        assert _input_value(form.text, "code") == code
        assert "提交诉求时填写的手机号码" in form.text
        token = _token(other, "/track")
        # a form posted from a stale page also comes back to the code, not an empty form
        r = other.post(f"/track/{code}/add_info", data={"csrf_token": token, "text": "补充"},
                       follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/track?code={code}"
        assert other.get("/track?code=<b>x</b>").text.count("<b>x</b>") == 0


def test_the_requester_sees_what_they_sent(city: City) -> None:
    code = _submit(city.client, title="楼道灯坏了", address="东城区东华门街道多福巷社区")
    page = city.client.get(f"/track/{code}")
    assert page.status_code == 200
    assert "楼道灯坏了" in page.text and "东城区东华门街道多福巷社区" in page.text
    assert "提交时间" in page.text
    english = city.client.get(f"/track/{code}?lang=en").text
    assert "Submitted" in english and "Location" in english


def _replied_from_the_web(city: City) -> dict[str, Any]:
    code = _submit(city.client)
    a = city.client.get("/api/v1/appeals?per_page=200", headers=city.headers("dispatcher"))
    assert a.status_code == 200, a.text
    appeal_id = next(i["id"] for i in a.json()["items"] if i["code"] == code)
    city.act("dispatcher", appeal_id, "dispatch", unit_id=city.unit_ids["D1S1"])
    city.act("handler_s1", appeal_id, "sign")
    city.act("handler_s1", appeal_id, "reply", text="已更换灯泡", claim="solved")
    return {"code": code, "id": appeal_id}


def test_the_rating_is_said_in_words_not_only_stars(city: City) -> None:
    a = _replied_from_the_web(city)
    c = city.client
    token = _token(c, f"/track/{a['code']}")
    r = c.post(f"/track/{a['code']}/rate", data={"csrf_token": token, "stars": "2"})
    assert r.status_code == 200 and "感谢您的评价" in r.text
    rating = re.search(r"<p data-rating>(.*?)</p>", r.text, re.S)
    assert rating, r.text[-2000:]
    assert "★★☆☆☆" in rating.group(1) and "不满意" in rating.group(1)
    english = c.get(f"/track/{a['code']}?lang=en").text
    rating = re.search(r"<p data-rating>(.*?)</p>", english, re.S)
    assert rating and "Dissatisfied" in rating.group(1)


def test_the_tracking_page_parses_the_stars_as_the_service_item_page(city: City) -> None:
    """The stars were read with int(): "٤" (an Arabic-Indic four), "+4" or "04" became 4 stars
    here, while the service item's page refused them. Both parse with the domain's
    `parse_stars` now and say the same; nothing is stored."""
    a = _replied_from_the_web(city)
    c = city.client
    token = _token(c, f"/track/{a['code']}")
    for stars in ("٤", "+4", "04", "0", "6"):
        r = c.post(f"/track/{a['code']}/rate", data={"csrf_token": token, "stars": stars})
        assert "评价等级须为 1 到 5 星" in r.text and "感谢您的评价" not in r.text, stars
    # none chosen: the resident is asked to choose, not told of a range
    r = c.post(f"/track/{a['code']}/rate", data={"csrf_token": token, "stars": ""})
    assert r.status_code == 422 and "请选择评价星级" in r.text and "1 到 5 星" not in r.text
    en = c.post(f"/track/{a['code']}/rate?lang=en", data={"csrf_token": token})
    assert "Please choose a star rating" in en.text
    assert city.client.get("/api/v1/feedback/ratings",
                           headers=city.headers("supervisor")).json() == []


def test_the_requester_follows_the_rectification_of_a_bad_rating(city: City) -> None:
    """A bad rating opens a rectification, but the tracking page said only 评价: the requester
    never learnt that the unit had to rectify, nor that it did. The steps show now, without
    the unit's report; the board shows none of them."""
    a = _replied_from_the_web(city)
    c = city.client
    r = c.post(f"/track/{a['code']}/rate", data={
        "csrf_token": _token(c, f"/track/{a['code']}"), "stars": "1", "comment": "没人来修"})
    assert "感谢您的评价" in r.text
    steps = re.findall(r'class="step step-(\w+)"', r.text)
    assert steps[-2:] == ["rated", "rectification_opened"] and "差评已转承办单位整改" in r.text
    [rect] = city.client.get("/api/v1/feedback/rectifications",
                             headers=city.headers("supervisor")).json()
    for user, step, body in (("handler_s1", "report", {"report": "已约谈维修班组，内部文件"}),
                             ("followup", "follow-up", {"satisfied": True}),
                             ("supervisor", "publish", None)):
        done = city.client.post(f"/api/v1/feedback/rectifications/{rect['id']}/{step}",
                                json=body, headers=city.headers(user))
        assert done.status_code == 200, done.text
    page = c.get(f"/track/{a['code']}").text
    assert re.findall(r'class="step step-(\w+)"', page)[-4:] == [
        "rectification_opened", "rectification_reported", "rectification_followed_up",
        "rectification_published"]
    assert "承办单位已提交整改情况" in page and "整改结果已公示" in page
    assert "内部文件" not in page
    # the 整改回访 step says what the requester answered (it was a bare step)
    assert "· 对整改满意" in page and "对整改不满意" not in page
    english = c.get(f"/track/{a['code']}?lang=en").text
    assert "passed to the unit to put right" in english
    assert "satisfied with the rectification" in english
    assert "Rectification published" in english
    c.get(f"/track/{a['code']}?lang=zh")
    board = c.get(f"/board/{a['code']}").text
    assert "step-rectification" not in board


def test_a_rating_excluded_on_appeal_is_still_the_requesters_own(city: City) -> None:
    """Once the unit's 申诉 was upheld the tracking page offered the rating form again, and
    rating answered 您已评价过该诉求: a form that can only fail. The requester sees the rating
    they gave; the board, where an excluded rating counts nowhere, still says 暂无."""
    a = _replied_from_the_web(city)
    c = city.client
    r = c.post(f"/track/{a['code']}/rate", data={
        "csrf_token": _token(c, f"/track/{a['code']}"), "stars": "1"})
    assert "感谢您的评价" in r.text
    [rating] = city.client.get("/api/v1/feedback/ratings",
                               headers=city.headers("supervisor")).json()
    filed = city.client.post(f"/api/v1/feedback/ratings/{rating['id']}/appeal",
                             json={"reason": "恶意差评"}, headers=city.headers("handler_s1"))
    assert filed.status_code == 201, filed.text
    d = city.client.post(f"/api/v1/feedback/rating-appeals/{filed.json()['id']}/decide",
                         json={"uphold": True, "reason": "属实"},
                         headers=city.headers("supervisor"))
    assert d.json()["status"] == "upheld"
    page = c.get(f"/track/{a['code']}").text
    assert f'action="/track/{a["code"]}/rate"' not in page
    mine = re.search(r"<p data-rating>(.*?)</p>", page, re.S)
    assert mine and "★☆☆☆☆" in mine.group(1)
    board = c.get(f"/board/{a['code']}").text
    assert re.search(r"<p data-rating>\s*<span class=\"muted\">暂无</span>", board)


def test_a_comment_too_long_is_refused_not_cut(city: City) -> None:
    """A comment past 1,000 characters (a client without the form's maxlength) was cut to its
    first 1,000 and the rating taken without a word; now it is refused and nothing is rated."""
    a = _replied_from_the_web(city)
    c = city.client
    r = c.post(f"/track/{a['code']}/rate", data={
        "csrf_token": _token(c, f"/track/{a['code']}"), "stars": "1", "comment": "差" * 1001})
    assert r.status_code == 422 and "评价说明不能超过 1000 字" in r.text
    assert "感谢您的评价" not in r.text and 'action="/track/' in r.text
    assert city.client.get("/api/v1/feedback/ratings",
                           headers=city.headers("supervisor")).json() == []
    english = c.post(f"/track/{a['code']}/rate", data={
        "csrf_token": _token(c, f"/track/{a['code']}?lang=en"), "stars": "1",
        "comment": "差" * 1001})
    assert "Comment: at most 1000 characters" in english.text
    c.get(f"/track/{a['code']}?lang=zh")
    r = c.post(f"/track/{a['code']}/rate", data={
        "csrf_token": _token(c, f"/track/{a['code']}"), "stars": "1", "comment": "差" * 1000})
    assert "感谢您的评价" in r.text


def _form(html: str, action: str) -> str:
    m = re.search(rf'<form[^>]*action="/track/[^"]+/{action}".*?</form>', html, re.S)
    assert m, f"no {action} form"
    return m.group(0)


def test_a_refused_form_on_the_tracking_page_keeps_what_was_typed_and_says_why_there(
        city: City) -> None:
    """A rating sent without its stars came back as a flash at the top of the page, screens
    above the form on a phone, and the comment typed was gone; so were a 补充 or a 重办 reason
    refused. Now the page comes back at once (4xx) with the message in that form, the text
    in it and the focus on what to fix; nothing is stored."""
    a = _replied_from_the_web(city)
    c = city.client
    track = f"/track/{a['code']}"
    r = c.post(f"{track}/rate", data={"csrf_token": _token(c, track),
                                      "comment": "修得很快，灯还有点暗"})
    assert r.status_code == 422, r.text[-2000:]
    form = _form(r.text, "rate")
    assert 'role="alert"' in form and "请选择评价星级" in form
    assert ">修得很快，灯还有点暗</textarea>" in form
    assert re.search(r'<input type="radio" name="stars" value="5"[^>]*autofocus', form)
    assert r.text.count("autofocus") == 1 and "感谢您的评价" not in r.text
    # stars chosen, the comment too long: the star stays chosen and the comment takes the focus
    r = c.post(f"{track}/rate", data={"csrf_token": _token(c, track), "stars": "2",
                                      "comment": "差" * 1001})
    form = _form(r.text, "rate")
    assert re.search(r'value="2"[^>]*checked', form) and "评价说明不能超过 1000 字" in form
    assert re.search(r'<textarea id="comment"[^>]*autofocus', form)
    english = c.post(f"{track}/rate?lang=en", data={"csrf_token": _token(c, track),
                                                    "comment": "dim"})
    assert english.status_code == 422 and ">dim</textarea>" in _form(english.text, "rate")
    assert "Please choose a star rating" in _form(english.text, "rate")
    c.get(f"{track}?lang=zh")
    assert city.client.get("/api/v1/feedback/ratings",
                           headers=city.headers("supervisor")).json() == []

    r = c.post(f"{track}/add_info", data={"csrf_token": _token(c, track), "text": "补" * 5001})
    form = _form(r.text, "add_info")
    assert r.status_code == 422 and 'role="alert"' in form and "补" * 5001 in form
    r = c.post(f"{track}/reopen", data={"csrf_token": _token(c, track), "reason": " "})
    form = _form(r.text, "reopen")
    assert r.status_code == 422 and "请填写重办理由" in form
    assert re.search(r'<textarea id="reopen-reason"[^>]*autofocus', form)
    page = c.get(track).text  # said once: not again on the next visit
    assert 'role="alert"' not in page and c.get(track).status_code == 200


def test_the_board_shows_the_requesters_rating_apart_from_the_follow_up(city: City) -> None:
    """The board gave the follow-up result under 评价结果 and never the 好差评 stars; it shows
    both now, each named, and not the rater's comment."""
    a = _replied_from_the_web(city)
    c = city.client
    before = c.get(f"/board/{a['code']}").text
    assert re.search(r"<p data-rating>\s*<span class=\"muted\">暂无</span>", before)
    c.post(f"/track/{a['code']}/rate", data={"csrf_token": _token(c, f"/track/{a['code']}"),
                                             "stars": "2", "comment": "灯还是不亮，敷衍了事"})
    with TestClient(c.app) as public:
        page = public.get(f"/board/{a['code']}").text
        rating = re.search(r"<p data-rating>(.*?)</p>", page, re.S)
        assert rating and "★★☆☆☆" in rating.group(1) and "不满意" in rating.group(1)
        assert "诉求人评价" in page and "回访结果" in page and "评价结果" not in page
        assert "敷衍了事" not in page
        english = public.get(f"/board/{a['code']}?lang=en").text
        assert "The requester&#39;s rating" in english or "The requester's rating" in english


def test_the_timeline_says_when_the_requester_rated_and_the_stars_are_said_once(
        city: City) -> None:
    """The public steps named `rating`, the event is `rated`: the timeline never showed it. It
    says when now; the stars stay in 诉求人评价 alone, and a rating excluded on 申诉 is in
    neither (the two never disagree)."""
    from sqlalchemy import update

    from jiesu.store.feedback_tables import RatingRow

    a = _replied_from_the_web(city)
    c = city.client
    c.post(f"/track/{a['code']}/rate", data={"csrf_token": _token(c, f"/track/{a['code']}"),
                                             "stars": "4"})
    with TestClient(c.app) as public:
        page = public.get(f"/board/{a['code']}").text
        steps = re.findall(r'<span class="step-label">([^<]*)</span>', page)
        assert steps[-1] == "评价" and steps.count("评价") == 1, steps
        assert page.count("★★★★☆") == 1
        english = public.get(f"/board/{a['code']}?lang=en").text
        assert "Rated by the requester" in english
        with city.runtime.db.uow() as uow:  # the 申诉 was upheld: the rating is excluded
            uow.session.execute(update(RatingRow).where(RatingRow.appeal_id == a["id"])
                                .values(excluded=True))
            uow.commit()
        page = public.get(f"/board/{a['code']}").text
        assert "评价" not in re.findall(r'<span class="step-label">([^<]*)</span>', page)
        assert "★" not in page


def test_a_call_back_nobody_answered_says_so_in_the_timeline(city: City) -> None:
    """A 回访 step with nothing after it read as a call-back done, on an appeal still waiting
    for one (已答复(待回访)): the requester could not tell a call had been missed."""
    a = _replied_from_the_web(city)
    city.act("followup", a["id"], "follow_up", reached=False)
    own = city.client.get(f"/track/{a['code']}").text
    board = city.client.get(f"/board/{a['code']}").text
    for page in (own, board):
        step = re.search(r'<li class="step step-follow_up">(.*?)</li>', page, re.S)
        assert step and "未联系上" in step.group(1), page[-3000:]
    english = city.client.get(f"/board/{a['code']}?lang=en").text
    assert "Not reached" in english
    city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
             satisfaction="satisfied")
    steps = re.findall(r'<li class="step step-follow_up">(.*?)</li>',
                       city.client.get(f"/track/{a['code']}?lang=zh").text, re.S)
    assert len(steps) == 2 and "未联系上" in steps[0] and "满意" in steps[1]


def test_the_english_timeline_says_what_happened(city: City) -> None:
    a = _replied_from_the_web(city)
    page = city.client.get(f"/board/{a['code']}?lang=en").text
    steps = re.findall(r'<span class="step-label">([^<]*)</span>', page)
    assert steps == ["Registered", "Sent to the handling unit", "Accepted by the unit",
                     "The unit replied"], steps
    zh = city.client.get(f"/board/{a['code']}?lang=zh").text
    assert re.findall(r'<span class="step-label">([^<]*)</span>', zh) == [
        "登记", "派单", "签收", "答复"]


def _dispatched(city: City, code: str) -> str:
    """The dispatcher sends the appeal to D1: from then on the board shows it."""
    city.act("dispatcher", _appeal_id(city, code), "dispatch", unit_code="D1")
    return code


def test_a_board_link_past_the_last_page_shows_the_last_page(city: City) -> None:
    code = _dispatched(city, _submit(city.client))
    r = city.client.get("/board?page=40")
    assert r.status_code == 200
    assert f'href="/board/{code}"' in r.text
    assert "没有找到符合条件的诉求" not in r.text
    assert "page=39" not in r.text  # no "previous" link into more empty pages
    english = city.client.get("/board?lang=en").text
    assert re.search(r"Total: \d+<", english) and " items<" not in english


def test_the_board_search_finds_only_what_the_board_shows(city: City) -> None:
    """A name, phone or ID number typed into the board's search must not find the appeal that
    holds it: the list would tell anyone who typed one what that person asked for."""
    shown = city.register(
        content="我叫王小明，住阳光小区3号楼2单元501室，电话13912345678，"
                "身份证110101199003074514，楼下餐馆油烟太大",
        requester_name="王小明", requester_phone="13912345678")
    _dispatched(city, shown["code"])
    c = city.client
    link = f'href="/board/{shown["code"]}"'
    for typed in ("王小明", "小明", "13912345678", "1391234", "110101199003074514", "501"):
        found = c.get("/board", params={"q": typed})
        assert found.status_code == 200 and link not in found.text, typed
        assert "共 0 条" in found.text, typed
    # what the board publishes is still found: its words and its code
    for typed in ("餐馆油烟", shown["code"]):
        found = c.get("/board", params={"q": typed})
        assert link in found.text and "共 1 条" in found.text, typed


def test_public_outputs_hide_the_flat_and_keep_the_building_as_the_board_says(
        city: City) -> None:
    """The board said 楼栋房号 were hidden while it showed a flat written 3-2-501 or 4#1501房;
    what it publishes now matches its sentence: a flat goes, a building alone stays."""
    a = city.register(
        content="阳光小区3号楼电梯经常停运。我家住3-2-501，楼上4#1501房装修噪音大",
        address="东城区多福巷社区阳光小区3-2-501")
    _dispatched(city, a["code"])
    c = city.client
    board = c.get("/board").text
    assert "只写到楼栋的位置（如“阳光小区3号楼”）照常公示" in board
    page = c.get(f"/board/{a['code']}").text
    assert "阳光小区3号楼电梯经常停运" in page
    assert "我家住*-*-***，楼上*#****房装修" in page
    assert "3-2-501" not in page and "1501" not in page
    item = next(i for i in c.get("/open-data/appeals.json").json() if i["code"] == a["code"])
    assert item["address"] == "东城区多福巷社区阳光小区*-*-***"
    assert "3-2-501" not in item["content"] and "阳光小区3号楼电梯" in item["content"]
    for typed in ("3-2-501", "1501"):  # nor does the board's search find it by the flat
        assert "共 0 条" in c.get("/board", params={"q": typed}).text, typed
    assert "a place given only down to a building" in c.get("/board?lang=en").text


def test_a_board_search_past_its_cap_says_there_may_be_more(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public_routes, "SEARCH_CAP", 2)
    codes = [_dispatched(city, city.register(content=f"幸福路第{n}盏路灯不亮")["code"])
             for n in range(3)]
    found = city.client.get("/board", params={"q": "路灯不亮"}).text
    assert "共 2+ 条" in found
    assert [c for c in codes if f'href="/board/{c}"' in found] == codes[1:]  # the newest
    assert "page=2" not in found  # no page past the hits it read


def test_open_statistics_give_the_figures_of_the_bar_charts_as_tables(city: City) -> None:
    _submit(city.client)
    page = city.client.get("/stats").text
    kinds = re.search(r'data-chart-data="kinds".*?</details>', page, re.S)
    assert kinds, page[-3000:]
    assert re.search(r"<td>求助</td><td class=\"num\">\d+</td>", kinds.group(0))
    assert 'data-chart-data="categories"' in page
    english = city.client.get("/stats?lang=en").text
    assert "Show the figures" in english and "<td>Request for help</td>" in english


def test_open_statistics_json_holds_what_the_page_shows(city: City) -> None:
    """/stats.json gave only the daily line: the kinds and categories of the page's bar charts
    and its three figures (and the days they cover) were on the page only."""
    _submit(city.client)
    data = city.client.get("/stats.json").json()
    assert len(data["daily"]) == 30
    assert (data["from"], data["to"]) == (data["daily"][0]["date"], data["daily"][-1]["date"])
    assert data["received"] == sum(d["received"] for d in data["daily"]) >= 1
    assert data["closed"] >= 0 and "satisfaction_rate" in data
    assert {"kind": "help", "name": "求助", "received": 1} in data["kinds"]
    assert sum(c["received"] for c in data["categories"]) == data["received"]


def test_the_30_day_figures_are_the_sum_of_the_days_shown(city: City) -> None:
    """The headline counted from this hour 30 days ago, the days from midnight 29 days ago:
    an appeal of that evening 30 days ago was in 近30天受理 and in no day of the chart, so the
    page's figure and /stats.json's `received` exceeded the sum of `daily`. Now one window;
    the home page's figure is the same."""
    from datetime import datetime, time, timedelta

    from sqlalchemy import select

    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store.tables import UserRow

    rt = city.runtime
    with rt.db.uow(write=False) as uow:
        user_id = uow.session.scalar(select(UserRow.id).where(UserRow.username == "operator"))
    operator = Actor(user_id=user_id, role=Role.OPERATOR)
    # a minute before local midnight 29 days ago: after this hour 30 days ago (unless it is
    # now the last minute of a day), but in no day shown
    today = utcnow().astimezone(rt.settings.tz).date()
    first_day = datetime.combine(today - timedelta(days=29), time.min, tzinfo=rt.settings.tz)
    rt.appeals.register(operator, NewAppeal(kind="help", content="三十天前傍晚的求助"),
                        first_day - timedelta(minutes=1))
    _submit(city.client)
    data = city.client.get("/stats.json").json()
    assert data["received"] == sum(d["received"] for d in data["daily"]) == 1
    assert sum(k["received"] for k in data["kinds"]) == 1
    for path in ("/stats", "/"):
        shown = re.search(r'class="figure-n">(\d+)</span><span>近30天受理',
                          city.client.get(path).text)
        assert shown and shown.group(1) == "1", path


def test_open_statistics_csv_is_headed_in_the_readers_language(city: City) -> None:
    """/stats.csv had English headers (date, received, closed) for a Chinese resident opening it
    in Excel; scripts keep those keys with ?header=code, the names of /stats.json."""
    _submit(city.client)
    data = city.client.get("/stats.json").json()
    rows = city.client.get("/stats.csv")
    assert rows.status_code == 200 and rows.text.startswith("\ufeff")
    lines = rows.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "日期,受理量,办结量" and len(lines) == 31
    today = data["daily"][-1]
    assert lines[-1] == f"{today['date']},{today['received']},{today['closed']}"
    english = city.client.get("/stats.csv?lang=en").text.lstrip("\ufeff").splitlines()
    assert english[0] == "Date,Received,Closed"
    for lang in ("zh", "en"):  # whatever the language the reader chose
        coded = city.client.get(f"/stats.csv?header=code&lang={lang}").text
        assert coded.lstrip("\ufeff").splitlines()[0] == "date,received,closed"
        assert coded.lstrip("\ufeff").splitlines()[1:] == lines[1:]


def test_the_ranking_data_files_refuse_bad_input_as_json_the_page_as_a_page(city: City) -> None:
    """/stats/rankings.json and .csv are read by scripts: a bad month or group was answered with
    the HTML error page; now with the API's JSON error, the Chinese message in it."""
    cases = (({"period": "2026-13"}, "月份须在 1 到 12 之间"),
             ({"period": "bad"}, "月份应为 YYYY-MM 格式"),
             ({"group": "foo"}, "单位分组“foo”无效"),
             ({"period": "2999-01"}, "只公布已结束月份的排名"))
    for params, message in cases:
        for path in ("/stats/rankings.json", "/stats/rankings.csv"):
            r = city.client.get(path, params=params)
            assert r.status_code == 422, (path, params)
            assert r.headers["content-type"].startswith("application/json"), (path, params)
            body = r.json()["error"]
            assert body["code"] == "invalid_arguments" and message in body["message"]
        page = city.client.get("/stats/rankings", params=params)  # a person gets the page
        assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
        assert message in page.text
    assert city.client.get("/stats/nothing-here.json").json()["error"]["code"] == "http_404"


def _lang_link(html: str) -> str:
    m = re.search(r'<a class="lang" href="([^"]*)"', html)
    assert m, "page has no language switch"
    return m.group(1).replace("&amp;", "&")


def test_the_language_switch_keeps_the_page_and_its_query(city: City) -> None:
    code = _submit(city.client)
    # a resident on page 3 of a search switches language and stays on page 3 of that search
    link = _lang_link(city.client.get("/board?q=路灯&page=3").text)
    assert link.startswith("/board?") and "lang=en" in link
    assert "page=3" in link and ("q=%E8%B7%AF%E7%81%AF" in link or "q=路灯" in link), link
    assert _lang_link(city.client.get(f"/track?code={code}").text) == (
        f"/track?code={code}&lang=en")
    # switching back replaces the language, it does not add a second one
    back = _lang_link(city.client.get(f"/track?code={code}&lang=en").text)
    assert back == f"/track?code={code}&lang=zh", back
    assert city.client.get(back).status_code == 200


def test_a_refused_form_switches_the_language_of_the_page_it_was_on(city: City) -> None:
    """A refusal is shown at the form's POST address (a rating, a staff action, a patrol):
    its language switch linked there and answered 405 · Not supported. It switches the page
    the form was on (the browser's same-origin Referer), else the home page."""
    a = _replied_from_the_web(city)
    c = city.client
    track = f"/track/{a['code']}"
    refused = c.post(f"{track}/rate", data={"csrf_token": _token(c, track), "stars": ""},
                     headers={"Referer": f"http://testserver{track}"})
    assert refused.status_code == 422
    link = _lang_link(refused.text)
    assert link == f"{track}?lang=en", link
    assert c.get(link).status_code == 200
    c.get(f"{track}?lang=zh")
    # no Referer (or another site's): the home page, never the POST address
    for headers in ({}, {"Referer": f"https://elsewhere.example{track}"}):
        refused = c.post(f"{track}/rate", data={"csrf_token": _token(c, track), "stars": ""},
                         headers=headers)
        assert _lang_link(refused.text) == "/?lang=en"
    # a staff action refused on the appeal page, opened from a work list
    token = page_login(c, "handler_s1")
    page = f"/staff/appeals/{a['id']}?back=%2Fstaff%2Finbox"
    refused = c.post(f"/staff/appeals/{a['id']}/contact", data={
        "csrf_token": token, "origin": "detail", "method": "nope"},
        headers={"Referer": f"http://testserver{page}"})
    assert refused.status_code >= 400, refused.text[-2000:]
    link = _lang_link(refused.text)
    assert link == f"/staff/appeals/{a['id']}?back=%2Fstaff%2Finbox&lang=en", link
    assert c.get(link).status_code == 200


def test_open_statistics_point_to_the_open_data(city: City) -> None:
    _submit(city.client)
    page = city.client.get("/stats").text
    section = re.search(r"<section[^>]*data-open-data.*?</section>", page, re.S)
    assert section and "开放数据" in section.group(0), page[-3000:]
    links = re.findall(r'href="(/open[^"]*)"', section.group(0))
    for url in ("/open-data/appeals.csv", "/open-data/stats.csv", "/open311/v2/discovery.json"):
        assert url in links, links
    for url in links:  # every link answers, with data
        r = city.client.get(url)
        assert r.status_code == 200 and r.content, url
    english = city.client.get("/stats?lang=en").text
    assert "Open data" in english and "Open311 GeoReport v2" in english


def _reply_heading(html: str) -> str:
    m = re.search(r"<h2>([^<]*)</h2>\s*(?:<p class=\"note\" data-reopened>[^<]*</p>\s*)?"
                  r"<p class=\"reply", html)
    assert m, html[-3000:]
    return m.group(1)


def test_after_a_reopen_the_old_reply_is_called_the_previous_one(city: City) -> None:
    a = _replied_from_the_web(city)
    c = city.client
    page = c.get(f"/track/{a['code']}").text
    assert _reply_heading(page) == "答复" and "data-reopened" not in page
    token = _token(c, f"/track/{a['code']}")
    r = c.post(f"/track/{a['code']}/reopen", data={"csrf_token": token,
                                                   "reason": "灯还是不亮"})
    assert r.status_code in (200, 303), r.text
    page = c.get(f"/track/{a['code']}").text
    assert "办理中" in page and "已更换灯泡" in page  # the old reply stays, for reference
    assert _reply_heading(page) == "上次答复"
    assert "承办单位正在再次处理" in page
    english = c.get(f"/track/{a['code']}?lang=en").text
    assert _reply_heading(english) == "Previous reply" and "being handled again" in english
    board = c.get(f"/board/{a['code']}?lang=zh").text
    assert _reply_heading(board) == "上次答复"
    assert "<strong>上次答复：</strong>" in c.get("/board").text


def test_the_confirmation_of_an_emergency_tells_the_resident_whom_to_call(city: City) -> None:
    # without JavaScript the form shows no warning while typing: the confirmation must say it
    code = _submit(city.client, content="我家厨房燃气泄漏了，味道很大，楼道里也能闻到")
    page = city.client.get(f"/track/{code}?new=1").text
    banner = re.search(r"<div[^>]*data-call-now>([^<]*)</div>", page)
    assert banner and "请立即拨打 119" in banner.group(1), page[:3000]
    english = city.client.get(f"/track/{code}?lang=en").text
    assert "call 119 now" in english
    ordinary = _submit(city.client)
    assert "data-call-now" not in city.client.get(f"/track/{ordinary}?new=1").text


def _appeal_id(city: City, code: str) -> int:
    a = city.client.get("/api/v1/appeals?per_page=200", headers=city.headers("dispatcher"))
    assert a.status_code == 200, a.text
    return int(next(i["id"] for i in a.json()["items"] if i["code"] == code))


def test_a_rejected_appeal_tells_its_requester_why(city: City) -> None:
    code = _submit(city.client)
    city.act("dispatcher", _appeal_id(city, code), "reject", reason="litigation",
             note="内部备注：已在法院立案")
    page = city.client.get(f"/track/{code}").text
    said = re.search(r"<p data-rejected>([^<]*)</p>", page)
    assert said and said.group(1) == "该事项应通过诉讼途径解决", page[-3000:]
    assert "12345" in page and "内部备注" not in page  # the dispatcher's note stays internal
    steps = re.findall(r'<span class="step-label">([^<]*)</span>', page)
    assert steps == ["登记", "不予受理"], steps
    english = city.client.get(f"/track/{code}?lang=en").text
    assert "This matter has to be settled in court" in english and "Not accepted" in english


def test_a_merged_appeal_shows_its_requester_the_appeal_it_follows(city: City) -> None:
    target = _dispatched(city, _submit(city.client, content="楼道灯不亮，已经一周了"))
    with TestClient(city.client.app) as neighbour:  # another resident, the same problem
        merged = _submit(neighbour, requester_phone="13600000002")
        city.act("dispatcher", _appeal_id(city, merged), "merge",
                 target_id=_appeal_id(city, target))
        page = neighbour.get(f"/track/{merged}").text
    assert "data-merged>" in page and f"<dd data-merged-code>{target}</dd>" in page, page[-3000:]
    assert re.search(r"data-merged-status>已派单\(待签收\)<", page)
    assert f'href="/board/{target}"' in page  # its redacted steps and reply are on the board
    assert "一周了" not in page  # the other requester's words are not on this page
    assert re.findall(r'<span class="step-label">([^<]*)</span>', page) == ["登记", "合并"]
    # and the appeal it follows says, in plain words, that one like it joined
    board = city.client.get(f"/board/{target}?lang=zh").text
    assert re.findall(r'<span class="step-label">([^<]*)</span>', board) == [
        "登记", "派单", "同类诉求并入"]


def test_the_reopen_form_is_offered_only_while_the_requester_may_reopen(city: City) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from jiesu.services.clock import utcnow
    from jiesu.store.tables import AppealRow

    a = _replied_from_the_web(city)
    city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
             satisfaction="satisfied")
    page = city.client.get(f"/track/{a['code']}").text
    assert f'action="/track/{a["code"]}/reopen"' in page and "data-reopen-ends" in page
    with city.runtime.db.uow() as uow:  # closed 16 days ago: the 15-day window has passed
        uow.session.execute(update(AppealRow).where(AppealRow.id == a["id"])
                            .values(closed_at=utcnow() - timedelta(days=16)))
        uow.commit()
    page = city.client.get(f"/track/{a['code']}").text
    assert f'action="/track/{a["code"]}/reopen"' not in page  # no form that can only refuse
    over = re.search(r"<section[^>]*data-reopen-over.*?</section>", page, re.S)
    assert over and "已超过重办申请期限" in over.group(0) and 'href="/submit"' in over.group(0)
    english = city.client.get(f"/track/{a['code']}?lang=en").text
    assert "The time to ask for a reopening has passed" in english


def _tag(html: str, element_id: str) -> str:
    m = re.search(rf'<(?:input|textarea)[^>]*\bid="{element_id}"[^>]*>', html)
    assert m, f"no field {element_id}"
    return m.group(0)


def test_the_refused_field_is_marked_tied_to_the_message_and_focused(city: City) -> None:
    c = city.client
    for field, data in (("requester_phone", {"requester_phone": "12"}),
                        ("content", {"content": "   "}),
                        ("title", {"title": "长" * 201})):
        form = {"csrf_token": _token(c, "/submit"), "kind": "help",
                "content": "楼道灯不亮", "requester_phone": PHONE, **data}
        r = c.post("/submit", data=form)
        assert r.status_code == 422, r.text[-2000:]
        tag = _tag(r.text, field)
        assert 'aria-invalid="true"' in tag and " autofocus" in tag, tag
        described = re.search(r'aria-describedby="([^"]*)"', tag)
        assert described, tag
        message = re.search(rf'id="{described.group(1).split()[0]}">([^<]+)<', r.text)
        assert message and message.group(1).strip(), r.text[-2000:]
        # said right under the field, which may be a screen away from the alert on a phone
        after = r.text.split(tag, 1)[1]
        if field == "content":
            after = after.split("</textarea>", 1)[1]
        assert after.lstrip().startswith('<small class="field-error" id="form-error">'), after[:200]
        # only that field: a screen reader does not hear every field called wrong
        assert r.text.count('aria-invalid="true"') == 1 and r.text.count("autofocus") == 1
    tag = _tag(r.text, "requester_phone")  # a field that was fine keeps its own help
    assert 'aria-describedby="phone-help"' in tag and "aria-invalid" not in tag


def test_a_screen_reader_hears_whether_a_policy_condition_is_met(city: City) -> None:
    from tests.integration.test_web_policies import PHONE as ENTERPRISE_PHONE
    from tests.integration.test_web_policies import build, lookup, uscc

    build(city)
    assert lookup(city.client, uscc(1), ENTERPRISE_PHONE).status_code == 303
    for lang, said in (("zh", "符合："), ("en", "Met: ")):
        page = city.client.get(f"/enterprise/policies?lang={lang}").text
        met = re.findall(r'<li class="check-met" data-check="met">(.*?)</li>', page, re.S)
        assert met, page[-3000:]
        # the ✓ is hidden from screen readers: the words must be there instead
        assert all(f'<span class="sr">{said}</span>' in li for li in met), met


def test_chinese_sentences_run_on_without_a_space_and_english_ones_have_one(city: City) -> None:
    _submit(city.client)
    for path in ("/board", "/board/rectifications"):
        page = city.client.get(f"{path}?lang=zh").text
        zh = re.search(r'<p class="muted">([^<]*。[^<]*)</p>', page)
        assert zh and "。 " not in zh.group(1), (path, zh and zh.group(1))
        en = re.search(r'<p class="muted">([^<]*)</p>', city.client.get(f"{path}?lang=en").text)
        assert en and ". " in en.group(1) and ".R" not in en.group(1) and ".P" not in en.group(1)


def _everywhere(client: TestClient, code: str) -> dict[str, bool]:
    """Where the public finds the appeal of `code`: every output of the disclosure rule."""
    link = f'href="/board/{code}"'
    return {
        "board": link in client.get("/board").text,
        "item": client.get(f"/board/{code}").status_code == 200,
        "search": link in client.get("/board", params={"q": code}).text,
        "home": link in client.get("/").text,
        "open data": code in client.get("/open-data/appeals.json").text,
        "open311 list": code in client.get("/open311/v2/requests.json").text,
        "open311 item": _open311_content(client, code),
    }


def _open311_content(client: TestClient, code: str) -> bool:
    """Whether Open311 gives the appeal of `code` by id with its content: an unpublished one
    is answered with its status only (a client shows what it has just posted), no text."""
    r = client.get(f"/open311/v2/requests/{code}.json")
    return r.status_code == 200 and r.json()[0]["description"] is not None


def test_an_appeal_is_public_once_dispatched_never_while_registered_rejected_or_merged(
        city: City) -> None:
    """公示 waits for a dispatcher: what is then 不予受理 (违背公序良俗, 无效: "啊") would be
    public until they looked at it. Board, item, search, home, open data and Open311 agree."""
    c = city.client
    waiting = city.register(content="啊")
    rejected = city.register(content="这是一条违背公序良俗的内容")
    city.act("dispatcher", rejected["id"], "reject", reason="immoral")
    shown, merged = city.register(), city.register()
    city.act("dispatcher", shown["id"], "dispatch", unit_code="D1")
    city.act("dispatcher", merged["id"], "merge", target_code=shown["code"])
    nowhere = dict.fromkeys(_everywhere(c, shown["code"]), False)
    for hidden in (waiting, rejected, merged):
        assert _everywhere(c, hidden["code"]) == nowhere, hidden
    assert _everywhere(c, shown["code"]) == dict.fromkeys(nowhere, True)
    # the board's status filter offers no status it never shows
    assert 'value="registered"' not in c.get("/board").text


def test_a_city_may_publish_only_what_is_closed(city: City) -> None:
    """JIESU_BOARD_PUBLISH=closed: an appeal is public only once 办结."""
    from jiesu.app import create_app
    from jiesu.runtime import Runtime

    dispatched, closed = city.register(), city.register(kind="consult")
    city.act("dispatcher", dispatched["id"], "dispatch", unit_code="D1")
    for a in (closed,):
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
        city.act("handler_d1", a["id"], "sign")
        city.act("handler_d1", a["id"], "reply", text="已答复政策口径", claim="explained")
        city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
                 satisfaction="satisfied")
    other = Runtime.create(city.runtime.settings.model_copy(update={"board_publish": "closed"}))
    try:
        with TestClient(create_app(other.settings, runtime=other)) as c:
            seen = _everywhere(c, closed["code"])
            assert seen == dict.fromkeys(seen, True)
            assert _everywhere(c, dispatched["code"]) == dict.fromkeys(seen, False)
            assert re.findall(r'<option value="(\w+)"', c.get("/board").text) == ["closed"]
    finally:
        other.close()


def test_long_titles_and_texts_are_cut_with_an_ellipsis(city: City) -> None:
    """Board cards, staff rows and the requester's earlier appeals cut a long text with "…"
    (only when they cut), and a cut title keeps its full text on hover."""
    from tests.integration.test_web_pages import _login

    title = "多福巷" + "路灯不亮晚上出行不安全" * 9  # 102 characters, cut at 80
    content = "小区门口的路灯坏了一个多月，" * 10  # 140 characters, cut at 120
    long = city.register(title=title, content=content, requester_phone=PHONE)
    short = city.register(title="楼道灯不亮", content="楼道灯不亮，老人上下楼不方便",
                          requester_phone=PHONE)
    card = city.client.get("/board").text  # not on the board before dispatch
    assert long["code"] not in card
    for a in (long, short):
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    board = city.client.get("/board").text
    cut = re.search(rf'href="/board/{long["code"]}".*?<p class="card-text">([^<]*)</p>', board,
                    re.S)
    assert cut and cut.group(1) == content[:119] + "…", cut
    whole = re.search(rf'href="/board/{short["code"]}".*?<p class="card-text">([^<]*)</p>',
                      board, re.S)
    assert whole and whole.group(1) == "楼道灯不亮，老人上下楼不方便"

    c = city.client
    _login(c, "handler_d1")
    inbox = c.get("/staff/inbox").text
    assert f'<p class="row-text" title="{title}">{title[:79]}…</p>' in inbox
    assert '<p class="row-text">楼道灯不亮</p>' in inbox
    page = c.get(f"/staff/appeals/{short['id']}").text  # the same phone's earlier appeals
    assert f'<span title="{title}">{title[:29]}…</span>' in page
