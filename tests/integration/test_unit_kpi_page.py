"""本单位考核 (/staff/unit-kpi): a unit's figures are the 通报's and the API's, the appeals
behind its lost points are the right ones, a handler sees only its own subtree, and English.

The month is March 2026 of the KPI scenario (tests/integration/test_kpi_scenarios.py), whose
figures are hand-computed there: 东华门街道 D1S1 scores 78.00, first of two streets.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jiesu.domain.kpi import SHORTFALL_NAMES, parse_period
from jiesu.runtime import Runtime
from jiesu.services import reporting as rep
from jiesu.services.clock import utcnow
from jiesu.web.report_pages import render_monthly
from tests.integration.test_kpi_scenarios import NOW, Scenario, build
from tests.support.city import City, page_login


@pytest.fixture
def scenario(runtime: Runtime, city: City) -> Scenario:
    return build(runtime, city)


def _page(client: TestClient, username: str, query: str = "period=2026-03",
          expect: int = 200) -> str:
    page_login(client, username)
    r = client.get(f"/staff/unit-kpi?{query}")
    assert r.status_code == expect, r.text[:2000]
    return r.text


def _figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-rate="(\w+)"><span class="figure-n">([^<]*)</span>', html))


def _shortfalls(html: str) -> dict[str, list[str]]:
    out = {}
    for name, body in re.findall(r'data-shortfall="(\w+)">(.*?)</div>', html, re.S):
        out[name] = re.findall(r'<a href="/staff/appeals/\d+">([^<]+)</a>', body)
    return out


def _codes(s: Scenario, *names: str) -> list[str]:
    codes = []
    with s.rt.db.uow(write=False) as uow:
        from jiesu.store.tables import AppealRow

        for name in names:
            row = uow.session.get(AppealRow, s.ids[name])
            assert row is not None
            codes.append(row.code)
    return sorted(codes)


def test_the_street_sees_the_figures_and_rank_the_report_and_api_give(
        scenario: Scenario, client: TestClient, city: City) -> None:
    html = _page(client, "handler_s1")
    api = client.get("/api/v1/stats/kpi", params={"period": "2026-03",
                                                   "unit": city.unit_ids["D1S1"]},
                     headers=city.headers("handler_s1")).json()
    row: dict[str, Any] = next(r for r in api["rows"] if r["unit_code"] == "D1S1")
    shown = _figures(html)
    assert shown == {
        "composite": rep.points(row["composite"]),
        "response_rate": rep.pct(row["response_rate"]),
        "resolution_rate": rep.pct(row["resolution_rate"]),
        "satisfaction_rate": rep.pct(row["satisfaction_rate"]),
        "on_time_rate": rep.pct(row["on_time_rate"]),
    }
    assert shown["composite"] == "78.00" and shown["response_rate"] == "60.00%"
    assert (row["rank"], row["group_size"]) == (1, 2)
    assert "第 1 名 / 共 2 个" in html
    counts = dict(re.findall(r'data-count="(\w+)"><dt>[^<]*</dt><dd>(\d+)</dd>', html))
    for name in ("dispatched", "response_due", "responded_on_time", "handle_due",
                 "bad_ratings", "satisfied", "basically_satisfied", "red_cards"):
        assert int(counts[name]) == row["counts"][name], name
    assert counts["overdue"] == "1" and counts["late_response"] == "2"
    # the 通报's ranking row of the street: the same figures, and it links to this page
    report = render_monthly(scenario.rt, "2026-03", NOW)
    line = re.search(r'<a href="/staff/unit-kpi\?unit=D1S1&amp;period=2026-03" '
                     r'data-unit-kpi>东华门街道</a></td>(.*?)</tr>', report, re.S)
    assert line, "the 通报's ranking row links to the unit's page"
    cells = re.findall(r"<td>([^<]*)</td>", line.group(1))
    assert cells[:5] == [shown["composite"], shown["response_rate"], shown["resolution_rate"],
                         shown["satisfaction_rate"], shown["on_time_rate"]]
    assert "data-partial" not in html  # March is over


def test_the_appeals_behind_each_lost_point_are_listed(scenario: Scenario,
                                                       client: TestClient, city: City) -> None:
    """a2 was contacted late and a5 never (响应率); a5 is overdue; a2 was only partly resolved
    and basically satisfied; a1 got the bad rating. a4's reopened round ended satisfied."""
    found = _shortfalls(_page(client, "handler_s1"))
    assert found == {
        "late_response": _codes(scenario, "a2", "a5"),
        "unresolved": _codes(scenario, "a2"),
        "basically_satisfied": _codes(scenario, "a2"),
        "overdue": _codes(scenario, "a5"),
        "bad_ratings": _codes(scenario, "a1"),
    }
    # the API's drill-down gives the same appeals
    for measure in ("late_response", "overdue", "unresolved"):
        api = client.get("/api/v1/stats/kpi/appeals", params={
            "period": "2026-03", "unit": city.unit_ids["D1S1"], "measure": measure},
            headers=city.headers("handler_s1")).json()
        assert sorted(a["code"] for a in api["appeals"]) == found[measure], measure
    # a unit without a lost point says so
    assert "data-no-shortfall" in _page(client, "handler_d2", "period=2026-02")


