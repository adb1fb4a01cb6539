"""Unit lists in a big city: a district of 2,296 units (大区, 45 streets × 50 communities) added
after the test city puts its last units past the 2,000 the lists once stopped at. No form
loses a unit without saying so: the article owner, a policy's region, issuer and an
enterprise's region, the ledger's unit filter, 二次派单 (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from jiesu.services.admin import AdminService
from jiesu.services.clock import utcnow
from jiesu.store import queries
from jiesu.store.enterprise_tables import EnterpriseRow, PolicyRow
from jiesu.store.knowledge_tables import KnowledgeArticleRow
from jiesu.store.tables import UnitRow
from jiesu.web.routes import analyst
from tests.integration.test_web_pages import _login, _token
from tests.integration.test_web_policies import uscc
from tests.support.city import PASSWORD, City, add_big_district

ANSWER = "购房、租房、还贷、离职等情形可以提取住房公积金。"


def _big(city: City, *users: tuple[str, str]) -> None:
    """The big district, and handlers of these units (username, unit code)."""
    add_big_district(city)
    admin = AdminService(city.runtime.db, city.runtime.rules)
    for username, code in users:
        admin.add_user(username, PASSWORD, "handler", unit_code=code, now=utcnow())


def _options(html: str) -> dict[str, str]:
    """option label (indent stripped) → value."""
    return {label.strip("　 "): value for value, label in
            re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', html)}


def _unit_id(city: City, code: str) -> int:
    with city.runtime.db.uow(write=False) as uow:
        found = uow.session.scalar(select(UnitRow.id).where(UnitRow.code == code))
    assert found is not None, code
    return found


def _article(c: TestClient, **fields: str) -> Response:
    data = {"csrf_token": _token(c, "/staff/knowledge/new"), "title": "公积金怎么提取",
            "answer": ANSWER, "keywords": "", "category": "", "review_by": ""} | fields
    return c.post("/staff/knowledge/new", data=data, follow_redirects=False)


def _owners(city: City) -> list[int]:
    with city.runtime.db.uow(write=False) as uow:
        return list(uow.session.scalars(select(KnowledgeArticleRow.owner_unit_id)))


def test_a_handler_of_a_late_street_picks_its_units_as_an_articles_owner(city: City) -> None:
    """The owners were the first 2,000 units, filtered to the handler's after the cut: the
    handler of the big district's last street saw an empty list."""
    _big(city, ("handler_late", "BIG44"))
    c = city.client
    _login(c, "handler_late")
    page = c.get("/staff/knowledge/new").text
    owners = _options(page[page.index('id="k-owner"'):page.index("</select>",
                                                                  page.index('id="k-owner"'))])
    assert "大街道44" in owners and "大社区44-49" in owners
    assert len(owners) == 51  # the street and its 50 communities, nothing else
    r = _article(c, owner_unit_id=owners["大社区44-49"])
    assert r.status_code == 303, r.text
    assert _owners(city) == [_unit_id(city, "BIG44-49")]


