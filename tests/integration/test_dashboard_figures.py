"""The analyst's dashboard, checked by hand: the unit table's satisfaction rate is the KPI
formula's (满意 + 0.8·基本满意) ÷ rated, and says how many follow-ups it stands on."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.kpi import parse_period
from jiesu.services.clock import utcnow
from jiesu.services.reporting import ReportingService
from jiesu.store.tables import UserRow
from jiesu.web import stats
from tests.integration.test_kpi_scenarios import Scenario
from tests.support.city import City, page_login


def _scenario(city: City) -> tuple[Scenario, Actor]:
    """A scenario on the test city and the handler of 东城区 D1."""
    s = Scenario(city.runtime, city)
    with city.runtime.db.uow(write=False) as uow:
        s.users = {u.username: u.id for u in uow.session.scalars(select(UserRow))}
    return s, s.actor("handler_d1", Role.HANDLER, "D1")


def _d1_row(html: str) -> str:
    """The unit table's row of 东城区."""
    row = re.search(r"<tr><th scope=\"row\">东城区</th>.*?</tr>", html, re.S)
    assert row, html
    return row.group(0)


def test_the_unit_satisfaction_rate_names_its_follow_ups(city: City) -> None:
    s, d1 = _scenario(city)
    start = utcnow() - timedelta(days=3)
    for i, level in enumerate(("satisfied", "basically", "dissatisfied")):
        name = f"a{i}"
        s.new(name, "D1", start)
        s.act(d1, name, "sign", start + timedelta(hours=1))
        s.act(d1, name, "contact", start + timedelta(hours=2))
        s.act(d1, name, "reply", start + timedelta(hours=3), text="已处理", claim="solved")
        # 不满意 through no fault of the unit: closed, so the KPI counts it (no 重办)
        s.follow(name, start + timedelta(hours=4), satisfaction=level, fault="policy")
    page_login(city.client, "analyst")
    html = city.client.get("/staff/dashboard").text
    row = _d1_row(html)
    # (1 + 0.8) ÷ 3 = 60 %, on 3 follow-ups
    assert ('<td data-rated="3" data-label="满意率">60% <span class="muted">(3)</span></td>'
            in row), row
    assert "满意率（回访数）" in html
    english = city.client.get("/staff/dashboard?lang=en").text
    assert "Satisfaction rate (follow-ups)" in english


