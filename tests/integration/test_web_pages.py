"""Server-side checks of the web pages (SQLite and PostgreSQL): CSRF, login, roles, the public
board's redaction, and that reports and confidential appeals are never public."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from jiesu.app import create_app
from tests.support.city import PASSWORD, City


def _token(client: TestClient, path: str = "/login") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert m, "page has no CSRF field"
    return m.group(1)


def _login(client: TestClient, username: str) -> None:
    token = _token(client)
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_post_without_csrf_token_is_rejected(city: City) -> None:
    c = city.client
    r = c.post("/submit", data={"kind": "complaint", "content": "路灯坏了",
                                "requester_phone": "13800000000"})
    assert r.status_code == 403
    assert "text/html" in r.headers["content-type"]
    _token(c)  # a session now has a token, but the form must still carry it
    r = c.post("/login", data={"username": "admin", "password": PASSWORD,
                               "csrf_token": "forged"})
    assert r.status_code == 403


def test_a_form_posted_over_plain_http_in_production_says_to_use_https(
        city: City, caplog: pytest.LogCaptureFixture) -> None:
    """In production the session cookie is HTTPS-only, so a sign-in over http:// (the README's
    `jiesu serve --host 0.0.0.0` opened directly) came back without it and was told to reload
    the page, which never helped."""
    settings = city.runtime.settings.model_copy(
        update={"environment": "production", "secret_key": "s" * 43})
    with TestClient(create_app(settings)) as plain:
        r = plain.post("/login", data={"username": "admin", "password": PASSWORD,
                                       "csrf_token": _token(plain)})
        assert r.status_code == 403 and "本站须通过 HTTPS 访问" in r.text, r.text
        assert "刷新页面" not in r.text
        r = plain.post("/login?lang=en", data={"username": "admin", "csrf_token": "x"})
        assert "This site must be used over HTTPS" in r.text
    assert "over plain HTTP in production" in caplog.text
    with TestClient(create_app(settings), base_url="https://testserver") as tls:
        r = tls.post("/login", data={"username": "admin", "password": PASSWORD,
                                     "csrf_token": _token(tls)}, follow_redirects=False)
        assert r.status_code == 303, r.text
        r = tls.post("/login", data={"username": "admin", "csrf_token": "forged"})
        assert r.status_code == 403 and "刷新页面" in r.text  # a session, a wrong token


def test_staff_pages_need_login_and_the_right_role(city: City) -> None:
    c = city.client
    for path in ("/staff/dispatch", "/staff/inbox", "/staff/operator", "/staff/admin",
                 "/staff/dashboard", "/staff/followup", "/staff/supervision",
                 "/staff/hotspots"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    _login(c, "handler_d1")
    assert c.get("/staff/inbox").status_code == 200
    r = c.get("/staff/admin")
    assert r.status_code == 403 and "没有权限" in r.text and "您的角色无权打开此页面" in r.text
    r = c.get("/staff/admin?lang=en")
    assert r.status_code == 403 and "Your role may not open this page" in r.text
    c.get("/staff/inbox?lang=zh")


def test_public_board_redacts_and_hides_reports_and_confidential(city: City) -> None:
    shown = city.register(content="多福巷路灯坏了，我是张三，电话13812345678，请联系我",
                          requester_name="张三", requester_phone="13812345678")
    report = city.register(kind="report", content="有人在河边倾倒建筑垃圾，我举报")
    secret = city.register(content="小区门口下水道堵塞，希望保密处理", confidential=True)
    for a in (shown, report, secret):
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    c = city.client
    board = c.get("/board").text
    assert shown["code"] in board
    assert report["code"] not in board and secret["code"] not in board
    page = c.get(f"/board/{shown['code']}")
    assert page.status_code == 200
    assert "13812345678" not in page.text and "张三" not in page.text
    assert "多福巷路灯坏了" in page.text
    for hidden in (report, secret):
        assert c.get(f"/board/{hidden['code']}").status_code == 404
        found = c.get(f"/board?q={hidden['code']}").text
        assert f'href="/board/{hidden["code"]}"' not in found
    assert "13812345678" not in c.get("/").text


def test_resident_submits_and_tracks_with_code_and_phone(city: City) -> None:
    c = city.client
    token = _token(c, "/submit")
    r = c.post("/submit", data={"csrf_token": token, "kind": "help",
                                "content": "楼道灯不亮，老人上下楼不方便",
                                "requester_phone": "13600000001", "requester_name": "赵六"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    code = r.headers["location"].split("/")[2].split("?")[0]
    assert code in c.get(r.headers["location"]).text
    other = TestClient(c.app)
    with other:
        token = _token(other, "/track")
        wrong = other.post("/track", data={"csrf_token": token, "code": code,
                                           "phone": "13600000009"})
        assert wrong.status_code == 404 and "编号或手机号不正确" in wrong.text
        assert other.get(f"/track/{code}", follow_redirects=False).status_code == 303
        right = other.post("/track", data={"csrf_token": token, "code": code,
                                           "phone": "136 0000 0001"})
        assert right.status_code == 200 and "楼道灯不亮" in right.text
        for n in range(5):  # someone guessing phone numbers for a printed code is stopped
            guess = other.post("/track", data={"csrf_token": token, "code": code,
                                               "phone": f"1350000{n:04d}"})
            assert guess.status_code == 404, guess.text[-300:]
        stopped = other.post("/track", data={"csrf_token": token, "code": code,
                                             "phone": "13600000001"})
        assert stopped.status_code == 429 and "尝试次数过多" in stopped.text


def test_dispatch_from_the_queue_and_unit_scope(city: City) -> None:
    appeal = city.register()
    c = city.client
    _login(c, "dispatcher")
    queue = c.get("/staff/dispatch")
    token = re.search(r'name="csrf_token" value="([^"]+)"', queue.text).group(1)
    r = c.post(f"/staff/appeals/{appeal['id']}/dispatch",
               data={"csrf_token": token, "unit_id": str(city.unit_ids["D2"]),
                     "back": "/staff/dispatch"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/dispatch"
    # the message names the appeal and what was done, not only "操作成功"
    flash = re.search(r'<div class="flash flash-ok"[^>]*>([^<]*)</div>',
                      c.get("/staff/dispatch").text)
    assert flash and flash.group(1) == f"已派单：{appeal['code']}", flash
    assert c.get(f"/api/v1/appeals/{appeal['id']}",
                 headers=city.headers("dispatcher")).json()["status"] == "dispatched"
    c.post("/logout", data={"csrf_token": token})
    _login(c, "handler_d1")  # 东城区 must not see 西城区's appeal
    assert c.get(f"/staff/appeals/{appeal['id']}").status_code == 404
    c.post("/logout", data={"csrf_token": _token(c, "/staff/inbox")})
    _login(c, "handler_d2")
    page = c.get(f"/staff/appeals/{appeal['id']}")
    assert page.status_code == 200 and "签收" in page.text


def test_api_errors_stay_json_and_web_errors_are_html(city: City) -> None:
    c = city.client
    api = c.get("/api/v1/appeals/999999", headers=city.headers("dispatcher"))
    assert api.status_code == 404 and api.json()["error"]["code"]
    web = c.get("/board/0000")
    assert web.status_code == 404 and "text/html" in web.headers["content-type"]
    assert c.get("/no-such-page").headers["content-type"].startswith("text/html")


def test_pages_load_assets_only_from_jiesu(city: City) -> None:
    c = city.client
    html = c.get("/").text
    assert "default-src 'self'" in c.get("/").headers["content-security-policy"]
    for url in re.findall(r'(?:src|href)="([^"#]+)"', html):
        assert url.startswith(("/", "?", "tel:")), url
    assert c.get("/static/jiesu.css").status_code == 200
    assert c.get("/static/jiesu.js").status_code == 200


def test_a_resident_reading_english_gets_errors_in_english(city: City) -> None:
    c = city.client
    c.get("/submit?lang=en")
    token = _token(c, "/submit")
    bad = {"csrf_token": token, "kind": "help", "content": "楼道灯不亮",
           "requester_phone": "12"}
    r = c.post("/submit", data=bad)
    assert r.status_code == 422
    assert "Enter a valid phone number" in r.text and "请填写正确的手机号码" not in r.text
    r = c.post("/submit", data=bad | {"requester_phone": "13600000002", "content": "x" * 10001})
    assert r.status_code == 422 and "What happened: at most 10000 characters" in r.text
    r = c.post("/submit", data=bad | {"requester_phone": "13600000002"}, follow_redirects=False)
    assert r.status_code == 303
    track = r.headers["location"].split("?")[0]
    code = track.split("/")[2]
    # a formatted domain message: the label inside it is translated too
    add = c.post(f"{track}/add_info", data={"csrf_token": token, "text": " "})
    assert "Please fill in: Information to add" in add.text
    rate = c.post(f"{track}/rate", data={"csrf_token": token, "stars": "5"})
    assert "You can rate the appeal once it has been answered" in rate.text
    assert code in rate.text
