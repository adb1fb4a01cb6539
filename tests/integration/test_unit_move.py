"""An administrator moves a unit to another parent (移动到…), SQLite and PostgreSQL: the whole
subtree's materialised paths and depths follow, the new parent's handler sees the moved unit's
appeals and the old parent's no longer does, the appeal keeps its lead unit, the change is in
the configuration log; a move under itself or a sub-unit, or under a unit of a level that does
not fit, is refused in Chinese and changes nothing."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import threading

from fastapi.testclient import TestClient
from sqlalchemy import select

from jiesu.domain.errors import InvalidArguments
from jiesu.services import audit
from jiesu.services.admin import AdminService
from jiesu.store.config_tables import ConfigEventRow
from jiesu.store.tables import UnitRow
from tests.integration.test_web_admin_intake import login_admin
from tests.support.city import City


def _flash(page: str) -> str:
    found = re.search(r'class="flash flash-(?:ok|error)[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def _tree(city: City) -> dict[str, tuple[str | None, str, int]]:
    """Each unit's (parent code, path, depth); every path checked against its parent's."""
    with city.runtime.db.uow(write=False) as uow:
        rows = uow.session.scalars(select(UnitRow)).all()
        by_id = {r.id: r for r in rows}
        for r in rows:
            parent = by_id.get(r.parent_id) if r.parent_id else None
            assert r.path == (parent.path if parent else "/") + f"{r.id}/", r.code
            assert r.depth == (parent.depth + 1 if parent else 0), r.code
        return {r.code: (by_id[r.parent_id].code if r.parent_id else None, r.path, r.depth)
                for r in rows}


def _sees(city: City, username: str, appeal_id: int) -> bool:
    listed = city.client.get("/api/v1/appeals", headers=city.headers(username)).json()
    one = city.client.get(f"/api/v1/appeals/{appeal_id}", headers=city.headers(username))
    return appeal_id in {a["id"] for a in listed["items"]} and one.status_code == 200


def test_a_community_moved_to_another_street_takes_its_grids_and_appeals_along(
        city: City) -> None:
    admin = AdminService(city.runtime.db, city.runtime.rules)
    admin.add_unit("D1S1C1G1", "多福巷第一网格", parent_code="D1S1C1", group="grid")
    appeal = city.register()
    city.act("dispatcher", appeal["id"], "dispatch", unit_code="D1S1C1G1")
    assert _sees(city, "handler_d1", appeal["id"]) and _sees(city, "handler_s1", appeal["id"])
    assert not _sees(city, "handler_d2", appeal["id"])

    c: TestClient = city.client
    token = login_admin(c)
    tree = c.get("/staff/admin?tab=units").text
    assert 'data-move="D1S1C1"' in tree and 'data-move="C"' not in tree  # the root stays
    page = c.get("/staff/admin?tab=units&move=D1S1C1").text
    card = re.search(r'<section class="card" id="unit-move">.*?</section>', page, re.S)
    assert card and "多福巷社区" in card.group(0) and "现属 东华门街道" in card.group(0)
    offered = re.findall(r'<option value="([^"]*)"', card.group(0))
    # streets, districts and the city; not its own street, itself, its grid or a department
    assert offered == ["", "C", "D1", "D2", "D2S1"]

    r = c.post("/staff/admin/units/move", follow_redirects=True, data={
        "csrf_token": token, "code": "D1S1C1", "parent_code": "D2S1"})
    assert _flash(r.text) == ("已移动单位：D1S1C1 多福巷社区，东华门街道 → 西长安街街道"
                              "（共 2 个单位）")
    after = _tree(city)
    assert after["D1S1C1"][0] == "D2S1" and after["D1S1C1G1"][0] == "D1S1C1"
    assert after["D1S1C1"][2] == 3 and after["D1S1C1G1"][2] == 4
    assert after["D1S1C1G1"][1].startswith(after["D2S1"][1])

    # the handlers' scopes follow at once; the appeal keeps its lead unit
    assert _sees(city, "handler_d2", appeal["id"])
    assert not _sees(city, "handler_d1", appeal["id"])
    assert not _sees(city, "handler_s1", appeal["id"])
    one = city.client.get(f"/api/v1/appeals/{appeal['id']}", headers=city.headers("handler_d2"))
    assert one.json()["lead_unit"]["name"] == "多福巷第一网格"
    city.act("handler_s1", appeal["id"], "sign", expect=404)
    city.act("handler_d2", appeal["id"], "sign")

    with city.runtime.db.uow(write=False) as uow:
        entry = uow.session.scalars(select(ConfigEventRow).order_by(
            ConfigEventRow.seq.desc()).limit(1)).one()
        assert (entry.area, entry.action) == ("units", "move")
        assert entry.details["before"] == {"parent_code": "D1S1"}
        assert entry.details["after"] == {"parent_code": "D2S1"} and entry.details["units"] == 2
    assert audit.verify(city.runtime.db).ok


def test_a_move_under_itself_a_sub_unit_or_a_level_that_does_not_fit_is_refused(
        city: City) -> None:
    c = city.client
    token = login_admin(c)
    before = _tree(city)
    with city.runtime.db.uow(write=False) as uow:
        logged = uow.session.query(ConfigEventRow).count()
    for code, parent, said in (
            ("D1S1", "D1S1", "不能把单位 D1S1 移到它自己之下"),
            ("D1", "D1S1C1", "D1S1C1 是 D1 的下级单位，不能把 D1 移到它之下"),
            ("D1S1", "D1S1C1", "D1S1C1 是 D1S1 的下级单位，不能把 D1S1 移到它之下"),
            ("D1S1C1", "D1S1", "单位 D1S1C1 已在 D1S1 东华门街道 之下"),
            ("D1S1C1", "W", "社区/村不能隶属于市级部门（W）：可选的上级为市、区、街道/乡镇"),
            ("D2S1", "D1S1", "街道/乡镇不能隶属于街道/乡镇（D1S1）：可选的上级为市、区"),
            ("W", "D1S1",
             "市级部门不能隶属于街道/乡镇（D1S1）：可选的上级为市、区、市级部门、公共企业"),
            ("D1S1C1", "NOPE", "上级单位 NOPE 不存在"),
            ("NOPE", "D2", "单位 NOPE 不存在"),
            ("D1S1C1", "", "请选择新的上级单位")):
        r = c.post("/staff/admin/units/move", follow_redirects=True, data={
            "csrf_token": token, "code": code, "parent_code": parent})
        assert r.status_code == 200 and _flash(r.text) == said, (code, parent)
    assert _tree(city) == before
    with city.runtime.db.uow(write=False) as uow:
        assert uow.session.query(ConfigEventRow).count() == logged
    # a refused move comes back to the unit's card with the choice kept
    r = c.post("/staff/admin/units/move", follow_redirects=False, data={
        "csrf_token": token, "code": "D1S1C1", "parent_code": "W"})
    assert r.headers["location"] == "/staff/admin?tab=units&move=D1S1C1"
    page = c.get(r.headers["location"]).text
    assert '<option value="D2S1">' in page
    # in English, with the levels translated
    c.get("/staff/admin?tab=units&lang=en")
    r = c.post("/staff/admin/units/move", follow_redirects=True, data={
        "csrf_token": token, "code": "D1S1C1", "parent_code": "W"})
    assert _flash(r.text) == ("A unit of the level “Community/village” cannot be under a "
                              "“City department” (W); it may go under City, District, "
                              "Street/township")
    r = c.post("/staff/admin/units/move", follow_redirects=True, data={
        "csrf_token": token, "code": "D1S1C1", "parent_code": "D2S1"})
    assert _flash(r.text) == ("Unit moved: D1S1C1 多福巷社区, 东华门街道 → 西长安街街道 "
                              "(1 unit(s) in all)")


def test_the_command_line_moves_a_unit_and_refuses_a_cycle(city: City) -> None:
    env = {**os.environ, "JIESU_DATABASE_URL": city.runtime.settings.database_url,
           "JIESU_ENVIRONMENT": "test", "COLUMNS": "200"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "jiesu.cli", "unit", "move", *args],
                              env=env, capture_output=True, text=True, timeout=120)

    refused = cli("D1", "--parent", "D1S1")
    assert refused.returncode != 0 and "D1S1 是 D1 的下级单位" in refused.stderr
    done = cli("D1S1", "--parent", "D2")
    assert done.returncode == 0, done.stderr
    assert "已移动单位：D1S1 东华门街道，东城区 → 西城区（共 2 个单位）" in done.stdout
    assert _tree(city)["D1S1C1"][1].startswith(_tree(city)["D2"][1])


def test_two_moves_at_once_that_would_make_a_cycle_leave_one_tree(city: City) -> None:
    """W under W2 and W2 under W at the same moment: each alone is fine, together they would
    cut both off from the city. The second waits for the first's locks, reads the tree
    afresh and is refused."""
    admin = AdminService(city.runtime.db, city.runtime.rules)
    admin.add_unit("W2", "市排水集团", parent_code="C", group="enterprise")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def move(code: str, parent: str) -> None:
        start.wait()
        try:
            admin.move_unit(code, parent)
            outcomes.append("moved")
        except InvalidArguments as exc:
            outcomes.append(exc.message)

    workers = [threading.Thread(target=move, args=pair) for pair in (("W", "W2"), ("W2", "W"))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    refused = [o for o in outcomes if o != "moved"]
    assert len(outcomes) == 2 and len(refused) == 1 and "的下级单位，不能把" in refused[0]
    tree = _tree(city)  # every path still runs from the city
    assert {tree["W"][0], tree["W2"][0]} & {"C"}


def test_the_api_moves_a_unit_and_refuses_a_level_that_does_not_fit(city: City) -> None:
    h = city.headers("admin")
    r = city.client.put("/api/v1/admin/units/D1S1C1/parent", headers=h,
                        json={"parent_code": "W"})
    assert r.status_code == 422 and "社区/村不能隶属于市级部门" in r.json()["error"]["message"]
    r = city.client.put("/api/v1/admin/units/D1S1C1/parent", headers=h,
                        json={"parent_code": "D2S1"})
    assert r.status_code == 200, r.text
    assert (r.json()["parent_id"], r.json()["depth"]) == (city.unit_ids["D2S1"], 3)
    r = city.client.put("/api/v1/admin/units/D1S1C1/parent", headers=city.headers("handler_d2"),
                        json={"parent_code": "D1S1"})
    assert r.status_code == 403
    assert city.client.put("/api/v1/admin/units/NOPE/parent", headers=h,
                           json={"parent_code": "D1S1"}).status_code == 404


def test_a_new_unit_follows_the_levels_a_move_does(city: City) -> None:
    """Adding a unit checks its level against its parent as moving one does: a community under
    a department or a street under a street is refused (422, nothing added); a district's own
    department (区级部门) sits under the district, added or moved there."""
    h = city.headers("admin")
    for code, parent, group, said in (
            ("X1", "W", "community", "社区/村不能隶属于市级部门（W）"),
            ("X2", "D1S1", "street", "街道/乡镇不能隶属于街道/乡镇（D1S1）"),
            ("X3", "D1S1C1", "department", "市级部门不能隶属于社区/村（D1S1C1）")):
        r = city.client.post("/api/v1/admin/units", headers=h,
                             json={"code": code, "name": "新单位", "parent_code": parent,
                                   "group": group})
        assert r.status_code == 422 and said in r.json()["error"]["message"], r.text
    assert not {"X1", "X2", "X3"} & set(_tree(city))
    r = city.client.post("/api/v1/admin/units", headers=h, json={
        "code": "D1B1", "name": "东城区住房和城乡建设委员会", "parent_code": "D1",
        "group": "department"})
    assert r.status_code == 201, r.text
    r = city.client.put("/api/v1/admin/units/W/parent", headers=h, json={"parent_code": "D2"})
    assert r.status_code == 200 and r.json()["parent_id"] == city.unit_ids["D2"], r.text


def test_the_moved_units_place_in_the_gazetteer_follows_it(city: City) -> None:
    """A community moved to another street is under that street in the gazetteer (地名表) too,
    so an address naming the new street still finds it, and the change is in the
    configuration log; where the gazetteer has no place for the new parent, or one of a level
    that does not fit, the gazetteer is left as it was and the administrator is told so."""
    from jiesu.services.clock import utcnow
    from jiesu.services.intake_config import IntakeConfigService
    from jiesu.web.i18n import gettext
    from tests.integration.test_intake_config import GAZETTEER, suggested

    intake = IntakeConfigService(city.runtime.db, city.runtime.intake)
    intake.replace_gazetteer(GAZETTEER, now=utcnow())
    address = "西长安街街道多福巷社区5号楼"
    admin = AdminService(city.runtime.db, city.runtime.rules)
    moved = admin.move_unit("D1S1C1", "D2S1")
    assert moved.summary() == ("已移动单位：D1S1C1 多福巷社区，东华门街道 → 西长安街街道"
                               "（共 1 个单位）；地名表中 D1S1C1 的上级已随之改为 D2S1")
    assert gettext("en", moved.summary()) == (
        "Unit moved: D1S1C1 多福巷社区, 东华门街道 → 西长安街街道 (1 unit(s) in all); "
        "in the gazetteer, D1S1C1 is now under D2S1 too")
    stored = intake.gazetteer_csv() or ""
    assert "D1S1C1,多福巷社区,community,D2S1,多福巷" in stored.splitlines()
    city.runtime.unit_tree_changed()
    assert suggested(city, address=address)["area"]["unit_id"] == city.unit_ids["D1S1C1"]
    with city.runtime.db.uow(write=False) as uow:
        last = [(e.area, e.action, e.details["after"]) for e in uow.session.scalars(
            select(ConfigEventRow).order_by(ConfigEventRow.seq.desc()).limit(2))]
    assert last == [("intake", "move", {"parent_code": "D2S1"}),
                    ("units", "move", {"parent_code": "D2S1"})]
    assert audit.verify(city.runtime.db).ok

    # a new parent the gazetteer does not know: it stays as it was, and says why
    admin.add_unit("D2S2", "新街口街道", parent_code="D2", group="street")
    moved = admin.move_unit("D1S1C1", "D2S2")
    assert moved.gazetteer == ("地名表中没有 D2S2，D1S1C1 在地名表中的上级仍是 D2S1，"
                               "请在智能受理页更新地名表")
    assert intake.gazetteer_csv() == stored
    assert gettext("en", moved.summary()).endswith(
        "; the gazetteer has no D2S2: D1S1C1 is still under D2S1 there; update the gazetteer "
        "on the Intake intelligence tab")
    # a gazetteer whose place for the new parent is of a level that does not fit
    odd = (stored.replace("D2S1,西长安街街道,street", "D2S1,西长安街街道,community")
           .replace("多福巷社区,community,D2S1", "多福巷社区,community,D1S1"))
    intake.replace_gazetteer(odd, now=utcnow())
    moved = admin.move_unit("D1S1C1", "D2S1")
    assert moved.gazetteer == ("地名表中 D2S1 是社区，不能作为社区 D1S1C1 的上级，D1S1C1 在地名表"
                               "中的上级仍是 D1S1，请在智能受理页更新地名表")
    assert "in the gazetteer D2S1 is a community and cannot be above the community D1S1C1" in (
        gettext("en", moved.summary()))