def test_every_shortfall_lists_as_many_appeals_as_the_counts_differ(scenario: Scenario) -> None:
    """The drill-down's shortfalls are the complements of their counts, and the city-wide
    lists the page merges per subtree (`first_appeals_by_unit`) give the same appeals."""
    from jiesu.store import kpi_queries as kq

    rt = scenario.rt
    svc = rep.ReportingService(rt.db, rt.rules, rt.settings)
    march = parse_period("2026-03")
    report = svc.kpi(march, NOW)
    for row in report.rows:
        for measure in SHORTFALL_NAMES:
            found = svc.appeals_behind(march, row.unit_id, measure, NOW)
            assert len(found) == getattr(row.counts, measure), (row.code, measure)
    with rt.db.uow(write=False) as uow:
        for measure, _ in rep.SHORTFALLS:
            by_unit = kq.first_appeals_by_unit(uow.session, report.formula,
                                               svc.window(march, NOW), measure, 50)
            for row in report.rows:
                subtree = list(uow.session.scalars(kq.subtree_units(uow.session, row.unit_id)))
                merged = sorted(i for u in subtree for i in by_unit.get(u, ()))
                if measure in rep.RATED_SHORTFALLS:  # the ratings themselves, as counted
                    assert len(merged) == getattr(row.counts, measure), (row.code, measure)
                    items = kq.rating_items(uow.session, merged)
                    assert [x.rating_id for x in items] == merged
                    assert all(x.stars <= 2 for x in items)
                    continue
                behind = [i for i, _ in svc.appeals_behind(march, row.unit_id, measure, NOW)]
                assert merged == behind, (row.code, measure)


def test_a_district_sees_its_streets_and_the_trend(scenario: Scenario,
                                                   client: TestClient) -> None:
    html = _page(client, "handler_d1")
    subs = re.search(r"data-sub-units>(.*?)</section>", html, re.S)
    assert subs and 'data-unit="D1S1"' in subs.group(1)
    assert 'href="/staff/unit-kpi?unit=D1S1&amp;period=2026-03"' in subs.group(1)
    months = re.findall(r'data-month="([\d-]+)"', html)
    assert months == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    march = re.search(r'data-month="2026-03">(.*?)</tr>', html, re.S)
    assert march and f"<td>{_figures(html)['composite']}</td>" in march.group(1)
    # the street opened from the district: allowed, its own figures
    assert _figures(_page(client, "handler_d1", "period=2026-03&unit=D1S1"))[
        "composite"] == "78.00"


def test_a_handler_cannot_read_another_units_page(scenario: Scenario,
                                                  client: TestClient) -> None:
    _page(client, "handler_d2", "period=2026-03&unit=D1S1", expect=403)
    _page(client, "handler_s1", "period=2026-03&unit=D1", expect=403)  # its parent
    _page(client, "handler_s1", "period=2026-03&unit=C", expect=403)
    _page(client, "grid", "period=2026-03&unit=D1S1", expect=403)
    _page(client, "handler_s1", "period=2026-03&unit=NOPE", expect=404)
    _page(client, "followup", expect=403)
    _page(client, "dispatcher", expect=403)
    html = _page(client, "handler_s1", "period=2026-13", expect=422)
    assert "月份应为 YYYY-MM 格式" in html or "月份须在 1 到 12 之间" in html
    _page(client, "handler_s1", "period=2999-01", expect=422)
    _page(client, "handler_s1", "period=x' or 1=1", expect=422)


def test_leaders_open_any_unit_and_the_city_by_default(scenario: Scenario,
                                                       client: TestClient) -> None:
    assert _figures(_page(client, "analyst", "period=2026-03&unit=D1S1"))["composite"] == \
        "78.00"
    html = _page(client, "supervisor", "period=2026-03")
    assert "示范市" in html and 'data-unit="D1"' in html
    assert _figures(_page(client, "admin", "period=2026-03&unit=D2"))["composite"] == "100.00"


def test_this_month_says_it_is_not_over_and_shares_the_kept_report(
        scenario: Scenario, client: TestClient) -> None:
    html = _page(client, "handler_s1", "")
    assert "data-partial" in html and "本月尚未结束" in html
    rt = scenario.rt
    svc = rep.ReportingService(rt.db, rt.rules, rt.settings, figures=rt.figures)
    this_month = parse_period(utcnow().astimezone(rt.settings.tz).strftime("%Y-%m"))
    kept = svc.city_kpi(this_month, utcnow())
    assert svc.monthly(this_month, utcnow()).kpi is kept  # the 通报 reuses the page's


