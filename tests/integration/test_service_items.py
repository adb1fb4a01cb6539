"""The service-item catalogue (服务事项) kept by administrators, through the API and the admin
page's 服务事项 tab: add, rename, move to another unit, 停用/启用, each change recorded in the
configuration-change log; only administrators may; bad input is refused in Chinese with
nothing changed; a switched-off item cannot be rated and leaves the public catalogue, while
its ratings stay in the figures; each active item has a printable QR poster whose code is the
absolute address of its rating page (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import segno
from sqlalchemy import create_engine, text

from jiesu.config import Settings
from jiesu.services.clock import utcnow
from jiesu.store.db import normalise_url
from tests.support.city import City, page_login
from tests.support.qr import decode, picture, svg_modules

BASE = "https://12345.example.gov.cn"
PHONE = "13812345678"


@pytest.fixture
def settings(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The test city's settings with the site's public address (what a poster's code holds);
    the trailing slash is the kind an administrator types."""
    return Settings(database_url=db_url, environment="test", sweep_interval_seconds=3600,
                    model_dir=tmp_path_factory.mktemp("models"),
                    upload_dir=tmp_path_factory.mktemp("uploads"),
                    public_base_url=BASE + "/")


def _add(city: City, code: str = "W-001", name: str = "供水报装", unit: str = "W") -> int:
    r = city.client.post("/api/v1/feedback/service-items",
                         json={"unit_code": unit, "code": code, "name": name},
                         headers=city.headers("admin"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _patch(city: City, item: int, body: dict[str, Any], user: str = "admin") -> Any:
    return city.client.patch(f"/api/v1/feedback/service-items/{item}", json=body,
                             headers=city.headers(user))


def _rate(city: City, item: int, stars: int, phone: str = PHONE) -> Any:
    return city.client.post("/api/v1/feedback/ratings",
                            json={"service_item_id": item, "phone": phone, "stars": stars})


def _public(city: City) -> dict[int, tuple[str, str]]:
    r = city.client.get("/api/v1/feedback/service-items")
    assert r.status_code == 200, r.text
    return {x["id"]: (x["name"], x["unit_name"]) for x in r.json()}


def _log(city: City) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(action, actor role, summary, details) of the log's 服务事项 entries, oldest first."""
    engine = create_engine(normalise_url(city.runtime.settings.database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT action, actor_role, summary, details FROM config_events "
                "WHERE area = 'service_items' ORDER BY seq")).all()
    finally:
        engine.dispose()
    return [(a, role, s, json.loads(d) if isinstance(d, str) else d) for a, role, s, d in rows]


def _state(city: City, item: int) -> tuple[Any, ...]:
    engine = create_engine(normalise_url(city.runtime.settings.database_url))
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(text(
                "SELECT code, name, unit_id, active FROM service_items WHERE id = :id"),
                {"id": item}).one())
    finally:
        engine.dispose()


def test_an_admin_renames_moves_and_switches_off_an_item_through_the_api(city: City) -> None:
    item = _add(city)
    assert _rate(city, item, 1).status_code == 201  # a bad rating for 市水务局
    r = _patch(city, item, {"name": "  供水 报装（新户）", "unit_code": "D1"})
    assert r.status_code == 200, r.text
    assert r.json() == {"id": item, "code": "W-001", "name": "供水 报装（新户）",
                        "unit_id": city.unit_ids["D1"], "unit_name": "东城区",
                        "unit_code": "D1", "active": True}
    assert _public(city)[item] == ("供水 报装（新户）", "东城区")
    # switched off: not listed, not rated (409, in Chinese), the rating made stays counted
    off = _patch(city, item, {"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert item not in _public(city)
    refused = _rate(city, item, 5, "13900000001")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["message"] == "该服务事项已停用，暂不接受评价"
    ratings = city.client.get("/api/v1/feedback/ratings", headers=city.headers("analyst"))
    assert [(x["service_item_id"], x["stars"], x["unit_id"]) for x in ratings.json()] == [
        (item, 1, city.unit_ids["W"])]  # with the unit it was made for, after the move too
    today = utcnow().astimezone(city.runtime.settings.tz).date().isoformat()
    stats = city.client.get(f"/api/v1/stats/ratings?period={today}")
    assert stats.status_code == 200, stats.text
    assert [(s["ratings"], s["bad"]) for s in stats.json() if s["unit"] == city.unit_ids["W"]
            ] == [(1, 1)]  # the public 好差评 statistics of 市水务局 still count it
    # on again: rated again, now for its new unit
    assert _patch(city, item, {"active": True}).json()["active"] is True
    assert _rate(city, item, 5, "13900000001").status_code == 201
    ratings = city.client.get("/api/v1/feedback/ratings", headers=city.headers("analyst"))
    assert sorted(x["unit_id"] for x in ratings.json()) == sorted(
        [city.unit_ids["W"], city.unit_ids["D1"]])
    # every change is in the configuration-change log, by the administrator
    log = _log(city)
    assert [(a, role) for a, role, _, _ in log] == [
        ("add", "admin"), ("update", "admin"), ("deactivate", "admin"), ("activate", "admin")]
    assert log[0][2] == "新增服务事项 W-001 供水报装（市水务局）"
    assert log[1][2] == "修改服务事项 W-001：名称、所属单位"
    assert log[1][3]["before"] == {"name": "供水报装", "unit_code": "W"}
    assert log[1][3]["after"] == {"name": "供水 报装（新户）", "unit_code": "D1"}
    assert log[2][2] == "停用服务事项 W-001 供水 报装（新户）"
    # an unchanged value is no change: nothing logged
    assert _patch(city, item, {"name": "供水 报装（新户）", "active": True}).status_code == 200
    assert len(_log(city)) == 4


def test_only_an_admin_keeps_the_catalogue(city: City) -> None:
    item = _add(city)
    before = _state(city, item)
    for user in ("handler_d1", "supervisor", "analyst", "auditor"):
        r = _patch(city, item, {"active": False}, user)
        assert r.status_code == 403, (user, r.text)
        assert r.json()["error"]["message"] == "只有管理员可以维护服务事项", r.text
        added = city.client.post("/api/v1/feedback/service-items", json={
            "unit_code": "W", "code": f"X-{user}", "name": "户籍办理"},
            headers=city.headers(user))
        assert added.status_code == 403 and "只有管理员可以维护服务事项" in added.text
    no_token = city.client.patch(f"/api/v1/feedback/service-items/{item}",
                                 json={"active": False})
    assert no_token.status_code == 401
    assert _state(city, item) == before and len(_log(city)) == 1
    # nor on the page: a handler is refused, in Chinese, and nothing changes
    c = city.client
    token = page_login(c, "handler_d1")
    for path, data in ((f"/staff/admin/service-items/{item}/active", {"active": "0"}),
                       (f"/staff/admin/service-items/{item}", {"name": "改", "unit_code": "W"}),
                       ("/staff/admin/service-items", {"code": "Y", "name": "户籍",
                                                        "unit_code": "W"})):
        r = c.post(path, data={"csrf_token": token, **data})
        assert r.status_code == 403 and "您的角色无权打开此页面" in r.text, path
    assert c.get(f"/staff/admin/service-items/{item}/poster").status_code == 403
    assert _state(city, item) == before and len(_log(city)) == 1


@pytest.mark.parametrize("body, status, message", [
    ({}, 422, "请填写要修改的名称、所属单位或启用状态"),
    ({"name": "   "}, 422, "请填写服务事项名称"),
    ({"name": ""}, 422, "名称"),
    ({"name": "长" * 201}, 422, "名称"),
    ({"unit_code": "NOPE"}, 422, "单位 NOPE 不存在或已停用"),
    ({"unit_code": "STOP"}, 422, "单位 STOP 不存在或已停用"),
    ({"name": "水表更换"}, 409, "该单位已有名为“水表更换”的服务事项（编码 W-002）"),
    ({"active": "maybe"}, 422, "须为 true 或 false"),
    ({"code": "W-9"}, 422, "code"),
])
def test_bad_edits_are_refused_in_chinese_and_change_nothing(
        city: City, body: dict[str, Any], status: int, message: str) -> None:
    from jiesu.services.admin import AdminService

    item = _add(city)
    _add(city, "W-002", "水表更换")
    AdminService(city.runtime.db, city.runtime.rules).add_unit("STOP", "撤销的单位",
                                                               parent_code="C")
    AdminService(city.runtime.db, city.runtime.rules).set_unit_active("STOP", False)
    before, logged = _state(city, item), len(_log(city))
    r = _patch(city, item, body)
    assert r.status_code == status, r.text
    assert message in r.text, r.text
    assert _state(city, item) == before and len(_log(city)) == logged


def test_an_unknown_item_and_bad_new_items_are_refused(city: City) -> None:
    for path in ("999999", "0", "abc"):
        r = city.client.patch(f"/api/v1/feedback/service-items/{path}", json={"active": False},
                              headers=city.headers("admin"))
        assert r.status_code in (404, 422), (path, r.text)
    assert _patch(city, 999999, {"active": False}).json()["error"]["message"] == \
        "服务事项 999999 不存在"
    _add(city)
    for body, status, message in (
            ({"unit_code": "W", "code": "W-001", "name": "水表"}, 409, "服务事项编码 W-001 已存在"),
            ({"unit_code": "W", "code": "W 2", "name": "水表"}, 422, "不能含空格"),
            ({"unit_code": "W", "code": "W-3", "name": "供水报装"}, 409, "该单位已有名为"),
            ({"unit_code": "NOPE", "code": "W-4", "name": "水表"}, 422, "单位 NOPE 不存在"),
            ({"unit_code": "W", "code": "W-5", "name": " "}, 422, "请填写服务事项名称")):
        r = city.client.post("/api/v1/feedback/service-items", json=body,
                             headers=city.headers("admin"))
        assert r.status_code == status and message in r.text, (body, r.text)
    assert len(_public(city)) == 1 and len(_log(city)) == 1


def _items_tab(city: City, query: str = "") -> str:
    r = city.client.get(f"/staff/admin?tab=items{query}")
    assert r.status_code == 200, r.text
    return r.text


def _row(page: str, code: str) -> str:
    found = re.search(rf'<tr data-service-item="{re.escape(code)}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, page[-3000:]
    return found.group(1)


def _figure(row: str, name: str) -> str:
    found = re.search(rf"data-{name}>([^<]*)<", row)
    assert found, row
    return found.group(1)


def test_the_admin_page_lists_items_with_their_figures_and_filters_by_unit(city: City) -> None:
    water = _add(city)
    street = _add(city, "S-001", "居住证办理", "D1S1")
    _add(city, "D2-001", "社保卡补办", "D2")
    for stars, phone in ((1, "13900000001"), (2, "13900000002"), (5, "13900000003")):
        assert _rate(city, water, stars, phone).status_code == 201
    assert _patch(city, water, {"active": False}).status_code == 200
    token = page_login(city.client, "admin")
    assert token
    page = _items_tab(city)
    assert 'aria-current="page">服务事项' in page  # its tab in the admin navigation
    row = _row(page, "W-001")
    assert "供水报装" in row and "市水务局" in row and "已停用" in row
    # a stopped item's ratings still count; its poster is not offered
    assert (_figure(row, "ratings"), _figure(row, "bad"), _figure(row, "average")) == (
        "3", "2", "2.7")
    assert "data-poster" not in row
    other = _row(page, "S-001")
    assert _figure(other, "ratings") == "0" and _figure(other, "average") == "—"
    assert f'href="/staff/admin/service-items/{street}/poster"' in other
    assert f'href="{BASE}/rate/item/{street}"' in other
    # the unit filter takes the unit's subtree
    d1 = _items_tab(city, "&unit=D1")
    assert "S-001" in d1 and "W-001" not in d1 and "D2-001" not in d1
    missing = city.client.get("/staff/admin?tab=items&unit=NOPE")
    assert missing.status_code == 404 and "单位 NOPE 不存在" in missing.text
    en = _items_tab(city, "&lang=en")
    assert "Average stars" in en and "Print QR poster" in en and "Add a service item" in en
    # the units tab no longer keeps the links: it points here
    assert "/staff/admin?tab=items" in city.client.get("/staff/admin?tab=units").text


def test_the_admin_adds_edits_and_switches_off_an_item_on_the_page(city: City) -> None:
    c = city.client
    token = page_login(c, "admin")
    r = c.post("/staff/admin/service-items", data={
        "csrf_token": token, "code": "W-010", "name": "水表 报停", "unit_code": "W"},
        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/admin?tab=items"
    page = c.get(r.headers["location"]).text
    assert "已新增服务事项：W-010 水表 报停" in page
    [item] = [i for i, (name, _) in _public(city).items() if name == "水表 报停"]
    # refused: the tab at once (4xx) with the reason and what was typed; nothing stored
    bad = c.post("/staff/admin/service-items", data={
        "csrf_token": token, "code": "W-011", "name": "长" * 201, "unit_code": "W"})
    assert bad.status_code == 422 and "服务事项名称不能超过 200 字" in bad.text
    assert 'value="W-011"' in bad.text
    # shown at the address it was posted to, its tabs still lead to the admin page's tabs
    assert 'href="/staff/admin?tab=units"' in bad.text
    dup = c.post("/staff/admin/service-items", data={
        "csrf_token": token, "code": "W-010", "name": "别的", "unit_code": "W"})
    assert dup.status_code == 409 and "服务事项编码 W-010 已存在" in dup.text
    assert len(_public(city)) == 1
    # edit: the form holds the item; a refusal keeps what was typed
    edit = c.get(f"/staff/admin?tab=items&edit={item}")
    assert 'data-edit-item="W-010"' in edit.text and 'value="水表 报停"' in edit.text
    bad = c.post(f"/staff/admin/service-items/{item}", data={
        "csrf_token": token, "name": "水表报停", "unit_code": "NOPE"})
    assert bad.status_code == 422 and "单位 NOPE 不存在或已停用" in bad.text
    assert 'value="NOPE"' in bad.text and 'data-edit-item="W-010"' in bad.text
    assert _public(city)[item] == ("水表 报停", "市水务局")
    ok = c.post(f"/staff/admin/service-items/{item}", data={
        "csrf_token": token, "name": "水表报停", "unit_code": "D2S1"}, follow_redirects=False)
    assert ok.status_code == 303
    assert "已保存服务事项：W-010 水表报停（西长安街街道）" in c.get(ok.headers["location"]).text
    assert _public(city)[item] == ("水表报停", "西长安街街道")
    off = c.post(f"/staff/admin/service-items/{item}/active",
                 data={"csrf_token": token, "active": "0"}, follow_redirects=False)
    assert off.status_code == 303
    assert "已停用服务事项：W-010 水表报停" in c.get(off.headers["location"]).text
    assert item not in _public(city)
    assert c.get(f"/staff/admin/service-items/{item}/poster").status_code == 409
    unknown = c.post("/staff/admin/service-items/999999/active",
                     data={"csrf_token": token, "active": "1"})
    assert unknown.status_code == 404 and "服务事项 999999 不存在" in unknown.text
    assert [a for a, *_ in _log(city)] == ["add", "update", "deactivate"]


def test_the_poster_holds_the_absolute_rating_address_as_a_qr_code(city: City) -> None:
    item = _add(city, "W-020", "户表报装")
    c = city.client
    page_login(c, "admin")
    r = c.get(f"/staff/admin/service-items/{item}/poster")
    assert r.status_code == 200, r.text
    assert "扫码评价" in r.text and "户表报装" in r.text and "市水务局" in r.text
    url = f"{BASE}/rate/item/{item}"
    assert f"<p class=\"poster-url\" data-url>{url}</p>" in r.text
    assert "data-base-warning" not in r.text  # the public address is set
    svg = re.search(r"<svg.*?</svg>", r.text, re.S)
    assert svg
    modules = svg_modules(svg.group(0))
    # the modules are segno's own for that address, with the 4-module quiet zone …
    border = 4
    expected = [[bool(v) for v in row]
                for row in segno.make(url, error="m", micro=False).matrix]
    assert [row[border:-border] for row in modules[border:-border]] == expected
    assert not any(modules[0]) and not any(row[0] for row in modules)
    # … and a real decoder reads the address back from them
    assert decode(picture(modules)) == [url]
    # the print style sheet puts it alone on an A4 page
    css = (Path(__file__).parents[2] / "src/jiesu/web/static/jiesu.css").read_text("utf-8")
    assert re.search(r"@page \{ size: A4 portrait;", css)
    en = c.get(f"/staff/admin/service-items/{item}/poster?lang=en")
    assert "Scan to rate" in en.text and decode(picture(svg_modules(
        re.search(r"<svg.*?</svg>", en.text, re.S).group(0)))) == [url]  # type: ignore[union-attr]
    for path in ("999999", "abc"):
        assert c.get(f"/staff/admin/service-items/{path}/poster").status_code == 404


def test_an_item_of_a_stopped_unit_takes_no_rating(city: City) -> None:
    """A unit stopped (停用) has closed its windows: its items left the public catalogue and
    their page and the API refuse a rating, as for an item switched off, and no poster is
    printed; once the unit is on again they are rated as before."""
    from jiesu.services.admin import AdminService

    item = _add(city)
    admin = AdminService(city.runtime.db, city.runtime.rules)
    admin.set_unit_active("W", False)
    assert item not in _public(city)
    refused = _rate(city, item, 5)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["message"] == "该服务事项已停用，暂不接受评价"
    page = city.client.get(f"/rate/item/{item}")
    assert page.status_code == 409 and "供水报装" in page.text and 'name="stars"' not in page.text
    page_login(city.client, "admin")
    poster = city.client.get(f"/staff/admin/service-items/{item}/poster")
    assert poster.status_code == 409 and "所属单位已停用" in poster.text
    admin.set_unit_active("W", True)
    assert item in _public(city)
    assert _rate(city, item, 5).status_code == 201
