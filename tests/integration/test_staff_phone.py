"""A staff user's mobile phone (手机号), where a 精准帮扶 liaison is texted: set by an
administrator on the user's page or through the users API, checked by the rule of every phone
(7–20 digits), masked in lists and in the configuration-change log. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from jiesu.store import config_store
from tests.integration.test_users import _csrf, _ids, _page_login, _user
from tests.support.city import City

REFUSED = "手机号应为 7–20 位数字"


def _user_changes(city: City) -> list[tuple[str, dict[str, Any]]]:
    """The summary and details of each change to a user in the configuration-change log."""
    with city.runtime.db.uow(write=False) as uow:
        rows, _ = config_store.recent(uow.session, area="users", since=None, until=None,
                                      per_page=100)
        return [(r.summary, dict(r.details or {})) for r in rows]


def test_admin_sets_changes_and_removes_a_phone_through_the_api(city: City) -> None:
    c, admin = city.client, city.headers("admin")
    url = f"/api/v1/admin/users/{_ids(city)['handler_d1']}"
    assert _user(city, "handler_d1")["phone"] is None
    logged = len(_user_changes(city))
    # refused, with the reason in Chinese, and nothing changes
    for bad in ("123", "手机", "1" * 21, "138-0000-" + "1" * 30):
        r = c.patch(url, headers=admin, json={"phone": bad, "display_name": "改了名"})
        assert r.status_code == 422, (bad, r.text)
        assert REFUSED in r.json()["error"]["message"], bad
    assert _user(city, "handler_d1")["phone"] is None
    assert _user(city, "handler_d1")["display_name"] != "改了名"
    assert len(_user_changes(city)) == logged
    # stored as digits; in full to the edit that set it, masked in the list
    r = c.patch(url, headers=admin, json={"phone": "138 1234-5678"})
    assert r.status_code == 200 and r.json()["phone"] == "13812345678", r.text
    assert _user(city, "handler_d1")["phone"] == "138****5678"
    # fields left out keep the phone; null removes it
    assert c.patch(url, headers=admin, json={"display_name": "李帮扶"}).json()["phone"] == (
        "13812345678")
    r = c.patch(url, headers=admin, json={"phone": None})
    assert r.status_code == 200 and r.json()["phone"] is None
    assert _user(city, "handler_d1")["phone"] is None
    # the log says what changed, the number masked
    phone_changes = [d for s, d in _user_changes(city) if "手机号" in s]
    assert [(d["before"]["phone"], d["after"]["phone"]) for d in phone_changes] == [
        ("138****5678", None), (None, "138****5678")]  # newest first
    # a new user with a phone; a bad one adds no one
    body = {"username": "liaison2", "password": "Secret-pass-1234", "role": "handler",
            "unit_code": "D2"}
    r = c.post("/api/v1/admin/users", headers=admin, json=body | {"phone": "12"})
    assert r.status_code == 422 and REFUSED in r.json()["error"]["message"]
    assert "liaison2" not in _ids(city)
    r = c.post("/api/v1/admin/users", headers=admin, json=body | {"phone": "13900001111"})
    assert r.status_code == 201 and r.json()["phone"] == "13900001111", r.text
    assert _user(city, "liaison2")["phone"] == "139****1111"
    added = next(d for s, d in _user_changes(city) if "新增用户 liaison2" in s)
    assert added["after"]["phone"] == "139****1111"


def test_admin_sets_a_phone_on_the_users_page(city: City) -> None:
    c = city.client
    assert _page_login(c, "admin") == 303
    user_id = _ids(city)["handler_d2"]
    url = f"/staff/admin/users/{user_id}"
    page = c.get(url).text
    assert re.search(r'<label for="e-phone">手机号</label><input id="e-phone" name="phone"', page)
    token = _csrf(page)
    form = {"display_name": "王帮扶", "role": "handler", "unit_code": "D2", "csrf_token": token}
    # refused: the reason on the page, nothing saved (not even the name)
    r = c.post(url, data=form | {"phone": "8888"}, follow_redirects=True)
    assert r.status_code == 200 and REFUSED in r.text and "用户信息已保存" not in r.text
    saved = _user(city, "handler_d2")
    assert saved["phone"] is None and saved["display_name"] != "王帮扶"
    r = c.post(url, data=form | {"phone": "１３９ ００００ ２２２２"}, follow_redirects=True)
    assert "用户信息已保存" in r.text and 'value="13900002222"' in r.text  # full where edited
    assert _user(city, "handler_d2")["phone"] == "139****2222"
    # the list shows it masked, never in full
    listing = c.get("/staff/admin?tab=users").text
    assert "data-phone>139****2222</td>" in listing and "13900002222" not in listing
    # a form without the field leaves it; an empty field removes it
    c.post(url, data=form, follow_redirects=True)
    assert _user(city, "handler_d2")["phone"] == "139****2222"
    c.post(url, data=form | {"phone": ""}, follow_redirects=True)
    assert _user(city, "handler_d2")["phone"] is None
    # the new-user form takes one too, and keeps what was typed when it refuses
    new = {"username": "liaison3", "password": "Secret-pass-1234", "role": "handler",
           "unit_code": "D1", "csrf_token": token}
    r = c.post("/staff/admin/users", data=new | {"phone": "abc"}, follow_redirects=True)
    assert REFUSED in r.text and 'name="phone" type="tel"' in r.text
    assert "liaison3" not in _ids(city)
    r = c.post("/staff/admin/users", data=new | {"phone": "13900003333"},
               follow_redirects=True)
    assert "已添加用户：liaison3" in r.text and _user(city, "liaison3")["phone"] == "139****3333"


def test_the_phone_pages_read_in_english(city: City) -> None:
    c = city.client
    assert _page_login(c, "admin") == 303
    page = c.get(f"/staff/admin/users/{_ids(city)['grid']}", params={"lang": "en"}).text
    assert ">Mobile phone</label>" in page and "support liaison" in page
    listing = c.get("/staff/admin", params={"tab": "users", "lang": "en"}).text
    assert '<th scope="col">Mobile phone</th>' in listing
    assert "Optional, for text messages" in listing
