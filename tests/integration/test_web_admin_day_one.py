"""What a new city's administrator does on day one through the admin page (SQLite and
PostgreSQL): next year's working calendar uploaded as a CSV, the KPI weights changed, a time
limit keyed on a category that would never apply refused, a refused new user kept as typed,
and the codes the tables store shown with their names."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from jiesu.services.admin import AdminService
from jiesu.services.reporting import ReportingService
from jiesu.store.tables import SlaPolicyRow, UnitRow, UserRow
from jiesu.web.routes import admin as admin_routes
from tests.integration.test_web_admin_intake import login_admin
from tests.support.city import City, page_login


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _value(page: str, field_id: str) -> str:
    tag = re.search(rf'<input id="{field_id}"[^>]*>', page)
    assert tag, field_id
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def _flash(page: str) -> str:
    found = re.search(r'class="flash flash-(?:info|error)[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def _upload_calendar(c: TestClient, token: str, body: bytes, name: str = "2027.csv") -> str:
    return c.post("/staff/admin/calendar/import", data={"csrf_token": token},
                  files={"file": (name, body, "text/csv")}, follow_redirects=True).text


def test_next_years_calendar_is_uploaded_as_a_csv_and_moves_working_days(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=calendar").text
    assert 'action="/staff/admin/calendar/import"' in page and "date,is_workday" in page
    # a year the package does not cover: the page points to the upload, not to a command
    r = c.post("/staff/admin/calendar", data={"csrf_token": _token(page), "year": "2099"},
               follow_redirects=True)
    assert "上传工作日历" in r.text and "命令行" not in _flash(r.text)
    # a bad line: a Chinese message naming it, and nothing loaded
    bad = b"date,is_workday\n2027-10-01,0\n2027-13-01,0\n"
    assert "工作日历文件有误，未导入：第 3 行" in _upload_calendar(c, _token(page), bad)
    assert 2027 not in city.runtime.rules.get().calendar.loaded_years
    # a GBK file as Chinese Excel saves it, with 是/否
    good = "date,is_workday,说明\n2027-10-01,否,国庆\n2027-10-04,否,国庆\n2027-10-09,是,调休\n"
    assert "2027 年日历已导入（3 个调整日）" in _upload_calendar(c, _token(page),
                                                         good.encode("gb18030"))
    calendar = city.runtime.rules.get().calendar
    assert 2027 in calendar.loaded_years
    assert not calendar.is_workday(date(2027, 10, 4))  # a Monday off
    assert calendar.is_workday(date(2027, 10, 9))  # a Saturday at work
    tab = c.get("/staff/admin?tab=calendar").text
    assert "2027.csv" in tab
    # the tab lists what was loaded, to be checked against the State Council's notice
    days = re.search(r'<details data-days="2027"><summary>(.*?)</summary>(.*?)</details>', tab,
                     re.S)
    assert days and days.group(1) == "3 天"
    assert re.search(r"2027-10-04 周一 <span[^>]*>放假</span>", days.group(2))
    assert re.search(r"2027-10-09 周六 <span[^>]*>调休上班</span>", days.group(2))
    # no file, or one with no date line
    r = c.post("/staff/admin/calendar/import", data={"csrf_token": _token(page)},
               follow_redirects=True)
    assert "请选择工作日历文件" in r.text
    assert "没有日期行" in _upload_calendar(c, _token(page), b"date,is_workday\n")
    r = c.get("/staff/admin?tab=calendar&lang=en")
    assert "The calendar file has an error, nothing was loaded: line 2" in _upload_calendar(
        c, _token(r.text), b"date,is_workday\n2027-10-01,maybe\n")


def test_the_kpi_weights_are_changed_on_the_admin_page(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=kpi").text
    assert _value(page, "k-response") == "10" and _value(page, "k-satisfaction") == "45"
    reporting = ReportingService(city.runtime.db, city.runtime.rules, city.runtime.settings)
    before = reporting.formula().version
    # weights that do not add up to 100%: refused, kept as typed, nothing stored
    r = c.post("/staff/admin/kpi", follow_redirects=True, data={
        "csrf_token": _token(page), "weight_response": "20", "weight_resolution": "45",
        "weight_satisfaction": "45", "basic_satisfaction_weight": "0.8",
        "partly_resolved_weight": "0", "note": "试行"})
    assert "三项权重之和须为 100%，现为 110%" in r.text
    assert _value(r.text, "k-response") == "20" and _value(r.text, "k-note") == "试行"
    assert reporting.formula().version == before
    r = c.post("/staff/admin/kpi", follow_redirects=True, data={
        "csrf_token": _token(page), "weight_response": "二十", "weight_resolution": "40",
        "weight_satisfaction": "40", "basic_satisfaction_weight": "0.8",
        "partly_resolved_weight": "0"})
    assert "响应率权重须为数字" in r.text and reporting.formula().version == before
    r = c.post("/staff/admin/kpi", follow_redirects=True, data={
        "csrf_token": _token(page), "weight_response": "20", "weight_resolution": "40",
        "weight_satisfaction": "40", "basic_satisfaction_weight": "0.9",
        "partly_resolved_weight": "0.5", "response_measure": "sign", "note": "2027 年考核办法"})
    assert f"考核公式已保存为第 {before + 1} 版" in r.text
    formula = reporting.formula()
    assert (formula.version, formula.weight_response, formula.weight_resolution) == (
        before + 1, 0.2, 0.4)
    assert abs(formula.weight_satisfaction - 0.4) < 1e-9
    assert (formula.basic_satisfaction_weight, str(formula.response_measure)) == (0.9, "sign")
    page = c.get("/staff/admin?tab=kpi").text
    assert _value(page, "k-response") == "20" and "2027 年考核办法" in page
    assert f'data-formula-version="{before + 1}"' in page


def test_a_time_limit_on_a_category_it_could_never_match_is_refused(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=sla").text
    leaf = re.search(r'<option value="([0-9.]+)">城乡建设/市政设施/路灯</option>', page)
    assert leaf, "the category field offers the leaf categories"
    base = {"csrf_token": _token(page), "clock": "handle", "amount": "3",
            "limit_unit": "workday", "kind": "help"}
    for code, said in (("99.99.999", "事项分类 99.99.999 不存在"),
                       (leaf.group(1).rsplit(".", 1)[0], "下还有子分类")):
        r = c.post("/staff/admin/sla", data={**base, "category": code}, follow_redirects=True)
        assert said in r.text and _value(r.text, "s-category") == code
    with city.runtime.db.uow(write=False) as uow:
        assert not uow.session.query(SlaPolicyRow).filter(
            SlaPolicyRow.category.is_not(None)).count()
    r = c.post("/staff/admin/sla", data={**base, "category": leaf.group(1), "unit_code": "D1"},
               follow_redirects=True)
    assert "已新增时限规则：办理·求助·城乡建设/市政设施/路灯·东城区 3 个工作日" in r.text
    # the table names the category and the unit, not only their codes
    row = re.search(r"<td>城乡建设/市政设施/路灯 <code[^>]*>[0-9.]+</code></td><td>(.*?)</td>",
                    r.text)
    assert row and row.group(1).startswith("东城区 <code")


def test_a_refused_new_user_keeps_what_was_typed_and_bad_names_are_refused(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=users").text
    base = {"csrf_token": _token(page), "password": "secret-123", "role": "handler",
            "display_name": "新区承办人"}
    r = c.post("/staff/admin/users", follow_redirects=True,
               data={**base, "username": "h_new", "unit_code": "NOPE"})
    assert "单位 NOPE 不存在" in r.text
    assert [_value(r.text, f) for f in ("n-username", "n-display", "n-unit")] == [
        "h_new", "新区承办人", "NOPE"]
    assert re.search(r'<option value="handler" selected>', r.text)
    for username in ("h new", "u" * 65):
        r = c.post("/staff/admin/users", follow_redirects=True,
                   data={**base, "username": username, "unit_code": "D1"})
        assert "用户名不能超过 64 个字符，且不能含空格" in r.text, username
    # a unit code or name too long for its column: a message, not a database error
    r = c.post("/staff/admin/units", follow_redirects=True, data={
        "csrf_token": _token(page), "code": "X" * 65, "name": "新区", "group": "district"})
    assert "单位编码不能超过 64 个字符" in r.text
    r = c.post("/staff/admin/units", follow_redirects=True, data={
        "csrf_token": _token(page), "code": "N5", "name": "名" * 201, "group": "district"})
    assert "单位名称不能超过 200 字" in r.text
    with city.runtime.db.uow(write=False) as uow:
        assert not uow.session.query(UserRow).filter(UserRow.username.like("%new%")).count()
        assert not uow.session.query(UnitRow).filter(UnitRow.code == "N5").count()


def test_the_routing_table_names_its_categories_and_units(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=intake").text
    leaf = re.search(r"<code>([0-9.]+)</code> 路灯", c.get("/staff/admin?tab=taxonomy").text)
    assert leaf
    r = c.post("/staff/admin/intake/routing", data={
        "csrf_token": _token(page), "text": f"category,area,unit\n{leaf.group(1)},D1,W\n"},
        follow_redirects=True)
    assert "路由规则已保存：1 条" in r.text
    row = re.search(r"<td[^>]*>城乡建设/市政设施/路灯 <code[^>]*>[0-9.]+</code></td>"
                    r"<td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>", r.text)
    assert row and "东城区" in row.group(1) and "市水务局" in row.group(2)


def test_the_auditor_filters_events_by_type_and_day_and_sees_who_acted(city: City) -> None:
    c = city.client
    first = city.register()
    city.register()
    city.act("dispatcher", first["id"], "dispatch", unit_code="D1")
    page_login(c, "auditor")
    page = c.get("/staff/audit?type=dispatch").text
    assert page.count("<tr><td>") == 1 and first["code"] in page
    assert re.search(r'<option value="dispatch" selected>', page)
    # who acted, by name (the test city's users are named after their username)
    assert "<td>dispatcher</td>" in page
    today = datetime.now(city.runtime.settings.tz).date()  # ± a day: midnight may pass
    around = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    assert c.get(f"/staff/audit?{around}").text.count("<tr><td>") == 3
    later = today + timedelta(days=2)
    assert "没有符合条件的流转记录" in c.get(f"/staff/audit?from={later}").text
    # bad filters: a message, no list, no error page
    for query, said in (("from=2026-13-01", "日期应为 YYYY-MM-DD 格式"),
                        ("type=nope", "请从列表中选择事件类型"),
                        (f"from={later}&to={today}", "起始日期不能晚于截止日期")):
        r = c.get(f"/staff/audit?{query}")
        assert r.status_code == 200 and said in r.text and "<tr><td>" not in r.text, query


def test_the_examples_the_intake_tab_shows_load_as_they_are(city: City) -> None:
    """A new district with its street, community and grid added on the units tab, then the
    gazetteer and grid-boundary examples of the intake tab uploaded unchanged."""
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=units").text
    for code, name, parent, group in (("D05", "新区", "C", "district"),
                                      ("D05S1", "新区一街道", "D05", "street"),
                                      ("D05S1C1", "新区一社区", "D05S1", "community"),
                                      ("D05S1C1G1", "新区一社区第一网格", "D05S1C1", "grid")):
        r = c.post("/staff/admin/units", data={"csrf_token": _token(page), "code": code,
                                               "name": name, "parent_code": parent,
                                               "group": group}, follow_redirects=True)
        assert f"已添加单位：{name}" in r.text
    page = c.get("/staff/admin?tab=intake").text
    examples = {k: html.unescape(v) for k, v in
                re.findall(r'<pre data-example="(\w+)">(.*?)</pre>', page, re.S)}
    assert set(examples) == {"gazetteer", "polygons"}
    for kind, name, said in (
            ("gazetteer", "places.csv", "地名表已导入：3 个地名，其中 3 个对应单位"),
            ("polygons", "grids.geojson", "网格边界已导入：1 个区域")):
        r = c.post(f"/staff/admin/intake/{kind}", data={"csrf_token": _token(page)},
                   files={"file": (name, examples[kind].encode(), "text/plain")},
                   follow_redirects=True)
        assert said in r.text, kind


def test_the_taxonomy_is_edited_on_the_page_and_a_mistake_can_be_stopped(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=taxonomy").text
    level2 = re.search(r"<code>([0-9.]+)</code> 市政设施", page)
    assert level2
    r = c.post("/staff/admin/taxonomy/add", follow_redirects=True, data={
        "csrf_token": _token(page), "parent_code": level2.group(1), "name": "井盖缺失"})
    added = re.search(r"已添加分类：(\S+) 城乡建设/市政设施/井盖缺失", r.text)
    assert added
    code = added.group(1)
    # the same name again, or under a parent that does not exist: refused, kept as typed
    r = c.post("/staff/admin/taxonomy/add", follow_redirects=True, data={
        "csrf_token": _token(page), "parent_code": level2.group(1), "name": "井盖缺失"})
    assert "下已有“井盖缺失”" in r.text and _value(r.text, "cat-name") == "井盖缺失"
    r = c.post("/staff/admin/taxonomy/add", follow_redirects=True, data={
        "csrf_token": _token(page), "parent_code": "99", "name": "新分类"})
    assert "上级分类 99 不存在" in r.text
    # renaming the second level renames the full names below it
    r = c.post("/staff/admin/taxonomy/rename", follow_redirects=True, data={
        "csrf_token": _token(page), "code": level2.group(1), "name": "市政公用设施"})
    assert "分类已改名" in r.text
    sla = c.get("/staff/admin?tab=sla").text
    assert f'<option value="{code}">城乡建设/市政公用设施/井盖缺失</option>' in sla
    r = c.post("/staff/admin/taxonomy/rename", follow_redirects=True, data={
        "csrf_token": _token(page), "code": "nope", "name": "x"})
    assert "事项分类 nope 不存在" in r.text and _value(r.text, "ren-code") == "nope"
    # stopped: no longer offered, still listed (marked), and it comes back
    r = c.post("/staff/admin/taxonomy/active", follow_redirects=True, data={
        "csrf_token": _token(page), "code": code, "active": "0"})
    assert f"已停用分类 {code}：1 个" in r.text
    assert re.search(rf"data-inactive><code>{re.escape(code)}</code>", r.text)
    assert f'<option value="{code}">' not in c.get("/staff/admin?tab=sla").text
    r = c.post("/staff/admin/taxonomy/active", follow_redirects=True, data={
        "csrf_token": _token(page), "code": code, "active": "1"})
    assert f"已启用分类 {code}：1 个" in r.text
    assert f'<option value="{code}">' in c.get("/staff/admin?tab=sla").text


def test_a_refused_urgency_edit_comes_back_whole_with_every_problem(city: City) -> None:
    """Adding one keyword means editing the whole rule set (several KB of JSON): a mistake
    must not throw the edit away, and the message must not be cut."""
    c = city.client
    token = login_admin(c)
    page = c.get("/staff/admin?tab=intake").text
    edited = re.search(r'<textarea id="iu-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert edited and len(edited.group(1)) > 4000
    typed = html.unescape(edited.group(1)).replace('"燃气泄漏"', '"燃气泄漏", "闻到臭鸡蛋味"', 1)
    broken = typed.replace('"level": "emergency"', '"level": "very"')
    r = c.post("/staff/admin/intake/urgency", data={"csrf_token": token, "text": broken})
    assert r.status_code == 400 and 'data-intake-error="urgency"' in r.text
    assert "闻到臭鸡蛋味" in r.text and '"level": "very"' in html.unescape(r.text)
    assert "…" not in re.search(r'data-intake-error="urgency">(.*?)</div>', r.text, re.S
                                ).group(1)  # type: ignore[union-attr]
    assert "闻到臭鸡蛋味" not in c.get("/staff/admin?tab=intake").text  # nothing saved
    r = c.post("/staff/admin/intake/urgency", data={"csrf_token": token, "text": typed},
               follow_redirects=True)
    assert "紧急规则已保存" in r.text
    assert city.register(content="楼道里闻到臭鸡蛋味")["urgency"] == "emergency"


def _units_form(city: City) -> Callable[..., str]:
    """Post to the admin page's 单位 tab as a signed-in administrator; the page that follows."""
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=units").text

    def post(path: str, **data: str) -> str:
        return c.post(f"/staff/admin/units{path}", data={"csrf_token": _token(page), **data},
                      follow_redirects=True).text
    return post


