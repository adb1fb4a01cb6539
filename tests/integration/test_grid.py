"""Grid workers (网格员): patrol reports (巡查上报), solving on the spot (就地解决), their own
reports wherever they were sent, and the grid page, through the API and the forms (SQLite and
PostgreSQL)."""

from __future__ import annotations

import re

from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.clock import utcnow
from jiesu.store.tables import AppealRow
from tests.integration.test_web_pages import _login, _token
from tests.support.city import PASSWORD, City

LITTER = "多福巷3号楼2单元楼道堆放纸箱和旧家具，影响通行，存在消防隐患"
DONE = "已联系楼门长和物业当场清理，通道已畅通"


def _count(city: City) -> int:
    r = city.client.get("/api/v1/appeals", headers=city.headers("dispatcher"))
    return int(r.json()["total"])


def test_a_patrol_report_solved_on_the_spot_is_closed_as_the_grids_work(
        city: City, runtime: Runtime) -> None:
    appeal = city.register("grid", kind="help", channel="grid_patrol", content=LITTER,
                           requester_phone=None, requester_name=None, resolved_on_site=DONE)
    assert appeal["status"] == "closed"
    assert appeal["reply"]["text"] == DONE and appeal["reply"]["claim"] == "solved"
    grid = city.unit_ids["D1S1C1"]
    assert appeal["lead_unit"]["id"] == grid  # counted as the grid's own work
    detail = city.client.get(f"/api/v1/appeals/{appeal['id']}",
                             headers=city.headers("dispatcher")).json()
    assert [e["type"] for e in detail["events"]] == ["register", "resolve_on_site"]
    assert detail["dispatched_at"] is None  # never went through dispatch
    with runtime.db.uow(write=False) as uow:  # no address or position: the worker's grid
        assert uow.session.get(AppealRow, appeal["id"]).area_unit_id == grid


def test_only_a_grid_workers_patrol_report_can_be_solved_on_the_spot(city: City) -> None:
    before = _count(city)
    for who, body, status in (
            ("operator", {"channel": "grid_patrol"}, 403),  # not a grid worker
            ("grid", {"channel": "hotline"}, 422),  # not a patrol report
            ("grid", {"channel": "grid_patrol", "resolved_on_site": "  "}, 422)):  # nothing said
        r = city.client.post("/api/v1/appeals", headers=city.headers(who), json={
            "kind": "help", "content": LITTER, "resolved_on_site": DONE} | body)
        assert r.status_code == status, r.text
        assert r.json()["error"]["message"]
    assert _count(city) == before  # a refused report stores nothing


def test_a_grid_worker_follows_an_own_report_wherever_it_is_sent(
        city: City, runtime: Runtime) -> None:
    AdminService(runtime.db, runtime.rules).add_user(
        "grid2", PASSWORD, "grid_worker", unit_code="D1S1C1", now=utcnow())
    report = city.register("grid", kind="complaint", channel="grid_patrol", content=LITTER,
                           requester_phone=None, requester_name=None)
    assert report["status"] == "registered" and report["lead_unit"] is None
    url = f"/api/v1/appeals/{report['id']}"
    assert city.client.get(url, headers=city.headers("grid")).status_code == 200
    # a colleague of the same grid sees it only once it is the grid's to handle
    assert city.client.get(url, headers=city.headers("grid2")).status_code == 404
    city.act("grid2", report["id"], "resolve_on_site", expect=404, text=DONE)
    city.act("dispatcher", report["id"], "dispatch", unit_id=city.unit_ids["D2"])
    assert city.client.get(url, headers=city.headers("grid")).status_code == 200
    assert city.client.get(url, headers=city.headers("grid2")).status_code == 404
    # once dispatched it is the unit's case: too late to close it on the spot
    city.act("grid", report["id"], "resolve_on_site", expect=409, text=DONE)


def test_a_reported_problem_is_solved_on_the_spot_later(city: City) -> None:
    report = city.register("grid", kind="help", channel="grid_patrol", content=LITTER,
                           requester_phone=None, requester_name=None)
    done = city.act("grid", report["id"], "resolve_on_site", text=DONE)
    assert done["status"] == "closed" and done["lead_unit"]["id"] == city.unit_ids["D1S1C1"]