def test_the_page_in_english(scenario: Scenario, client: TestClient) -> None:
    html = _page(client, "handler_s1", "period=2026-03&lang=en")
    assert "<title>Our scores" in html and "No. 1 of 2" in html
    assert "Not responded in time" in html and "The last six months" in html
    body = re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1].split("</main>", 1)[0])
    chinese = set(re.findall(r"[\u4e00-\u9fff]+", body))
    # unit names are data and stay as written
    assert chinese <= {"东华门街道", "多福巷社区"}, chinese
    nav = _page(client, "grid", "lang=en")
    assert 'href="/staff/unit-kpi" aria-current="page">Our scores<' in nav


def test_a_long_list_is_cut_with_a_note(scenario: Scenario, client: TestClient,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The district's late responses come from its street (a2) and its community (a5): the
    lists of its subtree are merged, the first by id kept, and the page says how many more."""
    monkeypatch.setattr(rep, "SHORTFALL_SHOWN", 1)
    html = _page(client, "handler_d1")
    assert _shortfalls(html)["late_response"] == _codes(scenario, "a2")
    cut = re.search(r'data-shortfall="late_response">.*?data-cut>([^<]*)<', html, re.S)
    assert cut and cut.group(1) == "共 2 件，此处列出前 1 件。"
    assert "data-cut" not in html.split('data-shortfall="overdue"', 1)[1].split("</div>", 1)[0]


def test_the_public_ranking_gives_the_reports_figures(scenario: Scenario, city: City) -> None:
    """DESIGN §7 makes rankings open statistics: /stats/rankings shows, without login, a
    group's units ranked as the 通报 and the API rank them, for months that have ended."""
    with TestClient(city.client.app) as public:
        html = public.get("/stats/rankings", params={"period": "2026-03", "group": "street"})
        assert html.status_code == 200, html.text[:2000]
        api = city.client.get("/api/v1/stats/rankings", params={"period": "2026-03",
                                                                "group": "street"},
                              headers=city.headers("analyst")).json()
        ranked = [r for r in api["rows"] if r["rank"] is not None]
        assert ranked
        rows = re.findall(r'<tr data-unit="([^"]+)"><td[^>]*>([^<]*)</td><th scope="row">'
                          r'[^<]*</th><td[^>]*>([^<]*)</td>', html.text)
        assert rows[:len(ranked)] == [(r["unit_code"], str(r["rank"]), rep.points(r["composite"]))
                                      for r in sorted(ranked, key=lambda r: r["rank"])]
        assert ("D1S1", "1", "78.00") in rows
        assert "/stats/rankings" in public.get("/stats").text  # the statistics page links it
        this_month = utcnow().astimezone(city.runtime.settings.tz).strftime("%Y-%m")
        running = public.get("/stats/rankings", params={"period": this_month})
        assert running.status_code == 422 and "只公布已结束月份的排名" in running.text
        assert public.get("/stats/rankings", params={"group": "x"}).status_code == 422
        english = public.get("/stats/rankings?period=2026-03&group=street&lang=en").text
        assert "Rankings of the handling units" in english and "Streets and towns" in english
        # and as open data: JSON with the API's figures, CSV headed in the reader's language
        data = public.get("/stats/rankings.json?period=2026-03&group=street").json()
        assert (data["period"], data["group"], data["group_name"]) == ("2026-03", "street",
                                                                       "街道/乡镇")
        assert [(r["unit_code"], r["rank"], r["composite"]) for r in data["rows"]][:len(ranked)] \
            == [(r["unit_code"], r["rank"], round(r["composite"], 2))
                for r in sorted(ranked, key=lambda r: r["rank"])]
        table = public.get("/stats/rankings.csv?period=2026-03&group=street&lang=zh")
        lines = table.text.lstrip("\ufeff").splitlines()
        assert lines[0] == "排名,单位编码,单位,综合得分,响应率,解决率,满意率"
        assert any(line.startswith("1,D1S1,") and ",78.00,60.00%," in line for line in lines)
        coded = public.get("/stats/rankings.csv?period=2026-03&group=street&header=code").text
        assert coded.lstrip("\ufeff").startswith("rank,unit_code,unit_name,composite,")
        assert 'href="/stats/rankings.csv?period=2026-03&amp;group=street"' in html.text
        # districts are areas: their 万人诉求比 too, with the API's counts
        districts = public.get("/stats/rankings?period=2026-03&group=district&lang=zh").text
        api = city.client.get("/api/v1/stats/intensity", params={"period": "2026-03",
                                                                 "group": "district"},
                              headers=city.headers("analyst")).json()
        section = districts.split("data-intensity", 1)[1]
        shown = dict(re.findall(r'<tr data-area="([^"]+)">.*?data-label="诉求量">(\d+)<',
                                section))
        assert shown == {r["unit_code"]: str(r["appeals"]) for r in api["rows"]} != {}
        assert "data-intensity" not in public.get("/stats/rankings?period=2026-03&group="
                                                  "department").text
