"""本单位考核 in a real browser: a street's handler on a phone (390 px) reads its March scores and
opens an appeal that cost it points; a leader gets there from the 通报's ranking; English."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(server: Server) -> None:
    """The KPI scenario of the integration tests (March 2026, hand-computed figures), once."""
    from tests.integration.test_kpi_scenarios import build
    from tests.support.city import City

    with as_admin(server) as (rt, units, _):
        build(rt, City(rt, None, unit_ids=units))  # type: ignore[arg-type]  # no HTTP client


def test_a_street_reads_its_scores_on_a_phone(visitor: Callable[..., Visitor],
                                              seeded: None) -> None:
    v = visitor("handler-s1-phone", phone=True)
    v.login("handler_s1")
    page = v.page
    # the navigation leads here; the page opens on March (this month's figures, kept a
    # minute by the server, would be the other browser tests' 通报 of this month)
    nav = page.get_by_role("link", name="本单位考核")  # type: ignore[attr-defined]
    assert nav.get_attribute("href") == "/staff/unit-kpi"
    v.goto("/staff/unit-kpi?period=2026-02")
    page.select_option("#k-period", "2026-03")  # type: ignore[attr-defined]
    page.get_by_role("button", name="查看").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.locator('[data-rate="composite"] .figure-n').inner_text() == "78.00"  # type: ignore[attr-defined]
    assert "第 1 名 / 共 2 个" in page.locator("[data-rank]").inner_text()  # type: ignore[attr-defined]
    assert page.locator("[data-sub-units] tbody tr").count() == 1  # type: ignore[attr-defined]
    v.shot("unit-kpi-street")
    late = page.locator('[data-shortfall="late_response"] a')  # type: ignore[attr-defined]
    assert late.count() == 2
    code = late.first.inner_text()
    late.first.click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "/staff/appeals/" in page.url and code in page.content()  # type: ignore[attr-defined]

    en = visitor("handler-s1-en", phone=True)
    en.login("handler_s1")
    en.goto("/staff/unit-kpi?period=2026-03&lang=en")
    assert "No. 1 of 2" in en.page.locator("[data-rank]").inner_text()  # type: ignore[attr-defined]
    en.shot("unit-kpi-street-en")


def test_a_leader_opens_a_unit_from_the_monthly_report(visitor: Callable[..., Visitor],
                                                       seeded: None) -> None:
    v = visitor("supervisor-desk")
    v.login("supervisor")  # whose home is no kept figure (an analyst's is the dashboard)
    v.goto("/reports/monthly?month=2026-03")
    page = v.page
    page.locator('table.ranking[data-group="district"] a[data-unit-kpi]').first.click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "unit=D2" in page.url  # type: ignore[attr-defined]  # 西城区 ranks first
    assert page.locator('[data-rate="composite"] .figure-n').inner_text() == "100.00"  # type: ignore[attr-defined]
    v.goto("/staff/unit-kpi?period=2026-03&unit=D1")
    assert page.locator("[data-sub-units] tbody tr").count() == 1  # type: ignore[attr-defined]
    v.shot("unit-kpi-district")
