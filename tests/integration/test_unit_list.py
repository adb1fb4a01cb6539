"""The whole list of lead units (主办单位) is one fragment the browser fetches and keeps
(/staff/units/options.html): revalidated by its ETag (304) until a unit changes, read only by
the roles that pick lead units. The pages hold the units near their rows; the appeal page
holds the whole list itself in a small city, or on request (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from jiesu.services.admin import AdminService
from jiesu.store import kpi_queries, lookups, population_queries, web_queries
from jiesu.web import staff
from tests.support.city import USERS, City, add_big_district, page_login

URL = "/staff/units/options.html"


def _ids(html: str) -> list[str]:
    return [v for v in re.findall(r'<option value="([^"]*)"', html) if v]


def _select(page: str, select_id: str) -> str:
    m = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert m, select_id
    return m.group(0)


def test_the_list_is_revalidated_by_its_etag_until_a_unit_changes(city: City) -> None:
    page_login(city.client, "dispatcher")
    first = city.client.get(URL)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "private, no-cache"
    assert first.headers["content-type"] == "text/html; charset=utf-8"
    etag = first.headers["etag"]
    # every unit of the city, in tree order, indented and grouped by district
    assert _ids(first.text) == [str(city.unit_ids[c]) for c in
                                ("C", "D1", "D1S1", "D1S1C1", "D2", "D2S1", "W")]
    assert f'<option value="{city.unit_ids["D1S1C1"]}">　　多福巷社区</option>' in first.text
    assert '<optgroup label="东城区">' in first.text

    again = city.client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "private, no-cache"
    # a list of tags, a weak one, "*"
    for header in (f'"other", {etag}', f"W/{etag}", "*"):
        assert city.client.get(URL, headers={"If-None-Match": header}).status_code == 304
    assert city.client.get(URL, headers={"If-None-Match": '"other"'}).status_code == 200

    # an administrator adds a unit (the API): the old tag gets the new list
    r = city.client.post("/api/v1/admin/units", headers=city.headers("admin"), json={
        "code": "D2S2", "name": "金融街街道", "parent_code": "D2", "group": "street"})
    assert r.status_code == 201, r.text
    added = city.client.get(URL, headers={"If-None-Match": etag})
    assert added.status_code == 200 and "金融街街道" in added.text
    assert added.headers["etag"] != etag
    etag = added.headers["etag"]
    assert city.client.get(URL, headers={"If-None-Match": etag}).status_code == 304

    admin = AdminService(city.runtime.db, city.runtime.rules)
    seen = {etag}
    for change in (lambda: admin.rename_unit("D2S2", "金融街街道办事处"),
                   lambda: admin.set_unit_active("D2S2", False),
                   lambda: admin.set_unit_active("D2S2", True),
                   lambda: admin.move_unit("D1S1C1", "D2S1"),
                   lambda: add_big_district(city, 2, 2)):
        change()
        now = city.client.get(URL, headers={"If-None-Match": etag})
        assert now.status_code == 200, now.text
        assert now.headers["etag"] not in seen
        seen.add(now.headers["etag"])
        etag = now.headers["etag"]
    assert "金融街街道办事处" in now.text and "大社区1-1" in now.text
    # moved under 西长安街街道: listed after it, inside 西城区's group
    west = re.search(r'<optgroup label="西城区">(.*?)</optgroup>', now.text, re.S)
    assert west and "多福巷社区" in west.group(1)


def test_a_stopped_unit_leaves_the_list(city: City) -> None:
    page_login(city.client, "dispatcher")
    etag = city.client.get(URL).headers["etag"]
    AdminService(city.runtime.db, city.runtime.rules).set_unit_active("D2S1", False)
    now = city.client.get(URL, headers={"If-None-Match": etag})
    assert now.status_code == 200 and str(city.unit_ids["D2S1"]) not in _ids(now.text)


def test_only_the_roles_that_pick_lead_units_read_the_list(city: City) -> None:
    assert city.client.get(URL, follow_redirects=False).status_code in (302, 303)
    for username, role, _ in USERS:
        city.client.cookies.clear()
        page_login(city.client, username)
        r = city.client.get(URL)
        allowed = role in ("dispatcher", "supervisor", "analyst", "admin")
        assert r.status_code == (200 if allowed else 403), (username, r.status_code)
        if not allowed:
            assert "多福巷社区" not in r.text


def test_the_queue_holds_only_the_units_near_its_rows(city: City) -> None:
    """In a big city the queue's rows offer the units near them, and the page holds no other
    unit: the whole list is the fragment's (it was once on the page, 400 KB)."""
    r = city.client.put("/api/v1/admin/intake/routing",
                        json=[{"category": "01.01", "unit": "D1S1"}],
                        headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    big = add_big_district(city)
    appeals = [city.register(category="01.01.001") for _ in range(3)]
    page_login(city.client, "dispatcher")
    queue = city.client.get("/staff/dispatch").text
    assert 'id="lead-units"' not in queue
    for a in appeals:
        row = _select(queue, f"unit-{a['id']}")
        assert f'data-unit-options="{URL}"' in row
        offered = _ids(row)
        assert str(city.unit_ids["D1S1C1"]) in offered  # the suggested street's community
        assert str(big[0]) in offered  # the big district itself: a top level
    assert not any(f'<option value="{u}"' in queue for u in big[1:])  # none of its streets
    assert len(_ids(city.client.get(URL).text)) == 7 + len(big)


def test_siblings_are_listed_in_the_order_they_were_made(city: City) -> None:
    """A unit's path is its ancestors' ids ("/1/999/"); sorted as text, the district made
    after /1/999/ (/1/1000/) came first, so a big city's picker read 区3, 区4, 区0 … 区1.
    Siblings follow each other by id, in the fragment and in a row's near units alike."""
    from jiesu.store.tables import UnitRow

    with city.runtime.db.uow(write=False) as uow:
        root = uow.session.get(UnitRow, city.unit_ids["D1"])
        assert root is not None and root.parent_id is not None
        parent, base = root.parent_id, root.path.rsplit("/", 2)[0] + "/"
        top = max(uow.session.scalars(select(UnitRow.id)))
    assert top < 999
    first, second = 999, 1000  # "/1/1000/" < "/1/999/" as text
    rows = [{"id": i, "code": f"X{i}", "name": name, "parent_id": parent,
             "unit_group": "district", "path": f"{base}{i}/", "depth": 1, "active": True}
            for i, name in ((first, "甲区"), (second, "乙区"))]
    with city.runtime.db.engine.begin() as conn:
        conn.execute(UnitRow.__table__.insert(), rows)
    made = [str(city.unit_ids[c]) for c in ("D1", "D2", "W")] + [str(first), str(second)]
    page_login(city.client, "dispatcher")
    listed = [u for u in _ids(city.client.get(URL).text) if u in made]
    assert listed == sorted(made, key=int)
    with city.runtime.db.uow(write=False) as uow:
        near = [str(u.id) for u in staff.near_units(uow.session).units if str(u.id) in made]
        # the other pages' unit lists (the ledger's filter, the administrator's tree …)
        other = [str(u.id) for u in web_queries.units(uow.session) if str(u.id) in made]
        # the KPI and population tables, the lookups, the administrator's unit search
        tables = [[str(u.id) for u in units if str(u.id) in made] for units in (
            kpi_queries.units_table(uow.session), population_queries.area_units(uow.session),
            lookups.all_units(uow.session))]
        found = [str(u.id) for u in web_queries.find_units(uow.session, "区") if u.depth == 1]
    assert near == sorted(made, key=int)
    assert other == sorted(made, key=int)
    assert tables == [sorted(made, key=int)] * 3
    districts = [u for u in made if u != str(city.unit_ids["W"])]  # 市水务局 has no 区
    assert [u for u in found if u in made] == sorted(districts, key=int)


def test_a_cut_unit_list_keeps_the_first_units_in_tree_order(city: City) -> None:
    """A list cut at its limit keeps the tree's first units and drops its last: the cut was
    made in SQL by the path as text ("/1/1000/" < "/1/999/"), so it dropped 区999, made
    before 区1000, and kept 区1000, the tree's last unit."""
    from jiesu.store.tables import UnitRow

    with city.runtime.db.uow(write=False) as uow:
        root = uow.session.get(UnitRow, city.unit_ids["D1"])
        assert root is not None and root.parent_id is not None
        parent, base = root.parent_id, root.path.rsplit("/", 2)[0] + "/"
        assert max(uow.session.scalars(select(UnitRow.id))) < 999
    rows = [{"id": i, "code": f"X{i}", "name": name, "parent_id": parent,
             "unit_group": "district", "path": f"{base}{i}/", "depth": 1, "active": True}
            for i, name in ((999, "甲区"), (1000, "乙区"))]
    with city.runtime.db.engine.begin() as conn:
        conn.execute(UnitRow.__table__.insert(), rows)
    with city.runtime.db.uow(write=False) as uow:
        tree = [u.id for u in lookups.all_units(uow.session)]
        assert tree[-2:] == [999, 1000]
        n = len(tree) - 1
        assert [u.id for u in web_queries.units(uow.session, limit=n)] == tree[:n]
        assert [u.id for u in web_queries.units(uow.session, max_depth=1, limit=3)] == [
            u for u in tree if u in {parent, city.unit_ids["D1"], city.unit_ids["D2"]}]
        assert [u.id for u in web_queries.unit_tree(uow.session, max_depth=3, limit=n)] \
            == tree[:n]
        community = uow.session.get(UnitRow, city.unit_ids["D1S1C1"])
        assert community is not None
        targets = [u.id for u in web_queries.move_targets(
            uow.session, community, ["district"], limit=3)]
        assert targets == [u for u in tree if u in {
            city.unit_ids["D1"], city.unit_ids["D2"], 999}]


def test_the_near_units_are_read_without_the_whole_tree(city: City) -> None:
    """`near_units` reads a few dozen units of a tree of thousands and offers what the whole
    tree's `UnitList.near` does."""
    big = add_big_district(city)
    with city.runtime.db.uow(write=False) as uow:
        whole = staff.UnitList(staff.lead_units(uow.session))
        for around in ((), (city.unit_ids["D1S1"],), (big[1], big[2], city.unit_ids["W"]),
                       (big[-1], None), (big[0], city.unit_ids["D1S1C1"]), (10**9,)):
            near = staff.near_units(uow.session, *around)
            assert near.near(*around) == whole.near(*around), around
            assert len(near.units) < 120 < len(whole.units)


def test_the_appeal_page_holds_the_whole_list_in_a_small_city(city: City) -> None:
    appeal = city.register()
    page_login(city.client, "dispatcher")
    page = city.client.get(f"/staff/appeals/{appeal['id']}").text
    for field in ("dispatch-unit_id", "dispatch-co_unit_ids"):
        form = _select(page, field)
        assert "data-unit-options" not in form
        assert len(_ids(form)) == 7
    assert "data-all-units" not in page


def test_the_appeal_page_counts_the_units_its_list_holds_not_the_trees_version(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """The appeal page writes the list whole when it holds at most `INLINE_UNIT_LIMIT` units:
    the active ones down to `LEAD_UNIT_DEPTH` (`count_tree`). The tree's version counts every
    unit, the stopped and the deeper ones too, so it cannot stand for that count."""
    monkeypatch.setattr(staff, "INLINE_UNIT_LIMIT", 7)
    admin = AdminService(city.runtime.db, city.runtime.rules)
    admin.add_unit("G1", "第一网格", parent_code="D1S1C1", group="grid")  # depth 4
    admin.add_unit("D3", "南城区", parent_code="C", group="district")
    admin.set_unit_active("D3", False)
    with city.runtime.db.uow(write=False) as uow:
        _, count, _ = web_queries.unit_tree_version(uow.session)
        listed = web_queries.count_tree(uow.session, max_depth=staff.LEAD_UNIT_DEPTH)
    assert (count, listed) == (9, 7)
    appeal = city.register()
    page_login(city.client, "dispatcher")
    form = _select(city.client.get(f"/staff/appeals/{appeal['id']}").text, "dispatch-unit_id")
    assert "data-unit-options" not in form and len(_ids(form)) == 7


def test_the_appeal_page_of_a_big_city_fetches_the_list(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past `INLINE_UNIT_LIMIT` units the dispatch form offers the units near the appeal and
    fetches the rest; without script a link shows the page with the whole list."""
    monkeypatch.setattr(staff, "INLINE_UNIT_LIMIT", 5)
    r = city.client.put("/api/v1/admin/intake/routing",
                        json=[{"category": "01.01", "unit": "D1S1"}],
                        headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    appeal = city.register(category="01.01.001")
    page_login(city.client, "dispatcher")
    page = city.client.get(f"/staff/appeals/{appeal['id']}").text
    lead, co = _select(page, "dispatch-unit_id"), _select(page, "dispatch-co_unit_ids")
    for form in (lead, co):
        assert f'data-unit-options="{URL}"' in form
        assert str(city.unit_ids["D1S1C1"]) in _ids(form)
        assert str(city.unit_ids["D2S1"]) not in _ids(form)  # another district's street
    assert f'<option value="{city.unit_ids["D1S1"]}" selected>' in lead
    link = re.search(r'<noscript data-units-link><a class="small" href="([^"]+)" '
                     r'data-all-units>显示全部单位…', page)
    assert link
    whole = city.client.get(link.group(1).replace("&amp;", "&")).text
    assert "data-unit-options" not in _select(whole, "dispatch-unit_id")
    assert len(_ids(_select(whole, "dispatch-unit_id"))) == 7
    assert "Show every unit" in city.client.get(
        f"/staff/appeals/{appeal['id']}?lang=en").text
    # the queue's link for a browser without script goes to that page
    queue = city.client.get("/staff/dispatch?lang=zh").text
    assert f'href="/staff/appeals/{appeal["id"]}?back=/staff/dispatch%3Ftab%3Dqueue' \
           '&amp;units=all#act-dispatch" data-other-units>' in queue


def test_the_tree_version_is_cheap_to_read(city: City) -> None:
    with city.runtime.db.uow(write=False) as uow:
        last, count, top = web_queries.unit_tree_version(uow.session)
    assert last and count == 7 and top == max(city.unit_ids.values())
