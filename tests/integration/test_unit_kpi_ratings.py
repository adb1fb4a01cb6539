"""本单位考核's 差评: the list a unit head opens under the figure holds as many entries as the
figure counts. The figure counts ratings (DESIGN §5: 差评数 = bad ratings), so the list lists
ratings: a service item's bad rating (no appeal) is an entry of its own, named by the item, and
an appeal rated badly twice is listed twice, each with its stars. SQLite and PostgreSQL.

The KPI scenario's March (tests/integration/test_kpi_scenarios.py): 东华门街道 D1S1 has one bad
rating, a1's 2 stars. Added: a 1-star rating of D1S1's service item 占道审批, and a second bad
rating of a1 from another number (as an earlier system's import brings them: the one-rating-
per-phone rule leaves one appeal free to have more than one).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from jiesu.domain.appeal import Role
from jiesu.runtime import Runtime
from jiesu.services.feedback import FeedbackService
from jiesu.store.feedback_tables import RatingRow
from tests.integration.test_kpi_scenarios import Scenario, build, t
from tests.support.city import City, page_login


@pytest.fixture
def scenario(runtime: Runtime, city: City) -> Scenario:
    s = build(runtime, city)
    fb = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    item = fb.add_service_item(s.actor("admin", Role.ADMIN), "D1S1", "ZD-1", "占道审批", t(3, 1))
    fb.rate_service_item(item, "13900000001", 1, t(3, 15), comment="办事慢")
    with runtime.db.uow() as uow:
        uow.session.add(RatingRow(appeal_id=s.ids["a1"], unit_id=city.unit_ids["D1S1"],
                                  stars=1, rater_phone="13900000002", source="requester",
                                  created_at=t(3, 16), excluded=False))
        uow.commit()
    return s


def _bad_ratings(html: str) -> tuple[int, list[str]]:
    """The 差评 figure of 考核数据, and the entries of its list (an appeal's code and stars,
    or the service item's name and stars)."""
    figure = re.search(r'data-count="bad_ratings"><dt>[^<]*</dt><dd>(\d+)</dd>', html)
    listed = re.search(r'data-shortfall="bad_ratings">(.*?)</div>', html, re.S)
    assert figure and listed
    tag = re.search(r'<span class="tag">(\d+)</span>', listed.group(1))
    assert tag and tag.group(1) == figure.group(1)
    entries = re.findall(r'<span data-rating="\d+">(.*?)</span>\s*(?:·|</p>)',
                         listed.group(1), re.S)
    return int(figure.group(1)), [re.sub(r"<[^>]+>", "", e).strip() for e in entries]


def test_the_bad_ratings_listed_are_as_many_as_counted(scenario: Scenario,
                                                        client: TestClient) -> None:
    with scenario.rt.db.uow(write=False) as uow:
        from jiesu.store.tables import AppealRow

        a1 = uow.session.get(AppealRow, scenario.ids["a1"])
        assert a1 is not None
        code = a1.code
    page_login(client, "handler_s1")
    count, entries = _bad_ratings(client.get("/staff/unit-kpi?period=2026-03").text)
    assert count == 3 and len(entries) == count
    assert sorted(entries) == sorted([f"{code} ★★", f"{code} ★", "服务事项评价：占道审批 ★"])
    # the district above counts and lists the same three (the figures include sub-units)
    page_login(client, "handler_d1")
    count, entries = _bad_ratings(client.get("/staff/unit-kpi?period=2026-03").text)
    assert count == len(entries) == 3
    # English: the item's entry says what it is
    page = client.get("/staff/unit-kpi?period=2026-03&lang=en").text
    assert "Service item rating: 占道审批" in page
    assert "Bad ratings are counted one by one" in page and "差评按条计" not in page


def test_the_apis_drill_down_of_a_rating_count_lists_the_ratings(scenario: Scenario,
                                                                   city: City) -> None:
    """`GET /api/v1/stats/kpi/appeals` for `ratings` and `bad_ratings`: `count` is the KPI's
    count, `ratings` each rating counted (a service item's with the item's name), `appeals`
    the appeals among them, each once."""
    d1s1 = city.unit_ids["D1S1"]
    kpi = city.client.get("/api/v1/stats/kpi", params={"period": "2026-03", "unit": d1s1},
                          headers=city.headers("handler_s1")).json()
    row = next(r for r in kpi["rows"] if r["unit_code"] == "D1S1")
    for measure in ("bad_ratings", "ratings"):
        body = city.client.get(row["links"][measure],
                               headers=city.headers("handler_s1")).json()
        assert body["count"] == row["counts"][measure] == len(body["ratings"]), measure
        assert {a["id"] for a in body["appeals"]} == {
            r["appeal_id"] for r in body["ratings"] if r["appeal_id"] is not None}
    bad = city.client.get(row["links"]["bad_ratings"],
                          headers=city.headers("handler_s1")).json()
    assert row["counts"]["bad_ratings"] == 3
    assert sorted((r["appeal_id"] or 0, r["service_item"], r["stars"])
                  for r in bad["ratings"]) == sorted([
        (scenario.ids["a1"], None, 2), (scenario.ids["a1"], None, 1), (0, "占道审批", 1)])
    assert [a["id"] for a in bad["appeals"]] == [scenario.ids["a1"]]
    # an appeal-based count has no ratings
    closed = city.client.get(row["links"]["closed"], headers=city.headers("handler_s1")).json()
    assert closed["ratings"] is None and closed["count"] == len(closed["appeals"])
