"""Input the database cannot hold gets a 4xx with a message and changes nothing (these were
500s found by running schemathesis against the demo)."""

from __future__ import annotations

import re
import sqlite3
import threading
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from jiesu.domain.errors import Busy, DomainError, Unavailable
from jiesu.services.admin import AdminService
from jiesu.services.clock import utcnow
from jiesu.store.tables import SettingRow
from tests.integration.test_web_admin_intake import login_admin
from tests.integration.test_web_pages import _login as _web_login
from tests.integration.test_web_pages import _token as _web_token
from tests.support.city import PASSWORD, City

CANNOT_STORE = "数值超出允许范围，或内容含有无法保存的字符"


def _flashes(page: str) -> list[str]:
    return re.findall(r'<div class="flash flash-[a-z]+"[^>]*>([^<]*)</div>', page)


def _login(c: Any, username: str) -> str:
    """Log in on the pages in a fresh session; the CSRF token of the session."""
    c.cookies.clear()
    _web_login(c, username)
    return _web_token(c, "/staff")


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


def test_deeply_nested_json_is_a_message(city: City) -> None:
    admin = dict(city.headers("admin"), **{"content-type": "application/json"})
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    for kind in ("routing", "keywords", "polygons"):
        r = city.client.put(f"/api/v1/admin/intake/{kind}", headers=admin, content=deep)
        assert r.status_code == 422 and "嵌套层数过多" in r.text, (kind, r.text)
    toml = dict(admin, **{"content-type": "text/plain"})
    r = city.client.put("/api/v1/admin/intake/urgency", headers=toml,
                        content="a = " + "[" * 5000)
    assert r.status_code == 422 and "嵌套层数过多" in r.text, r.text
    r = city.client.post("/api/v1/auth/token", content=deep,
                         headers={"content-type": "application/json"})
    assert r.status_code == 422 and "用户名和密码" in r.json()["error"]["message"]
    r = city.client.post("/api/v1/appeals", content=deep, headers=admin)
    assert r.status_code == 400 and r.json()["error"]["message"] == "请求格式不正确"