def test_a_unit_added_by_mistake_is_renamed_or_stopped_on_the_page(city: City) -> None:
    c = city.client
    post = _units_form(city)
    post("", code="D05", name="新去", parent_code="C", group="district")
    post("", code="D05S1", name="新区一街道", parent_code="D05", group="street")
    assert "单位已改名：D05 新区" in post("/rename", code="D05", name="新区")
    assert "单位名称不能超过 200 字" in post("/rename", code="D05", name="名" * 201)
    # a unit with an active sub-unit (or users, or open appeals) cannot be stopped
    r = post("/active", code="D05", active="0")
    assert "单位 D05 还有 1 个启用中的下级单位，不能停用" in r  # a space between 有 and 1
    c.get("/staff/admin?tab=units&lang=en")
    english = post("/active", code="D05", active="0")
    assert "Unit D05 still has 1 active sub-unit(s)" in english
    c.get("/staff/admin?tab=units&lang=zh")
    assert "已停用单位：D05S1 新区一街道" in post("/active", code="D05S1", active="0")
    page = c.get("/staff/admin?tab=units").text
    assert re.search(r"data-inactive><code>D05S1</code> 新区一街道", page)
    # a stopped unit takes no new users and no new sub-units
    r = c.post("/staff/admin/users", follow_redirects=True, data={
        "csrf_token": _token(page), "username": "h_d05", "password": "secret-123",
        "role": "handler", "unit_code": "D05S1"}).text
    assert "单位 D05S1 不存在或已停用" in r
    assert "上级单位 D05S1 已停用" in post("", code="D05S1C1", name="社区", parent_code="D05S1",
                                       group="community")
    assert "已启用单位：D05S1" in post("/active", code="D05S1", active="1")
    r = c.post("/staff/admin/users", follow_redirects=True, data={
        "csrf_token": _token(page), "username": "h_d05", "password": "secret-123",
        "role": "handler", "unit_code": "D05S1"}).text
    assert "已添加用户：h_d05" in r
    assert "启用中的用户" in post("/active", code="D05S1", active="0")


