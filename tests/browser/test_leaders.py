"""Leaders and the public on a phone (390 px): the charts of the open statistics and of the
analyst's dashboard keep legible type, and the dashboard's unit table keeps each unit's name on
one line."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import SCREENSHOTS, Server, Visitor, as_admin, forget_figures

pytestmark = pytest.mark.browser

# The rendered size of every visible piece of chart text: an SVG's text is scaled by the SVG's
# own scale on the screen (getScreenCTM), HTML text is what CSS says.
CHART_TEXT = """() => {
  const out = [];
  for (const el of document.querySelectorAll(
      '.bar-chart .bar-label, .bar-chart .bar-value, svg.chart text')) {
    if (!el.getClientRects().length) continue;  // the chart drawn for the other screen size
    const svg = el.closest('svg');
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (svg) size *= svg.getScreenCTM().a;
    out.push([el.textContent, Math.round(size * 10) / 10]);
  }
  return out;
}"""
MIN_PX = 11


LONG_NAME = "市人力资源和社会保障局"  # wider than a phone's table column


def _seed(server: Server) -> None:
    """A few appeals of several kinds dispatched to two districts and a department with a
    long name, so that every chart has bars and the unit table rows."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.admin import AdminService
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store import lookups

    with as_admin(server) as (rt, units, _):
        if "HRSS" not in units:
            units["HRSS"] = AdminService(rt.db, rt.rules).add_unit(
                "HRSS", LONG_NAME, parent_code="C", group="department").id
        with rt.db.uow(write=False) as uow:
            ids = {u.username: u.id for u in lookups.all_users(uow.session)}
        operator = Actor(role=Role.OPERATOR, user_id=ids["operator"])
        dispatcher = Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"])
        for kind, text, unit in (("help", "楼道灯坏了，晚上看不见台阶", "D1"),
                                 ("complaint", "工地夜间施工噪音很大，影响休息", "D2"),
                                 ("consult", "想问一下社保卡补办需要带什么材料", "HRSS")):
            reg = rt.appeals.register(operator, NewAppeal(
                kind=kind, content=text, requester_phone="13800000031"), utcnow())
            rt.appeals.act(dispatcher, reg.appeal_id, "dispatch", utcnow(),
                           {"unit_id": units[unit]})


def _received(v: Visitor) -> int:
    """The /stats page's 近30天受理."""
    v.goto("/stats")
    return int(v.page.locator(".figure-n").first.inner_text())  # type: ignore[attr-defined]


def test_each_test_starts_with_no_kept_figures(visitor: Callable[..., Visitor],
                                               server: Server) -> None:
    """The server keeps the public figures and the dashboard a minute: a test that opened
    them before another seeded its appeals would show that one the old figures. Here the bad
    order in one test — open, seed, open — and what `fresh_figures` does before every test."""
    v = visitor("public-kept")
    before = _received(v)
    _seed(server)
    assert _received(v) == before  # kept: what the next test would have seen
    forget_figures(server)
    assert _received(v) == before + 3


def _legible(v: Visitor, path: str, shot: str) -> None:
    v.goto(path)
    sizes = v.page.evaluate(CHART_TEXT)  # type: ignore[attr-defined]
    assert len(sizes) >= 8, sizes  # axis, legend and bar labels were found
    small = [s for s in sizes if s[1] < MIN_PX]
    assert not small, f"{path}: chart text under {MIN_PX} px on a phone: {small}"
    v.shot(shot)


def test_charts_are_legible_on_a_phone(visitor: Callable[..., Visitor],
                                       server: Server) -> None:
    _seed(server)
    _legible(visitor("public-stats-phone", phone=True), "/stats", "leaders-stats-phone")
    analyst = visitor("analyst-phone", phone=True)
    analyst.login("analyst")
    _legible(analyst, "/staff/dashboard", "leaders-dashboard-phone")
    # and on a desktop the wide line chart is the one shown
    desk = visitor("analyst-desk")
    desk.login("analyst")
    desk.goto("/staff/dashboard")
    assert desk.page.locator("svg.line-chart.wide").is_visible()  # type: ignore[attr-defined]
    assert desk.page.locator("svg.line-chart.compact").is_hidden()  # type: ignore[attr-defined]