def test_the_unit_table_counts_the_follow_ups_that_reached_nobody(city: City) -> None:
    """未联系上 per unit: appeals received in the last 30 days and closed because the
    follow-up reached nobody (three calls, or at once with no phone); one still being
    called and one reached are not."""
    s, d1 = _scenario(city)
    start = utcnow() - timedelta(days=3)
    for name in ("calls", "calling", "reached"):
        s.new(name, "D1", start)
        s.act(d1, name, "sign", start + timedelta(hours=1))
        s.act(d1, name, "reply", start + timedelta(hours=2), text="已处理", claim="solved")
    for hours in (3, 6, 9):
        s.follow("calls", start + timedelta(hours=hours), reached=False)
    s.follow("calling", start + timedelta(hours=3), reached=False)
    s.follow("reached", start + timedelta(hours=3))
    anonymous = city.register(kind="help", content="路灯不亮", channel="web",
                              requester_phone=None, requester_name=None)
    city.act("dispatcher", anonymous["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", anonymous["id"], "sign")
    city.act("handler_d1", anonymous["id"], "reply", text="已修复", claim="solved")
    city.act("followup", anonymous["id"], "follow_up", reached=False)
    page_login(city.client, "analyst")
    html = city.client.get("/staff/dashboard").text
    row = _d1_row(html)
    assert '<td data-unreachable data-label="未联系上">2</td>' in row, row
    assert '<th scope="col">未联系上</th>' in html
    english = city.client.get("/staff/dashboard?lang=en").text
    assert '<th scope="col">Not reached</th>' in english
    assert "Not reached: closed because the follow-up" in english


def test_the_dashboard_satisfaction_rate_is_the_kpis(city: City) -> None:
    """The dashboard's 满意率 (its figure and its unit table) and the home page's count what
    the 通报 and 本单位考核 count: appeals closed whose last follow-up reached the requester.
    An appeal sent back to rework (重办, 不满意 still on it) and one closed because its last
    round reached nobody (an earlier round's 不满意 still on it) count in none of them; over
    the same 30 days the KPI report gives the same figure."""
    s, d1 = _scenario(city)
    start = utcnow() - timedelta(days=3)
    for name in ("satisfied", "basically", "reworked", "unreached"):
        s.new(name, "D1", start)
        s.act(d1, name, "sign", start + timedelta(hours=1))
        s.act(d1, name, "reply", start + timedelta(hours=2), text="已处理", claim="solved")
    s.follow("satisfied", start + timedelta(hours=3))
    s.follow("basically", start + timedelta(hours=3), satisfaction="basically")
    for name in ("reworked", "unreached"):  # 不满意, the unit's fault: back to the unit
        s.follow(name, start + timedelta(hours=3), resolved="no", satisfaction="dissatisfied")
    s.act(d1, "unreached", "reply", start + timedelta(hours=4), text="再次处理", claim="solved")
    for hours in (5, 8, 11):  # three calls that reach nobody: closed, 未联系上
        s.follow("unreached", start + timedelta(hours=hours), reached=False)

    now = utcnow()
    days = stats.last_days(now, city.runtime.settings.tz, 30)
    report = ReportingService(city.runtime.db, city.runtime.rules, city.runtime.settings).kpi(
        parse_period(f"{days[0]}..{days[-1]}"), now)
    rows = {r.code: r for r in report.rows}
    for code in ("C", "D1"):
        assert rows[code].counts.rated == 2, code
        assert rows[code].rates.satisfaction_rate == pytest.approx((1 + 0.8) / 2), code

    page_login(city.client, "analyst")
    html = city.client.get("/staff/dashboard").text
    figure = re.search(r'data-satisfaction-rate><span class="figure-n">([^<]*)<', html)
    assert figure and figure.group(1) == "90.0%", html  # before: 60.0 % (the unreached one)
    # before: 45 % of 4 (both the reworked and the unreached one)
    assert '<td data-rated="2" data-label="满意率">90% <span class="muted">(2)</span>' \
        in _d1_row(html)
    assert "data-satisfaction-note" in html and "近30天办结且回访联系上诉求人" in html
    english = city.client.get("/staff/dashboard?lang=en").text
    assert "(satisfied + 0.8 × basically satisfied)" in english
    assert city.client.get("/stats.json").json()["satisfaction_rate"] == 0.9


def _figure(html: str, label: str) -> str:
    found = re.search(r'<span class="figure-n">([^<]*)</span><span>' + re.escape(label), html)
    assert found, html
    return found.group(1)


def test_every_30_day_figure_counts_the_same_local_days(city: City) -> None:
    """The home page, /stats, /stats.json and the dashboard count one window: the last 30
    calendar days in the city's time zone (`stats.recent_days`). An appeal received a second
    before the first day's midnight is inside 30 × 24 hours from now but in none of them
    (before: the home page and /stats counted it, the dashboard's unit table did not)."""
    s, _ = _scenario(city)
    tz = city.runtime.settings.tz
    first = stats.last_days(utcnow(), tz, 30)[0]
    midnight = datetime.combine(first, time.min, tzinfo=tz)
    s.new("before", "D1", midnight - timedelta(seconds=1))
    s.new("first", "D1", midnight + timedelta(seconds=1))

    home = city.client.get("/").text
    assert _figure(home, "近30天受理") == "1"
    page = city.client.get("/stats").text
    assert _figure(page, "近30天受理") == "1"
    data = city.client.get("/stats.json").json()
    assert data["from"] == first.isoformat()
    assert data["received"] == sum(d["received"] for d in data["daily"]) == 1
    page_login(city.client, "analyst")
    board = city.client.get("/staff/dashboard").text
    assert _figure(board, "新受理") == "1"
    assert '<td data-label="总量">1</td>' in _d1_row(board)
    # each page says which days it counts, in the city's time
    note = f"近30天：按本市时间，自 {first.isoformat()} 零时至今，共30个自然日（含今天）。"
    for html in (home, page, board):
        assert note in html
    english = city.client.get("/?lang=en").text
    assert f"Last 30 days: from 00:00 on {first.isoformat()}, city time" in english


def test_the_category_trend_compares_local_calendar_weeks(city: City) -> None:
    """The trend's two weeks are local calendar days like the page's other figures: this
    week the last 7 days, today included, from the first one's midnight; the week before the
    7 days before. An appeal a second before this week's first midnight is inside 7 × 24
    hours from now but belongs to the week before; one a second before the week before's
    first midnight is in neither (before: rolling hours counted them in the later week)."""
    s, _ = _scenario(city)
    tz = city.runtime.settings.tz
    now = utcnow()
    days = stats.last_days(now, tz, 14)
    this_first, before_first = days[7], days[0]
    this_midnight = datetime.combine(this_first, time.min, tzinfo=tz)
    before_midnight = datetime.combine(before_first, time.min, tzinfo=tz)
    s.new("week-before-last-second", "D1", this_midnight - timedelta(seconds=1))
    s.new("this-week-first-second", "D1", this_midnight + timedelta(seconds=1))
    s.new("too-old", "D1", before_midnight - timedelta(seconds=1))
    s.new("week-before-first-second", "D1", before_midnight + timedelta(seconds=1))
    with city.runtime.db.uow(write=False) as uow:
        trend = stats.dashboard(uow.session, tz, now).trend
    assert (sum(a for _, a, _b in trend), sum(b for _, _a, b in trend)) == (1, 2)

    page_login(city.client, "analyst")
    board = city.client.get("/staff/dashboard").text
    cells = re.findall(r"<tr><th scope=\"row\">[^<]*</th><td>(\d+)</td><td>(\d+)</td>", board)
    assert (sum(int(a) for a, _ in cells), sum(int(b) for _, b in cells)) == (1, 2)
    # the page names the two weeks
    assert (f"按本市时间的自然日：近7天为 {this_first.isoformat()} 至 {days[13].isoformat()}"
            f"（含今天），前7天为 {before_first.isoformat()} 至 {days[6].isoformat()}。") in board
    english = city.client.get("/staff/dashboard?lang=en").text
    assert (f"the last 7 days are {this_first.isoformat()} to {days[13].isoformat()} (today "
            f"included), the 7 before {before_first.isoformat()} to {days[6].isoformat()}."
            ) in english