def test_the_grid_page_reports_and_counts(city: City) -> None:
    c = city.client
    _login(c, "grid")
    page = c.get("/staff/grid")
    assert page.status_code == 200
    assert "多福巷社区" in page.text and "东城区 › 东华门街道" in page.text
    assert "暂无上报" in page.text
    form = {"kind": "help", "title": "楼道堆物", "content": LITTER, "address": "多福巷3号楼",
            "urgency": "normal", "latitude": "", "longitude": ""}
    r = c.post("/staff/grid/patrol", data=form | {
        "csrf_token": _token(c, "/staff/grid"), "on_site": "on", "on_site_text": DONE},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    r = c.post("/staff/grid/patrol", data=form | {
        "csrf_token": _token(c, "/staff/grid"), "title": "路灯不亮",
        "content": "多福巷与东四北大街路口的路灯连续三晚不亮"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get("/staff/grid").text
    assert "已上报，等待派单，编号" in page  # the latest of the two
    assert re.search(r"data-received>2<", page) and re.search(r"data-patrol>2<", page)
    assert "就地解决 1" in page
    reports = page[page.index("data-reports"):]
    assert reports.index("路灯不亮") < reports.index("楼道堆物")  # newest first
    assert "已办结" in reports and "已登记" in reports
    # the appeal page of the report waiting for dispatch: visible, and can still be solved
    link = re.search(r'href="/staff/appeals/(\d+)"', reports)
    assert link
    detail = c.get(f"/staff/appeals/{link.group(1)}").text
    assert "路灯不亮" in detail and "/resolve_on_site" in detail


def test_a_bad_position_is_refused_and_nothing_is_stored(city: City) -> None:
    c = city.client
    _login(c, "grid")
    before = _count(city)
    r = c.post("/staff/grid/patrol", data={
        "csrf_token": _token(c, "/staff/grid"), "kind": "help", "content": LITTER,
        "latitude": "91", "longitude": "116.4"})
    assert r.status_code == 422
    assert "定位信息无效" in r.text and LITTER in r.text  # the worker's text is kept
    assert _count(city) == before


def test_the_grid_page_is_for_grid_workers(city: City) -> None:
    c = city.client
    _login(c, "handler_d1")
    assert c.get("/staff/grid").status_code == 403


def test_the_grid_api_for_the_patrol_app(city: City) -> None:
    city.register("grid", kind="help", channel="grid_patrol", content=LITTER,
                  requester_phone=None, requester_name=None, resolved_on_site=DONE)
    r = city.client.get("/api/v1/grid", headers=city.headers("grid"))
    assert r.status_code == 200, r.text
    grid = r.json()
    assert (grid["code"], grid["name"], grid["chain"]) == (
        "D1S1C1", "多福巷社区", ["东城区", "东华门街道"])
    assert (grid["received"], grid["patrol"], grid["resolved_on_site"]) == (1, 1, 1)
    assert grid["workers"] == ["grid"] and grid["todo"] == 0
    assert [x["status"] for x in grid["reports"]] == ["closed"]
    assert grid["reports"][0]["unit"] == "多福巷社区"
    r = city.client.get("/api/v1/grid", headers=city.headers("handler_d1"))
    assert r.status_code == 403 and "网格员" in r.json()["error"]["message"]


def test_a_report_located_only_to_an_area_around_the_grid_is_in_the_grid(
        city: City, runtime: Runtime) -> None:
    gazetteer = ("code,name,level,parent_code,aliases\n"
                 "D1,东城区,district,,东城\nD1S1,东华门街道,street,D1,东华门\n"
                 "D2,西城区,district,,西城\nD2S1,西长安街街道,street,D2,西长安街\n")
    r = city.client.put("/api/v1/admin/intake/gazetteer", content=gazetteer.encode(),
                        headers={**city.headers("admin"), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    # the street is all the address says, and the worker's grid lies in it: the grid
    here = city.register("grid", kind="help", channel="grid_patrol", content=LITTER,
                         address="东城区东华门街道多福巷3号楼", requester_phone=None,
                         requester_name=None, resolved_on_site=DONE)
    assert here["status"] == "closed"
    # another street: the report keeps its place and cannot be closed by this worker
    r = city.client.post("/api/v1/appeals", headers=city.headers("grid"), json={
        "kind": "help", "channel": "grid_patrol", "content": "西长安街路口井盖松动",
        "address": "西城区西长安街街道", "resolved_on_site": DONE})
    assert r.status_code == 403 and "不在您负责的网格内" in r.json()["error"]["message"]
    there = city.register("grid", kind="help", channel="grid_patrol",
                          content="西长安街路口井盖松动", address="西城区西长安街街道",
                          requester_phone=None, requester_name=None)
    with runtime.db.uow(write=False) as uow:
        assert uow.session.get(AppealRow, here["id"]).area_unit_id == city.unit_ids["D1S1C1"]
        assert uow.session.get(AppealRow, there["id"]).area_unit_id == city.unit_ids["D2S1"]


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def test_a_patrol_report_carries_a_photo_of_the_place(city: City) -> None:
    c = city.client
    _login(c, "grid")
    r = c.post("/staff/grid/patrol", data={
        "csrf_token": _token(c, "/staff/grid"), "kind": "help", "title": "楼道堆物",
        "content": LITTER}, files={"photo": ("现场.png", PNG, "image/png")},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get("/staff/grid").text
    link = re.search(r'href="/staff/appeals/(\d+)"', page[page.index("data-reports"):])
    assert link
    detail = c.get(f"/staff/appeals/{link.group(1)}").text
    photo = re.search(rf'src="(/staff/appeals/{link.group(1)}/photo/[0-9a-f]+\.png)"', detail)
    assert photo, detail
    shown = c.get(photo.group(1))
    assert shown.status_code == 200 and shown.content == PNG
    # not a picture: refused with the reason, nothing stored
    before = _count(city)
    r = c.post("/staff/grid/patrol", data={
        "csrf_token": _token(c, "/staff/grid"), "kind": "help", "content": LITTER},
        files={"photo": ("x.png", b"not an image at all", "image/png")})
    assert r.status_code == 422 and "照片须为 JPG、PNG 或 WEBP 格式" in r.text
    assert _count(city) == before


def test_the_grid_shows_its_residents_and_appeals_per_10000(city: City) -> None:
    r = city.client.get("/api/v1/grid", headers=city.headers("grid"))
    assert (r.json()["households"], r.json()["population"], r.json()["per_10k"]) == (
        None, None, None)
    r = city.client.put("/api/v1/admin/units/D1S1C1/population", headers=city.headers("admin"),
                        json={"households": 800, "population": 2000})
    assert r.status_code == 200, r.text
    for _ in range(3):
        city.register("grid", kind="help", channel="grid_patrol", content=LITTER,
                      requester_phone=None, requester_name=None, resolved_on_site=DONE)
    grid = city.client.get("/api/v1/grid", headers=city.headers("grid")).json()
    assert (grid["households"], grid["population"], grid["per_10k"]) == (800, 2000, 15.0)
    c = city.client
    _login(c, "grid")
    line = re.search(r"data-residents>([^<]*)<", c.get("/staff/grid").text)
    assert line and "800" in line.group(1) and "2,000" in line.group(1)
    assert "本月万人诉求比 15.00" in line.group(1)


def test_a_patrol_photo_is_held_when_the_report_comes_back_with_an_error(city: City) -> None:
    c = city.client
    _login(c, "grid")
    r = c.post("/staff/grid/patrol", data={
        "csrf_token": _token(c, "/staff/grid"), "kind": "help", "content": LITTER,
        "latitude": "91", "longitude": "116.4"}, files={"photo": ("现场.png", PNG, "image/png")})
    assert r.status_code == 422 and "附上已上传的照片：现场.png" in r.text
    r = c.post("/staff/grid/patrol", data={
        "csrf_token": _token(c, "/staff/grid"), "kind": "help", "content": LITTER,
        "keep_photo": "on"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get("/staff/grid").text
    link = re.search(r'href="/staff/appeals/(\d+)"', page[page.index("data-reports"):])
    assert link
    detail = c.get(f"/staff/appeals/{link.group(1)}").text
    assert re.search(rf'src="/staff/appeals/{link.group(1)}/photo/[0-9a-f]+\.png"', detail)


def _report_item(page: str, code: str) -> str:
    """The 我的上报 row of the report `code` on the grid page."""
    reports = page[page.index("data-reports"):]
    start = reports.rindex('<li class="work-item">', 0, reports.index(f">{code}</a>"))
    return reports[start:reports.index("</li>", start)]


def test_the_grid_page_shows_a_standing_refusal_on_the_grids_own_reports(city: City) -> None:
    """A report the grid handles shows, like the inbox row, what a dispatcher refused or sent
    back and why, until the grid answers it; one sent to another unit is that unit's news."""
    ours = city.register("grid", kind="help", channel="grid_patrol", content=LITTER,
                         title="楼道堆物", requester_phone=None, requester_name=None)
    theirs = city.register("grid", kind="help", channel="grid_patrol", title="路灯不亮",
                           content="多福巷与东四北大街路口的路灯连续三晚不亮",
                           requester_phone=None, requester_name=None)
    city.act("dispatcher", ours["id"], "dispatch", unit_code="D1S1C1")
    city.act("grid", ours["id"], "sign")
    city.act("grid", ours["id"], "request_return", reason="需物业处理，不属网格职责")
    city.act("dispatcher", ours["id"], "deny_return", reason="楼道堆物属网格巡查处置范围")
    city.act("dispatcher", theirs["id"], "dispatch", unit_code="D2")
    city.act("handler_d2", theirs["id"], "sign")
    city.act("handler_d2", theirs["id"], "reply", claim="solved", text="已修复")
    city.act("dispatcher", theirs["id"], "send_back", note="现场仍不亮")
    _login(city.client, "grid")
    page = city.client.get("/staff/grid").text
    item = _report_item(page, ours["code"])
    assert re.search(r'data-decision="deny_return"><strong>退单申请未获同意</strong> · 请继续办理'
                     r"<br>驳回理由：楼道堆物属网格巡查处置范围", item), item
    assert "data-decision" not in _report_item(page, theirs["code"])
    english = city.client.get("/staff/grid?lang=en").text
    assert "The request to return was denied" in _report_item(english, ours["code"])
    # answered (a reply): no longer news
    city.act("grid", ours["id"], "reply", claim="solved", text="已清理")
    assert "data-decision" not in city.client.get("/staff/grid").text