def test_a_field_the_api_does_not_have_is_named_as_such(city: City) -> None:
    """A misspelt field (the requester's phone is `requester_phone`) said
    phone格式不正确：Extra inputs are not permitted, as if its value were wrong."""
    r = city.client.post("/api/v1/appeals", headers=city.headers("operator"),
                         json={"kind": "complaint", "content": "路灯坏了", "phone": "13800138000"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"] == "没有名为 phone 的字段（各字段见 /docs）", r.text


def test_a_value_of_the_wrong_type_or_out_of_bounds_is_refused_in_chinese(city: City) -> None:
    """The API's schema refusals read "employees格式不正确：Input should be a valid integer,
    unable to parse string as an integer": pydantic's English after an English field name."""
    admin = city.headers("admin")
    base = {"uscc": "911101010000000002", "name": "示范企业"}
    for body, said in (
            ({"employees": "八十"}, "从业人员须为整数"),
            ({"revenue": -1}, "营业收入不能小于 0"),
            ({"founded_on": "2020-13-01"}, "成立日期须为日期，如 2026-01-31"),
            ({"employees": 10**9}, "从业人员不能大于 100000000")):
        r = city.client.post("/api/v1/enterprises", headers=admin, json=base | body)
        assert r.status_code == 422 and r.json()["error"]["message"] == said, r.text
    r = city.client.get("/api/v1/enterprises", headers=admin, params={"per_page": 1000})
    assert r.json()["error"]["message"] == "每页条数不能大于 500", r.text
    r = city.client.post("/api/v1/policy-matches/1/decision", headers=admin,
                         json={"approve": "也许"})
    assert r.json()["error"]["message"] == "审核结论须为 true 或 false", r.text
    assert city.client.get("/api/v1/enterprises", headers=admin).json()["total"] == 0


def test_action_forms_read_only_ascii_digits_as_numbers(city: City) -> None:
    """"²".isdigit() is true but int("²") fails: it was a 500 on every action form."""
    a = city.register()
    c = city.client
    token = _login(c, "dispatcher")
    r = c.post(f"/staff/appeals/{a['id']}/dispatch", follow_redirects=True,
               data={"unit_id": "²", "csrf_token": token})
    assert r.status_code == 200 and _flashes(r.text) == ["主办单位 ² 不存在或已停用"]
    r = c.post(f"/staff/appeals/{a['id']}/dispatch", follow_redirects=True,
               data={"unit_id": str(city.unit_ids["D1"]), "version": "²", "csrf_token": token})
    assert r.status_code == 200 and _flashes(r.text) == [f"已派单：{a['code']}"]
    got = city.client.get(f"/api/v1/appeals/{a['id']}", headers=city.headers("dispatcher"))
    assert got.json()["status"] == "dispatched"  # "²" as the version is no version at all


def test_a_long_value_quoted_in_an_error_still_reaches_the_person(city: City) -> None:
    """The message lives in the session cookie; past 4 KB a browser drops it."""
    a = city.register()
    c = city.client
    token = _login(c, "dispatcher")
    r = c.post(f"/staff/appeals/{a['id']}/reject", follow_redirects=False,
               data={"reason": "无" * 100_000, "csrf_token": token})
    assert r.status_code == 303
    assert len(r.headers["set-cookie"]) < 4000
    page = c.get(r.headers["location"]).text
    [message] = _flashes(page)
    assert message.startswith("不予受理理由“无无无") and "…”无效" in message


def test_category_names_are_cleaned_and_bounded(city: City) -> None:
    admin = city.headers("admin")
    r = city.client.post("/api/v1/admin/categories", headers=admin,
                         json={"name": "长" * 101, "parent_code": "01"})
    assert r.status_code == 422
    for code in ("", " ", "a b", "x" * 65, "路灯"):
        r = city.client.post("/api/v1/admin/categories", headers=admin,
                             json={"name": "井盖", "parent_code": "01", "code": code})
        assert r.status_code == 422 and ("分类编码只能由字母" in r.text or "编码过长" in r.text)
    r = city.client.post("/api/v1/admin/categories", headers=admin,
                         json={"name": "\x01\x02", "parent_code": "01"})
    assert r.status_code == 422 and r.json()["error"]["message"] == "分类名称不能为空"
    svc = AdminService(city.runtime.db, city.runtime.rules)
    with pytest.raises(DomainError, match="分类名称不能超过 100 字"):
        svc.import_categories([["城乡建设", "长" * 101]])
    result = svc.import_categories([["城乡建设", "市政设施", f"井盖{i}"] for i in range(300)]
                                   + [["城乡建设", "市政\x00设施", "井盖0"]])
    assert (result.created, result.existing) == (300, 2)  # 城乡建设 and 市政设施, once each


def test_a_write_lock_held_past_the_wait_is_busy_not_a_server_error(city: City) -> None:
    """SQLite gives up after busy_timeout when another process holds the write lock; the
    unit of work turns that into Busy (503, 请稍后重试) and nothing is written."""
    locked = OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(
        "database is locked"))
    with pytest.raises(Busy, match="系统繁忙"), city.runtime.db.uow() as uow:
        uow.session.add(SettingRow(key="probe", value="1", updated_at=utcnow()))
        uow.session.flush()
        raise locked
    with city.runtime.db.uow(write=False) as uow:
        assert uow.session.get(SettingRow, "probe") is None
    other = OperationalError("SELECT", None, sqlite3.OperationalError("disk I/O error"))
    # SQLite's other operational errors are faults (500); on PostgreSQL every operational
    # error (server gone, connection cut, deadlock) is 503 (test_database_unavailable.py)
    expected = Unavailable if city.runtime.db.dialect == "postgresql" else OperationalError
    with pytest.raises(expected), city.runtime.db.uow():
        raise other


def test_two_taxonomy_imports_at_once_never_end_in_a_server_error(city: City) -> None:
    """Both read the same sibling codes; on PostgreSQL the later INSERT hits the unique key.
    Each import either lands whole or is a Conflict that saved nothing."""
    svc = AdminService(city.runtime.db, city.runtime.rules)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def run(tag: str) -> None:
        start.wait()
        try:
            svc.import_categories([["城乡建设", "市政设施", f"{tag}{i}"] for i in range(150)])
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(f"{exc.http_status} {exc.message}")
        except Exception as exc:  # noqa: BLE001 - what the thread would otherwise swallow
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(t,)) for t in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2
    assert all(o == "ok" or o.startswith("409 分类刚被另一项操作修改") for o in outcomes), outcomes
    tree = city.client.get("/api/v1/admin/categories", headers=city.headers("admin")).json()
    names = {c["name"] for c in tree}
    for tag in ("甲", "乙"):  # an import is whole or absent
        landed = sum(f"{tag}{i}" in names for i in range(150))
        assert landed in (0, 150)
    assert sum(o == "ok" for o in outcomes) == sum(
        f"{tag}0" in names for tag in ("甲", "乙"))


