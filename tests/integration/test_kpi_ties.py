"""Ties in the KPI ranking are judged on the composite score as published (two decimals), as
the 万人诉求比 ranking judges its ties: two units every page shows with the same score share a
place, and the next unit's place follows the competition ranking (1, 1, 3). On SQLite and
PostgreSQL; every place that shows a rank is asked.

Three city departments, one appeal each in March 2026, responded on time and followed up, under
a formula (version 2) whose resolution and satisfaction weights differ by 0.00008:
  W  resolved no,  satisfied      → 100 × (0.10 + 0.44996) = 54.996 → "55.00"
  W2 resolved yes, dissatisfied   → 100 × (0.10 + 0.45004) = 55.004 → "55.00"
  W3 resolved no,  dissatisfied   → 100 × 0.10             = 10.00
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.kpi import parse_period
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.reporting import ReportingService, points
from jiesu.web.report_pages import render_monthly
from tests.integration.test_kpi_scenarios import NOW, Scenario, t
from tests.support.city import City, page_login

MARCH = parse_period("2026-03")


@pytest.fixture
def departments(runtime: Runtime, city: City) -> Scenario:
    from sqlalchemy import select

    from jiesu.store.tables import UserRow

    admin = AdminService(runtime.db, runtime.rules)
    for code, name in (("W2", "市交通局"), ("W3", "市园林局")):
        city.unit_ids[code] = admin.add_unit(code, name, parent_code="C",
                                             group="department").id
    s = Scenario(runtime, city)
    with runtime.db.uow(write=False) as uow:
        s.users = {u.username: u.id for u in uow.session.scalars(select(UserRow))}
    svc = ReportingService(runtime.db, runtime.rules, runtime.settings)
    svc.set_formula(s.actor("admin", Role.ADMIN),
                    {"weight_response": 0.10, "weight_resolution": 0.45004,
                     "weight_satisfaction": 0.44996}, "并列测试", t(3, 1))
    for unit, resolved, satisfaction in (("W", "no", "satisfied"),
                                         ("W2", "yes", "dissatisfied"),
                                         ("W3", "no", "dissatisfied")):
        name = f"a-{unit}"
        s.new(name, unit, t(3, 2))
        handler: Actor = s.actor(None, Role.HANDLER, unit)
        s.act(handler, name, "sign", t(3, 2, 11))
        s.act(handler, name, "contact", t(3, 2, 14))
        s.act(handler, name, "reply", t(3, 4), text="已答复", claim="explained")
        # the requester's fault: closed, not reopened
        s.follow(name, t(3, 5), resolved=resolved, satisfaction=satisfaction,
                 fault="requester")
    return s


def test_scores_equal_to_two_decimals_share_a_place(departments: Scenario,
                                                    client: TestClient, city: City) -> None:
    rt = departments.rt
    report = ReportingService(rt.db, rt.rules, rt.settings).kpi(MARCH, NOW)
    rows = {r.code: r for r in report.rows if r.group == "department"}
    assert report.formula.version == 2
    assert rows["W"].rates.composite == pytest.approx(54.996)
    assert rows["W2"].rates.composite == pytest.approx(55.004)
    assert points(rows["W"].rates.composite) == points(rows["W2"].rates.composite) == "55.00"
    expected = {"W": 1, "W2": 1, "W3": 3}
    assert {c: r.rank for c, r in rows.items()} == expected

    # the API: the KPI rows and the rankings
    api = client.get("/api/v1/stats/kpi", params={"period": "2026-03", "group": "department"},
                     headers=city.headers("analyst")).json()
    assert {r["unit_code"]: r["rank"] for r in api["rows"]} == expected
    assert {r["unit_code"]: r["composite"] for r in api["rows"]}["W"] == 55.0
    ranking = client.get("/api/v1/stats/rankings",
                         params={"period": "2026-03", "group": "department"},
                         headers=city.headers("analyst")).json()
    got: list[dict[str, Any]] = ranking["rows"] if isinstance(ranking, dict) else ranking
    assert {r["unit_code"]: r["rank"] for r in got} == expected

    # the 通报 page and its XLSX
    html = render_monthly(rt, "2026-03", NOW)
    table = re.search(r'data-group="department"[^>]*>(.*?)</table>', html, re.S)
    assert table
    shown = dict((name, int(place)) for place, name in re.findall(
        r"<td>(\d+)</td><td class=\"name\"><a [^>]*>([^<]+)</a>", table.group(1)))
    assert shown == {"市水务局": 1, "市交通局": 1, "市园林局": 3}
    svc = ReportingService(rt.db, rt.rules, rt.settings)
    wb = load_workbook(io.BytesIO(svc.monthly_xlsx(svc.monthly(MARCH, NOW))))
    sheet = wb["排名-市级部门"]
    assert {row[1]: row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        "市水务局": 1, "市交通局": 1, "市园林局": 3}
    details = wb["单位明细"]
    places = {row[0]: row[3] for row in details.iter_rows(min_row=2, values_only=True)}
    assert (places["W"], places["W2"], places["W3"]) == (1, 1, 3)

    # the public ranking, its CSV and JSON
    public = client.get("/stats/rankings.json",
                        params={"period": "2026-03", "group": "department"}).json()
    assert {r["unit_code"]: r["rank"] for r in public["rows"]} == expected

    # 本单位考核 of each department
    page_login(client, "analyst")
    for code, place in expected.items():
        page = client.get(f"/staff/unit-kpi?period=2026-03&unit={code}").text
        assert f"第 {place} 名 / 共 3 个" in page, code


def test_the_xlsx_scores_are_the_published_ones(departments: Scenario) -> None:
    """The 通报 XLSX wrote scores with six decimals under a "0.00" format: the tied units looked
    equal (55.00) but a leader who sorted the sheet by 综合得分 saw 市交通局 (55.004) above
    市水务局 (54.996), not the published ranking. A score cell holds the published figure."""
    rt = departments.rt
    svc = ReportingService(rt.db, rt.rules, rt.settings)
    m = svc.monthly(MARCH, NOW)
    wb = load_workbook(io.BytesIO(svc.monthly_xlsx(m)))
    sheet = wb["排名-市级部门"]
    assert sheet["C1"].value == "综合得分"
    assert {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        "市水务局": 55.0, "市交通局": 55.0, "市园林局": 10.0}
    details = wb["单位明细"]
    header = [c.value for c in details[1]]
    score = header.index("综合得分")
    scores = {row[0]: row[score] for row in details.iter_rows(min_row=2, values_only=True)}
    assert (scores["W"], scores["W2"], scores["W3"]) == (55.0, 55.0, 10.0)
    every = [row[score] for row in details.iter_rows(min_row=2, values_only=True)
             if row[score] is not None]
    assert every and all(s == round(s, 2) for s in every)
    # the city's own score in 汇总, as the page shows it
    summary = {row[0]: row[1] for row in wb["汇总"].iter_rows(values_only=True) if row}
    city_score = dict(m.summary)["综合得分"]
    assert city_score is not None
    assert summary["综合得分"] == round(city_score, 2)