def test_two_units_of_one_name_under_one_parent_are_refused(city: City) -> None:
    """A second 西城区 beside the first was added (or named, moved or 启用 again) without a word;
    the rankings, the 通报 and the dispatchers' lists then showed two rows of one name. Under
    another parent the same name is fine (two streets may each have a 新村社区)."""
    c = city.client
    post = _units_form(city)
    taken = "上级单位 C 下已有名为“西城区”的单位 D2，同一上级单位下的单位名称不能相同"
    assert taken in post("", code="D09", name="西城区", parent_code="C", group="district")
    assert taken in post("/rename", code="D1", name=" 西城区 ")
    assert "已添加单位：新村社区" in post("", code="D1S1C9", name="新村社区",
                                     parent_code="D1S1", group="community")
    assert "已添加单位：新村社区" in post("", code="D2S1C9", name="新村社区",
                                     parent_code="D2S1", group="community")
    moved = post("/move", code="D2S1C9", parent_code="D1S1")
    assert "上级单位 D1S1 下已有名为“新村社区”的单位 D1S1C9" in moved
    # a stopped unit's name may be used again, but the two cannot both be active
    assert "已停用单位：D2S1C9" in post("/active", code="D2S1C9", active="0")
    assert "已移动单位：D2S1C9 新村社区，西长安街街道 → 东华门街道" in post(
        "/move", code="D2S1C9", parent_code="D1S1")
    assert "已有名为“新村社区”的单位 D1S1C9" in post("/active", code="D2S1C9", active="1")
    assert "单位已改名：D1 东城区" in post("/rename", code="D1", name="东城区")  # its own name
    c.get("/staff/admin?tab=units&lang=en")
    english = post("", code="D09", name="西城区", parent_code="C", group="district")
    assert "Parent unit C already has a unit named “西城区” (D2)" in english
    tree = {r["code"]: r["name"] for r in city.client.get(
        "/api/v1/admin/units", headers=city.headers("admin")).json()}
    assert "D09" not in tree and tree["D1"] == "东城区"


