"""好差评 of a service item from its public page `/rate/item/{id}` (the QR code at a unit's
window): a rating is stored, bad input comes back on the form with nothing stored, an unknown
item is a 404 and a switched-off one a 409, in Chinese (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.test_web_pages import _token
from tests.support.city import City

PHONE = "13812345678"


def _item(city: City, code: str = "W-001", name: str = "供水报装") -> int:
    r = city.client.post("/api/v1/feedback/service-items",
                         json={"unit_code": "W", "code": code, "name": name},
                         headers=city.headers("admin"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _ratings(city: City) -> list[dict[str, Any]]:
    r = city.client.get("/api/v1/feedback/ratings", headers=city.headers("analyst"))
    assert r.status_code == 200, r.text
    return [x for x in r.json() if x["service_item_id"] is not None]


def test_a_resident_rates_a_service_item_on_its_page(city: City) -> None:
    item = _item(city)
    with TestClient(city.client.app) as c:
        page = c.get(f"/rate/item/{item}")
        assert page.status_code == 200
        assert "供水报装" in page.text and "市水务局" in page.text
        assert "非常不满意" in page.text and 'name="csrf_token"' in page.text
        r = c.post(f"/rate/item/{item}", data={"csrf_token": _token(c, f"/rate/item/{item}"),
                                                "stars": "2", "comment": "等了一个小时",
                                                "phone": PHONE}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/rate/item/{item}"
        thanks = c.get(f"/rate/item/{item}")
        assert "感谢您的评价" in thanks.text and 'name="stars"' not in thanks.text
        # the thank-you is shown once: the page is a form again for the next resident
        assert 'name="stars"' in c.get(f"/rate/item/{item}").text
        en = c.get(f"/rate/item/{item}?lang=en")
        assert "Rate the service" in en.text and "Very dissatisfied" in en.text
    rated = _ratings(city)
    assert [(x["service_item_id"], x["stars"], x["comment"]) for x in rated] == [
        (item, 2, "等了一个小时")]
    assert rated[0]["unit_id"] == city.unit_ids["W"]
    # a bad rating opens a rectification for the unit, as through the API
    rects = city.client.get("/api/v1/feedback/rectifications", headers=city.headers("admin"))
    assert rects.status_code == 200 and [x["rating_id"] for x in rects.json()] == [
        rated[0]["id"]]


def test_bad_input_comes_back_on_the_form_and_stores_nothing(city: City) -> None:
    item = _item(city)
    url = f"/rate/item/{item}"
    with TestClient(city.client.app) as c:
        token = _token(c, url)
        for data, message in (
                ({"stars": "6", "phone": PHONE, "comment": "很好"}, "评价等级须为 1 到 5 星"),
                ({"stars": "", "phone": PHONE}, "请选择评价星级"),
                ({"phone": PHONE}, "请选择评价星级"),
                ({"stars": "4", "phone": PHONE, "comment": "长" * 1001},
                 "评价说明不能超过 1000 字"),
                ({"stars": "4", "phone": ""}, "请填写联系电话"),
                ({"stars": "4", "phone": "1" * 40}, "联系电话格式不正确"),
                ({"stars": "4", "phone": "123"}, "联系电话格式不正确")):
            r = c.post(url, data={"csrf_token": token, **data})
            assert r.status_code == 422, (data, r.status_code)
            assert message in r.text and 'name="stars"' in r.text, data
        # what was typed is still there
        r = c.post(url, data={"csrf_token": token, "stars": "4", "phone": "",
                              "comment": "窗口人员很耐心"})
        assert 'value="4" required checked' in r.text and "窗口人员很耐心</textarea>" in r.text
        long = c.post(url, data={"csrf_token": token, "stars": "4", "phone": PHONE,
                                 "comment": "长" * 1001})
        assert "长" * 1001 + "</textarea>" in long.text  # not silently cut
    assert _ratings(city) == []


def test_one_phone_rates_an_item_once_a_day(city: City) -> None:
    """Each bad rating opens a 整改 for the unit: a second one from the same phone within
    JIESU_ITEM_RATING_INTERVAL_HOURS comes back on the form, and nothing is stored."""
    item = _item(city)
    url = f"/rate/item/{item}"
    with TestClient(city.client.app) as c:
        token = _token(c, url)
        first = c.post(url, data={"csrf_token": token, "stars": "1", "phone": PHONE},
                       follow_redirects=False)
        assert first.status_code == 303
        again = c.post(url, data={"csrf_token": token, "stars": "1", "phone": "138 1234 5678"})
        assert again.status_code == 409 and "该号码已评价过这项服务" in again.text
        assert 'name="stars"' in again.text
    assert len(_ratings(city)) == 1


def test_the_form_needs_its_csrf_token(city: City) -> None:
    item = _item(city)
    with TestClient(city.client.app) as c:
        c.get(f"/rate/item/{item}")
        for token in (None, "forged"):
            data = {"stars": "5", "phone": PHONE, **({"csrf_token": token} if token else {})}
            r = c.post(f"/rate/item/{item}", data=data)
            assert r.status_code == 403 and "页面已过期或来源不明" in r.text
    assert _ratings(city) == []


def test_an_unknown_item_is_not_found_in_chinese(city: City) -> None:
    with TestClient(city.client.app) as c:
        token = _token(c, "/track")
        for path in ("/rate/item/999999", "/rate/item/abc", "/rate/item/0",
                     "/rate/item/99999999999999999999"):
            r = c.get(path)
            assert r.status_code == 404 and "服务事项不存在" in r.text, path
            assert c.post(path, data={"csrf_token": token, "stars": "5",
                                      "phone": PHONE}).status_code == 404, path
    assert _ratings(city) == []


def test_a_switched_off_item_says_so_and_takes_no_rating(city: City) -> None:
    """A poster of a stopped item (停用) may still hang at the window: its page names the
    item and says it takes no rating (409), with no form; a post sent meanwhile is refused
    the same way, and nothing is stored."""
    item = _item(city)
    url = f"/rate/item/{item}"
    with TestClient(city.client.app) as c:
        token = _token(c, url)  # the form was open when the item was switched off
        off = city.client.patch(f"/api/v1/feedback/service-items/{item}",
                                json={"active": False}, headers=city.headers("admin"))
        assert off.status_code == 200, off.text
        page = c.get(url)
        assert page.status_code == 409
        assert "该服务事项已停用，暂不接受评价" in page.text and "供水报装" in page.text
        assert 'name="stars"' not in page.text
        r = c.post(url, data={"csrf_token": token, "stars": "5", "phone": PHONE})
        assert r.status_code == 409 and "该服务事项已停用，暂不接受评价" in r.text
        assert 'name="stars"' not in r.text
        en = c.get(url + "?lang=en")
        assert "This service item is deactivated and takes no ratings" in en.text
    assert _ratings(city) == []


def test_the_stars_are_parsed_as_on_the_appeal_rating_form(city: City) -> None:
    """The page parses the stars with the domain's `parse_stars`, as the appeal's rating on
    /track does: a value Python's int() would take ("٤", "+4", "04") is refused with
    the same message, and nothing is stored."""
    item = _item(city)
    url = f"/rate/item/{item}"
    with TestClient(city.client.app) as c:
        token = _token(c, url)
        for stars in ("+4", "04", "٤", "4.0", "0", "9" * 5000):
            r = c.post(url, data={"csrf_token": token, "stars": stars, "phone": PHONE})
            assert r.status_code == 422 and "评价等级须为 1 到 5 星" in r.text, stars
    assert _ratings(city) == []
