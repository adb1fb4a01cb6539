"""The analyst's dashboard, checked by hand: the unit table's satisfaction rate is the KPI
formula's (满意 + 0.8·基本满意) ÷ rated, and says how many follow-ups it stands on."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from jiesu.domain.appeal import Actor, Role
from jiesu.services.clock import utcnow
from jiesu.store.tables import UserRow
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
        s.follow(name, start + timedelta(hours=4), satisfaction=level)
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