def test_a_handler_high_in_the_tree_types_an_owner_found_in_its_subtree(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past OWNER_CHOICES a handler types the owner's code too, and the unit search of the
    admin forms finds the units of its own subtree only."""
    from jiesu.web.routes import knowledge

    monkeypatch.setattr(knowledge, "OWNER_CHOICES", 10)
    _big(city, ("handler_late", "BIG44"))
    c = city.client
    _login(c, "handler_late")
    page = c.get("/staff/knowledge/new").text
    assert 'name="owner_unit_code"' in page and 'value="BIG44"' in page  # its own unit
    found = c.get("/staff/admin/units/find", params={"q": "大社区"}).text
    codes = re.findall(r'<option value="([^"]+)"', found)
    assert codes and all(code.startswith("BIG44-") for code in codes)
    assert "<option" not in c.get("/staff/admin/units/find", params={"q": "大社区0-"}).text
    r = _article(c, owner_unit_code="BIG44-3")
    assert r.status_code == 303, r.text
    assert _owners(city) == [_unit_id(city, "BIG44-3")]
    c.cookies.clear()
    _login(c, "operator")
    assert c.get("/staff/admin/units/find", params={"q": "大社区"}).status_code == 403


def test_an_administrator_types_any_unit_of_a_big_city_as_an_articles_owner(
        city: City) -> None:
    """Past 500 units the owner is typed (a code, found by name or code as it is typed), as
    in the admin forms, instead of a select of the first 2,000 of 2,303."""
    _big(city)
    c = city.client
    _login(c, "admin")
    page = c.get("/staff/knowledge/new").text
    assert 'id="k-owner"' in page and 'name="owner_unit_code"' in page
    assert "data-unit-find" in page and page.count("<option") < 50
    english = c.get("/staff/knowledge/new?lang=en").text
    assert "Too many units to list: type the unit&#39;s code" in english
    c.get("/staff/knowledge/new?lang=zh")
    bad = _article(c, owner_unit_code="NOPE")
    assert bad.status_code == 422
    assert "负责单位 NOPE 不存在" in bad.text and 'value="NOPE"' in bad.text
    r = _article(c, owner_unit_code="BIG44-49")
    assert r.status_code == 303, r.text
    assert _owners(city) == [_unit_id(city, "BIG44-49")]
    with city.runtime.db.uow(write=False) as uow:
        article = uow.session.scalar(select(KnowledgeArticleRow.id))
    edit = c.get(f"/staff/knowledge/{article}/edit").text
    assert 'name="owner_unit_code"' in edit and 'value="BIG44-49"' in edit


def _policy(c: TestClient, **fields: str) -> Response:
    data = {"csrf_token": _token(c, "/staff/policies/new"), "code": "P-2026-09",
            "title": "大区小微企业补贴", "mode": "apply", "summary": "", "benefit": "补贴",
            "amount": "1000", "valid_from": "", "valid_until": "", "payout_days": "10",
            "issuer_unit_code": "BIG44", "c0_field": "region", "c0_op": "in",
            "c0_value": "大社区44-49、BIG43"} | fields
    return c.post("/staff/policies/new", data=data, follow_redirects=False)


def test_a_policy_names_any_unit_of_a_big_city(city: City) -> None:
    """A region typed past the 2,000th unit was refused as 不是单位名称或单位编码; the issuer
    was a select of the first 2,000 units down to the communities."""
    AdminService(city.runtime.db, city.runtime.rules).add_unit(
        "RF", "市住建局（市人防办）", parent_code="C", group="department")
    _big(city)
    c = city.client
    _login(c, "admin")
    page = c.get("/staff/policies/new").text
    assert 'name="issuer_unit_code"' in page and "大社区0-0" not in page
    r = _policy(c)
    assert r.status_code == 303, r.text
    with city.runtime.db.uow(write=False) as uow:
        row = uow.session.scalars(select(PolicyRow)).one()
        assert row.issuer_unit_id == _unit_id(city, "BIG44")
        assert sorted(row.conditions[0]["value"]) == [_unit_id(city, "BIG43"),
                                                      _unit_id(city, "BIG44-49")]
        policy_id = row.id
    edit = c.get(f"/staff/policies/{policy_id}/edit").text
    assert re.search(r"大街道43、大社区44-49|大社区44-49、大街道43", edit)
    assert 'value="BIG44"' in edit
    # a name is compared after NFKC, as typed either way: full-width （） typed as ()
    r = _policy(c, code="P-2026-12", c0_value="市住建局(市人防办)、big43")
    assert r.status_code == 303, r.text
    with city.runtime.db.uow(write=False) as uow:
        row = uow.session.scalars(select(PolicyRow).where(PolicyRow.code == "P-2026-12")).one()
        assert sorted(row.conditions[0]["value"]) == sorted([_unit_id(city, "BIG43"),
                                                             _unit_id(city, "RF")])
    # a word that names no unit, and an issuer deeper than the issuers' levels, are refused
    refused = _policy(c, code="P-2026-10", c0_value="大社区44-99")
    assert refused.status_code == 422
    assert "区域“大社区44-99”不是单位名称或单位编码" in refused.text
    with city.runtime.db.engine.begin() as conn:
        conn.execute(UnitRow.__table__.insert(), [{
            "id": 99_999, "code": "GRID1", "name": "网格1", "parent_id": _unit_id(city, "BIG0-0"),
            "unit_group": "grid", "path": f"{_path(city, 'BIG0-0')}99999/", "depth": 4,
            "active": True}])
    deep = _policy(c, code="P-2026-11", issuer_unit_code="GRID1")
    assert deep.status_code == 422
    assert "发布单位 GRID1 不存在" in deep.text


def _path(city: City, code: str) -> str:
    with city.runtime.db.uow(write=False) as uow:
        found = uow.session.scalar(select(UnitRow.path).where(UnitRow.code == code))
    assert found is not None
    return found


def test_an_enterprise_lies_in_any_unit_of_a_big_city(city: City) -> None:
    _big(city)
    c = city.client
    _login(c, "admin")
    page = c.get("/staff/enterprises/new").text
    assert 'name="region_unit_code"' in page
    data = {"csrf_token": _token(c, "/staff/enterprises/new"), "uscc": uscc(7),
            "name": "大区软件有限公司", "industry": "I65", "employees": "50", "revenue": "800",
            "region_unit_code": "BIG44-49", "founded_on": "", "certifications": "",
            "tax_credit": "", "contact_name": "", "contact_phone": "", "liaison_user_id": ""}
    bad = c.post("/staff/enterprises/new", data=data | {"region_unit_code": "NOPE"})
    assert bad.status_code == 422 and "所在区域 NOPE 不存在" in bad.text
    assert 'value="NOPE"' in bad.text
    r = c.post("/staff/enterprises/new", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    with city.runtime.db.uow(write=False) as uow:
        region = uow.session.scalars(select(EnterpriseRow.region_unit_id)).one()
    assert region == _unit_id(city, "BIG44-49")
    shown = c.get(r.headers["location"]).text
    assert 'value="BIG44-49"' in shown


def test_the_ledger_offers_a_city_handler_the_top_levels_and_says_when_it_cuts(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user whose scope is the city was offered every unit below it, cut at 2,000 in tree
    order: the big district's last streets were not there. The filter offers the scope's
    unit and two levels below it (as the unscoped roles get the city, districts, streets)."""
    from jiesu.web.routes import ledger

    _big(city, ("handler_city", "C"), ("handler_big", "BIG"))
    c = city.client
    _login(c, "handler_city")
    page = c.get("/staff/ledger").text
    units = _options(page[page.index('id="l-unit"'):])
    assert "大街道44" in units and "大社区0-0" not in units and "data-units-cut" not in page
    c.cookies.clear()
    monkeypatch.setattr(ledger, "LEDGER_UNITS", 100)
    _login(c, "handler_big")
    page = c.get("/staff/ledger").text
    select_html = page[page.index('id="l-unit"'):page.index("</select>", page.index('id="l-unit"'))]
    units = _options(select_html)
    # cut at whole levels first: the district and every street, then communities
    assert len(units) == 100 and "大区" in units and "大街道44" in units
    assert "data-units-cut" in page and "只列出前 100 个单位" in page
    assert "only the first 100 are listed" in c.get("/staff/ledger?lang=en").text


def test_redispatch_offers_every_unit_below_a_big_lead_unit(city: City) -> None:
    """二次派单 listed the first 500 units below the lead unit: a district of 2,296 could not
    pass an appeal to its later streets. The levels nearest come first, the page says
    it cut the list, and its 显示全部单位 link lists them all."""
    _big(city, ("handler_big", "BIG"))
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code="BIG")
    city.act("handler_big", a["id"], "sign")
    c = city.client
    _login(c, "handler_big")
    page = c.get(f"/staff/appeals/{a['id']}").text
    form = page[page.index('id="act-sub_dispatch"'):]
    form = form[:form.index("</details>")]
    units = _options(form)
    assert "大街道44" in units and "大社区0-0" in units and "大社区44-49" not in units
    assert "data-units-cut" in form and "只列出前 500 个下级单位" in form
    english = c.get(f"/staff/appeals/{a['id']}?lang=en").text
    assert "Too many units below: only the first 500 are listed" in english
    c.get(f"/staff/appeals/{a['id']}?lang=zh")
    everything = c.get(f"/staff/appeals/{a['id']}?units=all").text
    form = everything[everything.index('id="act-sub_dispatch"'):]
    form = form[:form.index("</details>")]
    assert "大社区44-49" in _options(form) and "data-units-cut" not in form


