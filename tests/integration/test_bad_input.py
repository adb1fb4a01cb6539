"""Input the database cannot hold gets a 4xx with a message and changes nothing (these were
500s found by running schemathesis against the demo)."""

from __future__ import annotations

from tests.integration.test_web_admin_intake import login_admin
from tests.support.city import City

CANNOT_STORE = "数值超出允许范围，或内容含有无法保存的字符"


def test_numbers_too_large_for_the_database_are_refused(city: City) -> None:
    admin = city.headers("admin")
    huge = 10**25
    cases = [("post", f"/api/v1/feedback/ratings/{huge}/appeal", {"reason": "不公平"}),
             ("delete", f"/api/v1/admin/sla-policies/{huge}", None),
             ("get", f"/api/v1/feedback/service-items?unit={huge}", None),
             ("post", "/api/v1/feedback/ratings",
              {"stars": 1, "phone": "13800000000", "service_item_id": huge})]
    for method, url, body in cases:
        r = city.client.request(method, url, headers=admin, json=body)
        assert r.status_code == 422, (url, r.text)
        assert r.json()["error"]["message"] == CANNOT_STORE, r.text
    r = city.client.get("/api/v1/feedback/followups", params={"page": 2**61}, headers=admin)
    assert r.status_code == 422 and "页码" in r.json()["error"]["message"]
    login_admin(city.client)
    r = city.client.get(f"/staff/appeals/{huge}")
    assert r.status_code == 422 and CANNOT_STORE in r.text


def test_a_calendar_day_that_does_not_exist_is_refused(city: City) -> None:
    r = city.client.post("/api/v1/admin/calendar", headers=city.headers("admin"),
                         json={"year": 2026, "days": [{"day": "2026-02-30", "is_workday": True}]})
    assert r.status_code == 422 and "2026-02-30 不是有效的日期" in r.json()["error"]["message"]


def test_text_with_a_nul_character_is_registered_without_it(city: City) -> None:
    a = city.register(content="路灯\x00坏了", title="路灯\x00")
    got = city.client.get(f"/api/v1/appeals/{a['id']}", headers=city.headers("operator")).json()
    assert got["content"] == "路灯坏了" and got["title"] == "路灯"


def test_open_data_dates_outside_the_calendar_are_refused(city: City) -> None:
    r = city.client.get("/open-data/stats.json", params={"from": "0001-01-01"})
    assert r.status_code == 422 and "超出范围" in r.json()["error"]["message"]
    r = city.client.get("/open-data/stats.json", params={"from": "2026-01-01"})
    assert r.status_code == 200
    r = city.client.get("/open-data/stats.pdf")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_an_unreadable_csv_is_a_message_naming_the_line(city: City) -> None:
    admin = dict(city.headers("admin"), **{"content-type": "text/csv"})
    # a lone carriage return ends a line, as in files saved by old Mac programs
    r = city.client.put("/api/v1/admin/intake/gazetteer", headers=admin,
                        content="code,name,level\rD1,东城区,district\r".encode())
    assert r.status_code == 200, r.text
    too_long = "code,name,level\nD1,东城区,district\nD2," + "长" * 200_000 + ",district\n"
    r = city.client.put("/api/v1/admin/intake/gazetteer", headers=admin,
                        content=too_long.encode())
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"].startswith("地名表第 3 行不是有效的 CSV")
    r = city.client.put("/api/v1/admin/intake/routing", headers=admin,
                        content=("category,unit\n" + "x" * 200_000 + ",D1\n").encode())
    assert r.status_code == 422 and "路由规则第 2 行不是有效的 CSV" in r.text, r.text


def test_a_category_added_twice_is_a_conflict(city: City) -> None:
    admin = city.headers("admin")
    r = city.client.post("/api/v1/admin/categories", headers=admin,
                         json={"name": "路灯", "parent_code": "01.01"})
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "“城乡建设/市政设施”下已有“路灯”"
    r = city.client.post("/api/v1/admin/categories", headers=admin, json={"name": "城乡建设"})
    assert r.status_code == 409 and r.json()["error"]["message"] == "一级分类中已有“城乡建设”"
    r = city.client.post("/api/v1/admin/categories", headers=admin,
                         json={"name": "井盖", "parent_code": "01.01"})
    assert r.status_code == 201, r.text
