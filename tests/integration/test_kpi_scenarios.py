"""KPI scenarios with hand-computed figures (docs/kpi.md), on SQLite and PostgreSQL.

March 2026 has no holidays; dispatch on Monday 2 March at 10:00 gives a sign deadline of
Tuesday 3 March 23:59:59 and (complaint, normal) a handling deadline of Monday 23 March.

Unit tree: 示范市 C → 东城区 D1 → 东华门街道 D1S1 → 多福巷社区 D1S1C1; 西城区 D2 → D2S1;
市水务局 W.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.kpi import parse_period
from jiesu.runtime import Runtime
from jiesu.services.appeals import NewAppeal
from jiesu.services.feedback import FeedbackService
from jiesu.services.reporting import ReportingService
from jiesu.store.tables import UserRow
from tests.support.city import City

SH = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"
NOW = datetime(2026, 5, 1, tzinfo=UTC)  # every March and April deadline has passed


def t(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SH).astimezone(UTC)


@dataclass
class Scenario:
    rt: Runtime
    city: City
    ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    def actor(self, username: str | None, role: Role, unit: str | None = None) -> Actor:
        unit_id = self.city.unit_ids[unit] if unit else None
        scope: frozenset[int] = frozenset()
        if unit_id is not None:
            with self.rt.db.uow(write=False) as uow:
                scope = uow.units.subtree_ids(unit_id)
        return Actor(role=role, user_id=self.users.get(username or ""), unit_id=unit_id,
                     unit_scope=scope)

    def act(self, actor: Actor, name: str, action: str, at: datetime, **args: Any) -> None:
        self.rt.appeals.act(actor, self.ids[name], action, at, args)

    def new(self, name: str, unit: str, at: datetime) -> None:
        op = Actor(role=Role.OPERATOR, user_id=self.users["operator"])
        reg = self.rt.appeals.register(op, NewAppeal(kind="complaint", content=f"诉求 {name}",
                                                     requester_phone=PHONE), at)
        self.ids[name] = reg.appeal_id
        self.dispatch(name, unit, at)

    def dispatch(self, name: str, unit: str, at: datetime) -> None:
        self.act(self.actor("dispatcher", Role.DISPATCHER), name, "dispatch", at,
                 unit_id=self.city.unit_ids[unit])

    def follow(self, name: str, at: datetime, *, reached: bool = True, resolved: str = "yes",
               satisfaction: str = "satisfied", fault: str | None = None) -> None:
        agent = self.actor("followup", Role.FOLLOWUP_AGENT)
        args: dict[str, Any] = {"reached": reached}
        if reached:
            args.update(resolved=resolved, satisfaction=satisfaction)
            if fault:
                args["fault"] = fault
        self.act(agent, name, "follow_up", at, **args)


def build(rt: Runtime, city: City) -> Scenario:
    s = Scenario(rt, city)
    with rt.db.uow(write=False) as uow:
        s.users = {u.username: u.id for u in uow.session.scalars(select(UserRow))}
    s1 = s.actor("handler_s1", Role.HANDLER, "D1S1")
    d1 = s.actor("handler_d1", Role.HANDLER, "D1")
    d2 = s.actor("handler_d2", Role.HANDLER, "D2")
    w = s.actor(None, Role.HANDLER, "W")
    fb = FeedbackService(rt.db, rt.rules, rt.settings)

    # 东华门街道 D1S1: four appeals, all dispatched 2 March.
    for name in ("a1", "a2", "a3", "a4"):
        s.new(name, "D1S1", t(3, 2))
        s.act(s1, name, "sign", t(3, 2, 11))
    s.act(s1, "a1", "contact", t(3, 3, 9))  # on time (sign due 3 March 23:59)
    s.act(s1, "a2", "contact", t(3, 5))  # late
    s.act(s1, "a3", "contact", t(3, 2, 15))
    s.act(s1, "a4", "contact", t(3, 2, 15))
    s.act(s1, "a1", "reply", t(3, 10), text="已修复", claim="solved")
    s.follow("a1", t(3, 11))
    s.act(s1, "a2", "reply", t(3, 12), text="部分修复", claim="solved")
    s.follow("a2", t(3, 13), resolved="partly", satisfaction="basically")
    s.act(s1, "a3", "reply", t(3, 12), text="已处理", claim="solved")
    for hour in (9, 11, 15):  # three failed calls: unreachable, closed
        s.follow("a3", t(3, 13, hour), reached=False)
    s.act(s1, "a4", "reply", t(3, 5), text="已处理", claim="solved")
    s.follow("a4", t(3, 6), resolved="no", satisfaction="dissatisfied", fault="unit")  # 重办
    s.act(s1, "a4", "reply", t(3, 20), text="再次处理", claim="solved")
    s.follow("a4", t(3, 21))
    fb.rate_appeal(Actor(role=Role.REQUESTER, phone=PHONE), s.ids["a1"], 2, "态度差", t(3, 12))
    fb.rate_appeal(Actor(role=Role.REQUESTER, phone=PHONE), s.ids["a2"], 5, None, t(3, 14))

    # 多福巷社区 D1S1C1: never signed; a red card on 25 March.
    s.new("a5", "D1S1C1", t(3, 2))
    s.act(s.actor("supervisor", Role.SUPERVISOR), "a5", "supervise", t(3, 25), level="red",
          note="超期未签收")

    # 东城区 D1 itself: registered 30 March, closed in April.
    s.new("a6", "D1", t(3, 30))
    s.act(d1, "a6", "sign", t(3, 30, 11))
    s.act(d1, "a6", "contact", t(3, 31))
    s.act(d1, "a6", "reply", t(4, 2), text="已解决", claim="solved")
    s.follow("a6", t(4, 3))

    # 西城区 D2: replied, never followed up; a second appeal returned to the dispatcher.
    s.new("a7", "D2", t(3, 2))
    s.act(d2, "a7", "sign", t(3, 2, 11))
    s.act(d2, "a7", "contact", t(3, 2, 14))
    s.act(d2, "a7", "reply", t(3, 4), text="已答复", claim="explained")
    s.new("a10", "D2", t(3, 2))
    s.act(d2, "a10", "request_return", t(3, 2, 12), reason="不属于本单位职责")
    s.act(s.actor("dispatcher", Role.DISPATCHER), "a10", "approve_return", t(3, 3, 9))

    # 市水务局 W: a8 signed but never contacted; a10 re-dispatched here.
    s.new("a8", "W", t(3, 2))
    s.act(w, "a8", "sign", t(3, 3))
    s.act(w, "a8", "reply", t(3, 9), text="已解决", claim="solved")
    s.follow("a8", t(3, 10))
    s.dispatch("a10", "W", t(3, 3, 10))
    s.act(w, "a10", "sign", t(3, 3, 11))
    s.act(w, "a10", "contact", t(3, 3, 12))
    s.act(w, "a10", "reply", t(3, 6), text="已处理", claim="solved")
    # A malicious 1-star rating on a8, appealed by W and excluded by the reviewer.
    r = fb.rate_appeal(Actor(role=Role.REQUESTER, phone=PHONE), s.ids["a8"], 1, "恶意", t(3, 12))
    ra = fb.file_rating_appeal(w, r.rating_id, "诉求人多次辱骂工作人员，评价与办理无关", t(3, 13))
    fb.decide_rating_appeal(s.actor("supervisor", Role.SUPERVISOR), ra, True,
                            "经核实属恶意差评", t(3, 14))
    return s


@pytest.fixture
def scenario(runtime: Runtime, city: City) -> Scenario:
    return build(runtime, city)


def _rows(rt: Runtime, period: str, **kw: Any) -> dict[str, Any]:
    report = ReportingService(rt.db, rt.rules, rt.settings).kpi(parse_period(period), NOW, **kw)
    return {r.code: r for r in report.rows}


def test_march_counts_and_rates_by_hand(scenario: Scenario) -> None:
    rows = _rows(scenario.rt, "2026-03")

    s1 = rows["D1S1"]  # the street with its community (a1–a5)
    c = s1.counts
    assert (c.dispatched, c.returned) == (5, 0)
    assert (c.response_due, c.responded_on_time) == (5, 3)
    assert (c.handle_due, c.completed_on_time, c.overdue) == (5, 4, 1)
    assert (c.closed, c.reworked, c.followed_up, c.unreachable, c.reached) == (4, 1, 4, 1, 3)
    assert (c.resolved, c.partly_resolved) == (2, 1)
    assert (c.satisfied, c.basically_satisfied, c.dissatisfied) == (2, 1, 0)
    assert (c.supervised, c.red_cards, c.ratings, c.bad_ratings) == (1, 1, 2, 1)
    r = s1.rates
    assert r.response_rate == pytest.approx(3 / 5)
    assert r.resolution_rate == pytest.approx(2 / 3)  # partly counts 0 by default
    assert r.satisfaction_rate == pytest.approx((2 + 0.8 * 1) / 3)
    assert r.composite == pytest.approx(100 * (0.1 * 0.6 + 0.45 * 2 / 3 + 0.45 * 2.8 / 3))
    assert r.composite == pytest.approx(78.0)
    assert r.on_time_rate == pytest.approx(4 / 5)
    assert r.rework_rate == pytest.approx(1 / 4)
    assert r.unreachable_rate == pytest.approx(1 / 4)
    assert r.bad_rating_rate == pytest.approx(1 / 2)
    assert r.return_rate == pytest.approx(0.0)

    community = rows["D1S1C1"]  # a unit whose only appeal was never handled
    assert community.rates.response_rate == 0.0
    assert community.rates.resolution_rate is None and community.rates.satisfaction_rate is None
    assert community.rates.composite == 0.0  # only the response part has data

    d1 = rows["D1"]  # the district: its own a6 (response only in March) plus the street
    assert (d1.counts.dispatched, d1.counts.response_due, d1.counts.responded_on_time) == (6, 6, 4)
    assert d1.counts.closed == 4  # a6 closes in April
    assert d1.rates.composite == pytest.approx(100 * (0.1 * 4 / 6 + 0.45 * 2 / 3 + 0.45 * 2.8 / 3))

    d2 = rows["D2"]  # no follow-ups: resolution and satisfaction have no data
    assert (d2.counts.dispatched, d2.counts.returned) == (2, 1)
    assert d2.rates.return_rate == pytest.approx(0.5)
    assert d2.counts.followed_up == 0
    assert d2.rates.resolution_rate is None and d2.rates.satisfaction_rate is None
    assert d2.rates.response_rate == 1.0 and d2.rates.on_time_rate == 1.0
    assert d2.rates.composite == pytest.approx(100.0)  # weights rescaled to what has data

    w = rows["W"]  # the excluded malicious rating counts nowhere
    assert (w.counts.ratings, w.counts.bad_ratings) == (0, 0)
    assert (w.counts.dispatched, w.counts.response_due, w.counts.responded_on_time) == (2, 2, 1)
    assert w.rates.composite == pytest.approx(100 * (0.1 * 0.5 + 0.45 + 0.45))

    city = rows["C"]
    assert city.counts.dispatched == 10  # a10 was dispatched twice
    assert (city.counts.response_due, city.counts.responded_on_time) == (9, 6)
    assert (city.counts.reached, city.counts.resolved, city.counts.satisfied) == (4, 3, 3)
    assert city.rates.composite == pytest.approx(
        100 * (0.1 * 6 / 9 + 0.45 * 3 / 4 + 0.45 * (3 + 0.8) / 4))


def test_rankings_periods_and_drill_down(scenario: Scenario) -> None:
    _rankings(scenario)
    _periods(scenario)
    _links(scenario)


def _rankings(scenario: Scenario) -> None:
    rows = _rows(scenario.rt, "2026-03")
    assert (rows["D2"].rank, rows["D1"].rank, rows["D1"].group_size) == (1, 2, 2)
    assert rows["D1S1"].rank == 1 and rows["D2S1"].rank is None  # no data: unranked
    assert rows["W"].rank == 1
    assert rows["D1S1C1"].rank is None  # communities are not a ranking group
    streets = _rows(scenario.rt, "2026-03", group="street")
    assert set(streets) == {"D1S1", "D2S1"}


def test_appeal_registered_in_march_closed_in_april(scenario: Scenario) -> None:
    april = _rows(scenario.rt, "2026-04")["D1"]
    assert (april.counts.closed, april.counts.reached, april.counts.resolved) == (1, 1, 1)
    assert april.counts.response_due == 0 and april.rates.response_rate is None
    assert (april.counts.handle_due, april.counts.completed_on_time) == (1, 1)
    assert april.rates.composite == pytest.approx(100.0)
    svc = ReportingService(scenario.rt.db, scenario.rt.rules, scenario.rt.settings)
    trend = svc.trend(scenario.city.unit_ids["D1"], parse_period("2026-03"),
                      parse_period("2026-04"), NOW)
    assert [p.label for p, _ in trend] == ["2026-03", "2026-04"]
    assert [r.counts.closed for _, r in trend] == [4, 1]


def test_formula_versions_change_results_and_are_named(scenario: Scenario) -> None:
    rt = scenario.rt
    svc = ReportingService(rt.db, rt.rules, rt.settings)
    admin = scenario.actor("admin", Role.ADMIN)
    f2 = svc.set_formula(admin, {"response_measure": "sign", "basic_satisfaction_weight": 0.5},
                         "按签收计响应", NOW)
    assert f2.version == 2
    rows = _rows(rt, "2026-03")
    assert rows["W"].rates.response_rate == 1.0  # a8 was signed in time, never contacted
    s1 = rows["D1S1"]
    assert s1.rates.satisfaction_rate == pytest.approx((2 + 0.5) / 3)
    old = _rows(rt, "2026-03", formula_version=1)
    assert old["W"].rates.response_rate == 0.5
    n, version = svc.store_kpi(parse_period("2026-03"), NOW)
    stored = svc.stored_kpi(parse_period("2026-03"))
    assert version == 2 and len(stored) == n and {s["formula_version"] for s in stored} == {2}


def _links(scenario: Scenario) -> None:
    rt, ids, units = scenario.rt, scenario.ids, scenario.city.unit_ids
    svc = ReportingService(rt.db, rt.rules, rt.settings)
    march = parse_period("2026-03")

    def behind(unit: str, measure: str) -> set[int]:
        return {i for i, _ in svc.appeals_behind(march, units[unit], measure, NOW)}

    assert behind("D1S1", "responded_on_time") == {ids["a1"], ids["a3"], ids["a4"]}
    assert behind("D1S1", "unreachable") == {ids["a3"]}
    assert behind("D1S1", "reworked") == {ids["a4"]}
    assert behind("D1", "response_due") == {ids[n] for n in ("a1", "a2", "a3", "a4", "a5", "a6")}
    assert behind("D2", "returned") == {ids["a10"]}
    assert behind("W", "dispatched") == {ids["a8"], ids["a10"]}
    assert behind("D1S1", "red_cards") == {ids["a5"]}
    assert behind("D1S1", "bad_ratings") == {ids["a1"]}
    assert behind("W", "ratings") == set()


def test_accountability_lists_units_handlers_appeals_and_exports(scenario: Scenario) -> None:
    rt, ids = scenario.rt, scenario.ids
    acc = ReportingService(rt.db, rt.rules, rt.settings).accountability(
        parse_period("2026-03"), NOW)
    kinds = {(e.kind, e.appeal_id) for e in acc.items}
    assert kinds == {("overdue", ids["a5"]), ("red_card", ids["a5"]), ("rework", ids["a4"]),
                     ("bad_rating", ids["a1"])}
    rework = next(e for e in acc.items if e.kind == "rework")
    assert rework.unit_name == "东华门街道" and rework.handler_name == "handler_s1"
    assert acc.by_unit["多福巷社区"] == {"overdue": 1, "red_card": 1}
    assert acc.by_handler["handler_s1"] == {"rework": 1, "bad_rating": 1}
    _accountability_export(scenario.city)


def test_kpi_api(scenario: Scenario, city: City) -> None:
    r = city.client.get("/api/v1/stats/kpi", params={"period": "2026-03", "group": "district"},
                        headers=city.headers("analyst"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["formula_version"] == 1
    rows = body["rows"]
    assert [x["unit_code"] for x in rows] == ["D2", "D1"]
    d1 = rows[1]
    for key in ("unit", "response_rate", "resolution_rate", "satisfaction_rate", "composite",
                "rank"):
        assert key in d1
    assert d1["unit"] == city.unit_ids["D1"] and d1["rank"] == 2
    assert d1["response_rate"] == round(4 / 6, 4)
    link = city.client.get(d1["links"]["closed"], headers=city.headers("analyst"))
    assert link.status_code == 200 and link.json()["count"] == 4
    # every count and every shortfall (what cost the unit points) links to its appeals
    assert set(d1["links"]) == set(d1["counts"])
    for measure in ("late_response", "overdue", "unresolved"):
        behind = city.client.get(d1["links"][measure], headers=city.headers("analyst"))
        assert behind.status_code == 200 and behind.json()["count"] == d1["counts"][measure]
    # A handler sees its own subtree only.
    mine = city.client.get("/api/v1/stats/kpi", params={"period": "2026-03"},
                           headers=city.headers("handler_s1"))
    assert {x["unit_code"] for x in mine.json()["rows"]} == {"D1S1", "D1S1C1"}
    other = city.client.get("/api/v1/stats/kpi",
                            params={"period": "2026-03", "unit": city.unit_ids["D2"]},
                            headers=city.headers("handler_s1"))
    assert other.status_code == 403
    bad = city.client.get("/api/v1/stats/kpi", params={"period": "2026-13"},
                          headers=city.headers("analyst"))
    assert bad.status_code == 422 and "统计周期" in bad.json()["error"]["message"]
    assert city.client.get("/api/v1/stats/kpi", params={"period": "2026-03"}).status_code == 401


def _accountability_export(city: City) -> None:
    h = city.headers("supervisor")
    r = city.client.get("/api/v1/stats/accountability", params={"period": "2026-03"}, headers=h)
    assert r.status_code == 200 and len(r.json()["items"]) == 4
    csv_ = city.client.get("/api/v1/stats/accountability.csv", params={"period": "2026-03"},
                           headers=h)
    assert csv_.status_code == 200 and "红牌督办" in csv_.text
    xlsx = city.client.get("/api/v1/stats/accountability.xlsx", params={"period": "2026-03"},
                           headers=h)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # the exports' times are the city's, as the pages show them, not the API's UTC
    tz = ZoneInfo("Asia/Shanghai")
    first = r.json()["items"][0]
    local = datetime.fromisoformat(first["at"]).astimezone(tz).replace(tzinfo=None, second=0,
                                                                       microsecond=0)
    rows = list(csv.reader(io.StringIO(csv_.text.lstrip("\ufeff"))))
    assert rows[0][4] == "时间" and rows[1][1] == first["code"]
    assert rows[1][4] == local.strftime("%Y-%m-%d %H:%M")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["E2"].value == local and sheet["E2"].number_format == "yyyy-mm-dd hh:mm"


def _periods(scenario: Scenario) -> None:
    day = _rows(scenario.rt, "2026-03-11")["D1S1"]  # a1 closed on 11 March
    assert day.counts.closed == 1
    week = _rows(scenario.rt, "2026-W11")["D1S1"]  # 9–15 March: a1, a2, a3 closed
    assert week.counts.closed == 3
    custom = _rows(scenario.rt, "2026-03-01..2026-03-15")["D1S1"]
    assert custom.counts.closed == 3 and custom.counts.dispatched == 5