def test_a_phone_typed_with_a_chinese_input_method_is_the_same_phone(city: City) -> None:
    """Full-width digits (what a Chinese input method types) and separators are stored as
    plain digits, so the resident can track the appeal, the operator sees the caller's
    earlier appeals and follow-up reaches the same number."""
    c = city.client
    c.cookies.clear()
    token = _web_token(c, "/submit")
    r = c.post("/submit", follow_redirects=False, data={
        "kind": "complaint", "content": "小区路灯坏了一个月", "csrf_token": token,
        "requester_phone": "１３８ ０００１－３８００"})
    assert r.status_code == 303, r.text
    code = r.headers["location"].split("/track/")[1].split("?")[0]
    c.cookies.clear()
    token = _web_token(c, "/track")
    r = c.post("/track", data={"code": code, "phone": "13800013800", "csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/track/{code}"
    a = city.register(requester_phone="(138) 0001-3800", content="又坏了")
    got = c.get(f"/api/v1/appeals/{a['id']}", headers=city.headers("operator")).json()
    assert got["requester_phone"] == "13800013800"
    r = c.post("/api/v1/intake/suggest", headers=city.headers("operator"),
               json={"content": "路灯", "requester_phone": "１３８０００１３８００"})
    assert {e["code"] for e in r.json()["earlier"]} == {code, a["code"]}
    _login(c, "operator")
    page = c.get("/staff/operator/earlier", params={"phone": "１３８-０００１-３８００"}).text
    assert code in page and a["code"] in page


def test_busy_is_a_503_that_says_when_to_try_again(city: City,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(*_: Any, **__: Any) -> None:
        raise Busy("系统繁忙，请稍后重试")

    monkeypatch.setattr(city.runtime.appeals, "register", locked)
    r = city.client.post("/api/v1/appeals", headers=city.headers("operator"),
                         json={"kind": "complaint", "content": "路灯坏了"})
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["error"] == {"code": "busy", "message": "系统繁忙，请稍后重试"}


def test_login_never_sends_people_to_another_site(city: City) -> None:
    """Only local paths, and none with whitespace (a browser drops tabs and line breaks from
    a URL, so "/<tab>/evil" would read "//evil" if the redirect did not encode it)."""
    c = city.client
    for next_url in ("//evil.example", "https://evil.example", "/\\evil.example",
                     "/\t/evil.example", "/\n/evil.example", "/ /evil.example"):
        c.cookies.clear()
        token = _web_token(c, "/login")
        r = c.post("/login", data={"username": "dispatcher", "password": PASSWORD,
                                   "csrf_token": token, "next": next_url},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/staff/dispatch", next_url
    c.cookies.clear()
    token = _web_token(c, "/login")
    r = c.post("/login", data={"username": "dispatcher", "password": PASSWORD,
                               "csrf_token": token, "next": "/staff/dashboard"},
               follow_redirects=False)
    assert r.headers["location"] == "/staff/dashboard"


def test_error_bodies_match_the_error_schema_the_api_publishes(city: City) -> None:
    import jsonschema

    c = city.client
    schema = c.get("/openapi.json").json()
    published = {"$ref": "#/components/schemas/ErrorResponse",
                 "components": schema["components"]}
    register = schema["paths"]["/api/v1/appeals"]["post"]["responses"]["422"]
    assert register["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"}
    assert "HTTPValidationError" not in str(schema)
    admin = city.headers("operator")
    answers = [c.post("/api/v1/appeals", json={"kind": "rumour"}, headers=admin),  # 422 schema
               c.get("/api/v1/appeals/999999", headers=admin),  # 404 domain
               c.get("/api/v1/appeals"),  # 401
               c.post("/api/v1/appeals/1/dance", json={}, headers=admin)]
    assert [r.status_code for r in answers][:3] == [422, 404, 401]
    for r in answers:
        assert r.status_code >= 400
        jsonschema.validate(r.json(), published)
    assert answers[0].json()["error"]["detail"]


@pytest.mark.parametrize(("method", "path", "role", "message"), [
    ("get", "/api/v1/exports/ledger.csv", "auditor", "您的角色无权导出台账"),
    ("post", "/api/v1/feedback/default-ratings/run", "analyst", "只有管理员可以执行默认评价"),
    ("post", "/api/v1/stats/kpi/formula", "analyst", "只有管理员可以修改考核公式"),
    ("post", "/api/v1/stats/kpi/store?period=2026-11", "supervisor", "您的角色无权保存考核结果"),
    ("get", "/api/v1/stats/kpi/stored?period=2026-11", "handler_d1", "您的角色无权查看统计"),
    ("get", "/api/v1/stats/rankings?period=2026-11&group=district", "followup",
     "您的角色无权查看统计"),
])
def test_a_role_the_route_does_not_admit_gets_403_with_its_message(
        city: City, method: str, path: str, role: str, message: str) -> None:
    """The roles are declared on the route (require_roles), so the API reference lists them;
    the refusal comes before anything is read or parsed."""
    r = city.client.request(method, path, headers=city.headers(role),
                            json={"settings": {}} if method == "post" else None)
    assert r.status_code == 403, r.text
    assert r.json()["error"] == {"code": "permission_denied", "message": message}


def test_the_log_of_a_refused_statement_quotes_no_parameters(
        city: City, caplog: pytest.LogCaptureFixture) -> None:
    """SQLAlchemy's error text quotes the statement's parameters, which are phone numbers,
    names and appeals' text as often as ids: logs keep the error and the statement, never the
    values (the engines hide them)."""
    import logging

    caplog.set_level(logging.DEBUG)
    r = city.client.post("/api/v1/feedback/ratings", json={
        "stars": 1, "phone": "13912345678", "service_item_id": 10**25})
    assert r.status_code == 422, r.text
    assert "refused as bad input" in caplog.text
    assert str(10**25) not in caplog.text and "13912345678" not in caplog.text


def test_numbers_out_of_range_are_said_in_chinese(city: City) -> None:
    """The rating API answered 评价 0 stars with "stars格式不正确：Input should be greater than
    or equal to 1", a one-digit phone with "phone不能为空", and both targets with "参数格式不正确：
    Value error, …": pydantic's English and the field's code name."""
    rate = "/api/v1/feedback/ratings"
    cases = [
        ({"stars": 0, "phone": "13800138000", "appeal_code": "x"}, "评价星级不能小于 1"),
        ({"stars": 6, "phone": "13800138000", "appeal_code": "x"}, "评价星级不能大于 5"),
        ({"stars": "五", "phone": "13800138000", "appeal_code": "x"}, "评价星级须为整数"),
        ({"stars": 3, "phone": "1", "appeal_code": "x"}, "联系电话至少 3 个字符"),
        ({"stars": 3, "phone": "13800138000"}, "appeal_code 与 service_item_id 须且只能填一个"),
    ]
    for body, message in cases:
        r = city.client.post(rate, json=body)
        assert r.status_code == 422 and r.json()["error"]["message"] == message, r.text
    r = city.client.post("/api/v1/feedback/rating-appeals/1/decide",
                         headers=city.headers("supervisor"), json={"uphold": "也许", "reason": "x"})
    assert r.status_code == 422 and r.json()["error"]["message"] == "审核结论须为 true 或 false"
    r = city.client.post("/api/v1/stats/hotspots/h1/task", headers=city.headers("analyst"),
                         json={"unit_id": 0})
    assert r.status_code == 422 and r.json()["error"]["message"] == "单位不能小于 1", r.text
    assert city.client.get("/api/v1/feedback/ratings",
                           headers=city.headers("supervisor")).json() == []


def test_a_status_the_feedback_lists_do_not_have_is_refused(city: City) -> None:
    """?status=opne listed nothing, as if no rectification were open."""
    for path, user in (("/api/v1/feedback/rectifications", "supervisor"),
                       ("/api/v1/feedback/rating-appeals", "supervisor")):
        r = city.client.get(path, params={"status": "opne"}, headers=city.headers(user))
        assert r.status_code == 422, r.text
        assert r.json()["error"]["message"].startswith("状态的取值无效"), r.text
    r = city.client.get("/api/v1/feedback/rectifications", params={"status": "open"},
                        headers=city.headers("supervisor"))
    assert r.status_code == 200 and r.json() == []