def test_the_users_tab_finds_a_user_and_pages_a_long_list(city: City) -> None:
    c = city.client
    login_admin(c)
    admin = AdminService(city.runtime.db, city.runtime.rules)
    now = datetime.now(city.runtime.settings.tz)
    for n in range(105):  # more than a page; the list used to stop silently at 500
        admin.add_user(f"grid{n:03d}", "secret-123", "grid_worker", unit_code="D1S1C1",
                       display_name=f"网格员{n:03d}", now=now)
    page = c.get("/staff/admin?tab=users").text
    assert "page=2" in page and "grid104" not in page
    assert "grid104" in c.get("/staff/admin?tab=users&page=2").text
    found = c.get("/staff/admin?tab=users&q=网格员104").text
    assert "grid104" in found and "grid103" not in found and "(1)" in found
    assert "grid000" in c.get("/staff/admin?tab=users&q=多福巷").text  # by unit name
    assert "没有符合条件的用户" in c.get("/staff/admin?tab=users&q=nobody%25").text


def test_the_unit_tree_is_searched_and_says_when_it_is_cut(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    c = city.client
    login_admin(c)
    found = c.get("/staff/admin?tab=units&q=东华").text
    assert "<code>D1S1</code> 东华门街道" in found and "<code>D2</code>" not in found
    assert "<code>D2S1</code>" in c.get("/staff/admin?tab=units&q=d2").text  # code, any case
    assert "没有符合条件的单位" in c.get("/staff/admin?tab=units&q=不存在的单位").text
    monkeypatch.setattr(admin_routes, "UNITS_SHOWN", 3)
    page = c.get("/staff/admin?tab=units").text
    assert "data-capped" in page and page.count("<li class=\"depth-") == 3