def test_dashboard_unit_names_stay_on_one_line_on_a_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    _seed(server)
    analyst = visitor("analyst-units-phone", phone=True)
    analyst.login("analyst")
    analyst.goto("/staff/dashboard")
    lines = analyst.page.eval_on_selector_all(  # type: ignore[attr-defined]
        "[data-unit-table] tbody th", """els => els.map(e => {
            const r = document.createRange(); r.selectNodeContents(e);
            const tops = [...r.getClientRects()].map(b => Math.round(b.top));
            return [e.textContent, new Set(tops).size];
        })""")
    assert any(name == LONG_NAME for name, _ in lines), lines
    assert all(n == 1 for _, n in lines), lines


def test_dashboard_unit_table_shows_who_was_not_reached_on_a_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """The 未联系上 column fits beside the others: its header and figures on one line each,
    and the table no wider than the phone's card, which would hide it behind a scroll."""
    _seed(server)
    analyst = visitor("analyst-unreachable-phone", phone=True)
    analyst.login("analyst")
    analyst.goto("/staff/dashboard")
    page = analyst.page
    header = _lines_of(analyst, "[data-unit-table] thead th")
    assert ["未联系上", 1] in header, header
    assert all(n == 1 for _, n in header), header
    cells = _lines_of(analyst, "[data-unit-table] td[data-unreachable]")
    assert cells and all(n == 1 for _, n in cells), cells
    widths = page.eval_on_selector(  # type: ignore[attr-defined]
        "[data-unit-table]", "t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    page.locator("[data-unit-table]").screenshot(  # type: ignore[attr-defined]
        path=str(SCREENSHOTS / "leaders-dashboard-units-phone.png"))


def _lines_of(v: Visitor, selector: str) -> list[list[object]]:
    """Each matched cell's text and the number of lines it takes."""
    return v.page.eval_on_selector_all(selector, """els => els.map(e => {
        const r = document.createRange(); r.selectNodeContents(e);
        const tops = [...r.getClientRects()].map(b => Math.round(b.top));
        return [e.textContent.trim(), new Set(tops).size];
    })""")  # type: ignore[attr-defined,no-any-return]


def test_monthly_report_unit_names_stay_on_one_line_in_english(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """The English headers of 各单位明细 are wider than the Chinese; the unit column was
    squeezed until 市人力资源和社会保障局 took three lines."""
    _seed(server)
    analyst = visitor("analyst-report-desk")
    analyst.login("analyst")
    for lang in ("en", "zh"):
        analyst.goto(f"/reports/monthly?lang={lang}")
        lines = _lines_of(analyst, "#details td.name")
        assert any(name == LONG_NAME for name, _ in lines), lines
        assert all(n == 1 for _, n in lines), (lang, lines)
    analyst.shot("leaders-monthly-report")


# WCAG contrast of each visible link in <main> against the first opaque background behind it.
LINK_CONTRAST = """() => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const behind = e => {
    for (let n = e; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll('main a:not(.button)')]
    .filter(a => a.getClientRects().length)
    .map(a => {
      const l1 = lum(rgb(getComputedStyle(a).color).slice(0, 3)), l2 = lum(behind(a));
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      return [a.textContent.trim().slice(0, 20), Math.round(ratio * 10) / 10];
    });
}"""


def test_the_big_screen_links_and_tabs_can_be_read(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """On the dark big screen (大屏) the 万人诉求比 tab was dark ink on navy."""
    _seed(server)
    analyst = visitor("analyst-big-screen")
    analyst.login("analyst")
    analyst.goto("/staff/dashboard?big=1")
    links = analyst.page.evaluate(LINK_CONTRAST)  # type: ignore[attr-defined]
    assert any(text == "万人诉求比" for text, _ in links), links
    low = [link for link in links if link[1] < 4.5]
    assert not low, low