def test_the_audit_pager_ends_where_a_capped_lists_rows_do(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit log's count stops at COUNT_CAP; its pager had no rows to tell a short last
    page, so it offered 下一页 onto empty pages."""
    from jiesu.store.tables import EventRow

    for n in range(5):
        city.register(content=f"第{n}号楼前的路灯坏了，晚上出行不安全")
    with city.runtime.db.uow(write=False) as uow:
        events = len(list(uow.session.scalars(select(EventRow.id))))
    # pages of `per` rows whose last is short, counted only to one more than a page
    per = next(p for p in range(2, events) if events % p and p + 1 < events)
    monkeypatch.setattr(queries, "COUNT_CAP", per + 1)
    monkeypatch.setattr(analyst, "AUDIT_PER_PAGE", per)
    c = city.client
    _login(c, "auditor")
    first = c.get("/staff/audit").text
    assert "下一页" in first and "第 1 / 2+ 页" in first
    last = -(-events // per)
    full = c.get(f"/staff/audit?page={last - 1}").text
    assert "下一页" in full
    short = c.get(f"/staff/audit?page={last}").text
    assert f"第 {last} / 2+ 页" in short and "下一页" not in short


def _named(city: City, *words: str) -> tuple[list[str], int]:
    """units_named's codes for these words, and how many unit rows it read to find them."""
    from sqlalchemy import event

    from jiesu.store import web_queries

    loaded: list[object] = []

    def count(target: object, _context: object) -> None:
        loaded.append(target)

    event.listen(UnitRow, "load", count)
    try:
        with city.runtime.db.uow(write=False) as uow:
            codes = [u.code for u in web_queries.units_named(uow.session, words)]
    finally:
        event.remove(UnitRow, "load", count)
    return codes, len(loaded)


def test_a_region_word_with_ascii_characters_reads_only_the_names_it_may_be(
        city: City) -> None:
    """Each ASCII character of a word was matched by LIKE's `_` (any one character, so that a
    full-width form matched too): "大社区44-49" read every 大社区 with a five-character tail,
    ~1,800 rows, before the exact comparison. A name with % or _ matches only itself."""
    admin = AdminService(city.runtime.db, city.runtime.rules)
    admin.add_unit("RF", "市住建局（市人防办）", parent_code="C", group="department")
    admin.add_unit("U1", "甲_1社区", parent_code="C", group="department")
    admin.add_unit("U2", "甲%1社区", parent_code="C", group="department")
    admin.add_unit("U3", "甲A1社区", parent_code="C", group="department")
    admin.add_unit("U4", "甲Ａ１社区", parent_code="C", group="department")
    _big(city)
    assert _named(city, "大社区44-49") == (["BIG44-49"], 1)
    assert _named(city, "市住建局(市人防办)") == (["RF"], 1)
    assert _named(city, "甲_1社区") == (["U1"], 1)
    assert _named(city, "甲%1社区") == (["U2"], 1)
    # half- and full-width, in any mix, are the same name
    assert _named(city, "甲A1社区") == (["U3", "U4"], 2)
    assert _named(city, "big43", "大街道43") == (["BIG43"], 1)


def _selected(html: str, select_id: str) -> list[tuple[str, str]]:
    """(value, label) of the selected options of the select with this id."""
    start = html.index(f'id="{select_id}"')
    body = html[start:html.index("</select>", start)]
    return re.findall(r'<option value="(\d*)"[^>]*\bselected\b[^>]*>([^<]*)</option>', body)


def test_the_ledger_shows_the_unit_it_filters_by_when_its_list_does_not_hold_it(
        city: City) -> None:
    """A ?unit= the two-level list does not hold (a community of the big district) filtered
    the rows while the select showed 全部: the page said it showed every unit. It shows the
    unit, named in full; an id that names no unit is refused."""
    _big(city, ("handler_big", "BIG"))
    community = _unit_id(city, "BIG44-49")
    c = city.client
    _login(c, "handler_big")
    page = c.get(f"/staff/ledger?unit={community}").text
    assert _selected(page, "l-unit") == [(str(community), "大区 › 大街道44 › 大社区44-49")]
    # a unit the list holds is selected as before, once
    street = _unit_id(city, "BIG44")
    assert _selected(c.get(f"/staff/ledger?unit={street}").text, "l-unit") == [
        (str(street), "　大街道44")]
    unknown = c.get("/staff/ledger?unit=987654")
    assert unknown.status_code == 422
    assert "没有编号为 987654 的单位" in unknown.text
    # and its files are refused alike, rather than sent empty
    for fmt in ("csv", "xlsx"):
        refused = c.get(f"/staff/ledger.{fmt}?unit=987654")
        assert refused.status_code == 422 and "没有编号为 987654 的单位" in refused.text
    assert c.get(f"/staff/ledger.csv?unit={community}").status_code == 200
    assert "No unit has the number 987654" in c.get("/staff/ledger?unit=987654&lang=en").text


def test_the_rectification_board_shows_the_unit_it_filters_by(city: City) -> None:
    """The board offers districts and departments; a street's id in ?unit= filtered by the
    street while the select showed 全部单位."""
    street = city.unit_ids["D1S1"]
    c = city.client
    _login(c, "supervisor")
    page = c.get(f"/staff/rectifications?unit={street}")
    assert page.status_code == 200
    selected = _selected(page.text, "unit")
    assert len(selected) == 1 and selected[0][0] == str(street)
    assert selected[0][1].endswith("› 东华门街道")
    district = city.unit_ids["D1"]
    assert [v for v, _ in _selected(c.get(f"/staff/rectifications?unit={district}").text,
                                    "unit")] == [str(district)]
    unknown = c.get("/staff/rectifications?unit=987654")
    assert unknown.status_code == 422 and "没有编号为 987654 的单位" in unknown.text
