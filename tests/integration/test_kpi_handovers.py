"""KPI figures of appeals that change hands or come back (docs/kpi.md), computed by hand and
compared with every place that shows them, on SQLite and PostgreSQL.

The same city and calendar as test_kpi_scenarios: March 2026 has no holidays; a complaint
dispatched on Monday 2 March at 10:00 is due to be signed by Tuesday 3 March 23:59:59 and
handled by Monday 23 March.
"""

from __future__ import annotations

from typing import Any

from jiesu.domain.appeal import Role
from jiesu.domain.kpi import parse_period
from jiesu.runtime import Runtime
from jiesu.services.reporting import ReportingService
from tests.integration.test_kpi_scenarios import NOW, Scenario, t
from tests.support.city import City


def _scenario(rt: Runtime, city: City) -> Scenario:
    from sqlalchemy import select

    from jiesu.store.tables import UserRow

    s = Scenario(rt, city)
    with rt.db.uow(write=False) as uow:
        s.users = {u.username: u.id for u in uow.session.scalars(select(UserRow))}
    return s


def _march(rt: Runtime) -> dict[str, Any]:
    report = ReportingService(rt.db, rt.rules, rt.settings).kpi(parse_period("2026-03"), NOW)
    return {r.code: r for r in report.rows}


def _behind(rt: Runtime, city: City, unit: str, measure: str) -> set[int]:
    svc = ReportingService(rt.db, rt.rules, rt.settings)
    return {i for i, _ in svc.appeals_behind(parse_period("2026-03"), city.unit_ids[unit],
                                              measure, NOW)}


def test_a_contact_by_the_unit_that_returned_it_is_not_the_next_units_response(
        runtime: Runtime, city: City) -> None:
    """响应率 is the unit's first contact within its sign limit. D2 signs, calls the requester
    and returns the appeal (退单); the dispatcher sends it to W, which never signs nor calls:
    W did not respond, whatever D2 did before W had it."""
    s = _scenario(runtime, city)
    d2 = s.actor("handler_d2", Role.HANDLER, "D2")
    w = s.actor(None, Role.HANDLER, "W")
    s.new("x", "D2", t(3, 2))
    s.act(d2, "x", "sign", t(3, 2, 11))
    s.act(d2, "x", "contact", t(3, 2, 14))
    s.act(d2, "x", "request_return", t(3, 2, 15), reason="不属于本单位职责")
    s.act(s.actor("dispatcher", Role.DISPATCHER), "x", "approve_return", t(3, 3, 9))
    s.dispatch("x", "W", t(3, 3, 10))  # W's sign deadline: Wednesday 4 March 23:59
    # and a second one that W takes in time: signed and called on 4 March
    s.new("y", "D2", t(3, 2))
    s.act(d2, "y", "sign", t(3, 2, 11))
    s.act(d2, "y", "contact", t(3, 2, 14))
    s.act(d2, "y", "request_return", t(3, 2, 15), reason="不属于本单位职责")
    s.act(s.actor("dispatcher", Role.DISPATCHER), "y", "approve_return", t(3, 3, 9))
    s.dispatch("y", "W", t(3, 3, 10))
    s.act(w, "y", "sign", t(3, 4, 9))
    s.act(w, "y", "contact", t(3, 4, 10))

    rows = _march(runtime)
    wc = rows["W"].counts
    assert (wc.response_due, wc.responded_on_time) == (2, 1)
    assert rows["W"].rates.response_rate == 0.5
    assert _behind(runtime, city, "W", "late_response") == {s.ids["x"]}
    assert _behind(runtime, city, "W", "responded_on_time") == {s.ids["y"]}
    # the appeal's own record says who called: W's call is y's first contact now
    got = city.client.get(f"/api/v1/appeals/{s.ids['y']}", headers=city.headers("analyst"))
    assert got.status_code == 200, got.text
    assert got.json()["first_contact_at"].startswith("2026-03-04T02:00")  # 10:00 Beijing
    x = city.client.get(f"/api/v1/appeals/{s.ids['x']}", headers=city.headers("analyst"))
    assert x.json()["first_contact_at"] is None


def test_a_reply_sent_back_by_review_is_not_an_on_time_completion(
        runtime: Runtime, city: City) -> None:
    """按时办结 is a reply by the handling deadline. A reply the dispatcher's review sent back
    (退回, the appeal is back in 办理中) is not one: an appeal still unreplied after its deadline
    is 超期 in the KPI, its drill-down and the accountability list (责任追究, 通报's 超期清单)
    alike, as it is on the dashboard's 超期 count."""
    s = _scenario(runtime, city)
    d2 = s.actor("handler_d2", Role.HANDLER, "D2")
    dispatcher = s.actor("dispatcher", Role.DISPATCHER)
    for name in ("z", "v"):
        s.new(name, "D2", t(3, 2))
        s.act(d2, name, "sign", t(3, 2, 11))
        s.act(d2, name, "contact", t(3, 2, 14))
        s.act(d2, name, "reply", t(3, 10), text="已处理", claim="solved")
        s.act(dispatcher, name, "send_back", t(3, 11), note="答复与现场不符")
    # v is replied again in time; z is never replied again (its deadline was 23 March)
    s.act(d2, "v", "reply", t(3, 16), text="已重新处理", claim="solved")

    rows = _march(runtime)
    c = rows["D2"].counts
    assert (c.handle_due, c.completed_on_time, c.overdue) == (2, 1, 1)
    assert rows["D2"].rates.on_time_rate == 0.5
    assert _behind(runtime, city, "D2", "overdue") == {s.ids["z"]}
    assert _behind(runtime, city, "D2", "completed_on_time") == {s.ids["v"]}
    acc = ReportingService(runtime.db, runtime.rules, runtime.settings).accountability(
        parse_period("2026-03"), NOW)
    overdue = [e for e in acc.items if e.kind == "overdue"]
    assert [(e.appeal_id, e.detail) for e in overdue] == [(s.ids["z"], "超期未答复")]


def test_a_red_card_counts_against_the_unit_that_had_the_appeal_then(
        runtime: Runtime, city: City) -> None:
    """督办 and 红牌 are against the unit the appeal was with when it was supervised. D2 lets
    r's sign deadline pass, gets a red card and then returns r (within its return window);
    W, which gets r afterwards and signs it at once, did not earn that red card. A 督办 of
    an appeal waiting in the dispatchers' queue (no unit yet) is against no unit."""
    s = _scenario(runtime, city)
    d2 = s.actor("handler_d2", Role.HANDLER, "D2")
    w = s.actor(None, Role.HANDLER, "W")
    dispatcher = s.actor("dispatcher", Role.DISPATCHER)
    supervisor = s.actor("supervisor", Role.SUPERVISOR)
    s.new("r", "D2", t(3, 2))  # sign due Tuesday 3 March 23:59; return window to 4 March
    s.act(supervisor, "r", "supervise", t(3, 4, 9), level="red", note="超期未签收")
    s.act(d2, "r", "request_return", t(3, 4, 10), reason="不属于本单位职责")
    s.act(dispatcher, "r", "approve_return", t(3, 4, 11))
    s.dispatch("r", "W", t(3, 4, 12))
    s.act(w, "r", "sign", t(3, 4, 13))
    # q: supervised while still waiting to be dispatched, then sent to W
    op = s.actor("operator", Role.OPERATOR)
    from jiesu.services.appeals import NewAppeal

    q = runtime.appeals.register(op, NewAppeal(kind="complaint", content="诉求 q",
                                               requester_phone="13812345678"), t(3, 2))
    s.ids["q"] = q.appeal_id
    s.act(supervisor, "q", "supervise", t(3, 2, 12), level="red", note="派单太慢")
    s.dispatch("q", "W", t(3, 3, 10))
    s.act(w, "q", "sign", t(3, 3, 11))

    rows = _march(runtime)
    assert (rows["D2"].counts.supervised, rows["D2"].counts.red_cards) == (1, 1)
    assert (rows["W"].counts.supervised, rows["W"].counts.red_cards) == (0, 0)
    assert (rows["C"].counts.supervised, rows["C"].counts.red_cards) == (1, 1)
    assert _behind(runtime, city, "D2", "red_cards") == {s.ids["r"]}
    assert _behind(runtime, city, "W", "supervised") == set()
    svc = ReportingService(runtime.db, runtime.rules, runtime.settings)
    acc = svc.accountability(parse_period("2026-03"), NOW)
    red = [(e.appeal_id, e.unit_name, e.handler_name) for e in acc.items if e.kind == "red_card"]
    # nobody of D2 signed r (W's signer came after); q's is listed against no unit
    assert sorted(red) == sorted([(s.ids["r"], "西城区", ""), (s.ids["q"], "", "")])
    assert acc.by_unit.get("市水务局", {}).get("red_card") is None
    mine = svc.accountability(parse_period("2026-03"), NOW, unit_id=city.unit_ids["W"])
    assert [e for e in mine.items if e.kind == "red_card"] == []
    summary = dict(svc.monthly(parse_period("2026-03"), NOW).summary)
    assert summary["红牌督办"] == 1


def test_the_systems_supervision_of_a_late_sign_stays_with_the_unit_that_returned_it(
        runtime: Runtime, city: City) -> None:
    """The same with the 督办 the deadline sweeper records on a red 签收 deadline (its event
    names the clock, not the status it found)."""
    from jiesu.jobs.sweeper import sweep_deadlines

    s = _scenario(runtime, city)
    d2 = s.actor("handler_d2", Role.HANDLER, "D2")
    s.new("r", "D2", t(3, 2))  # sign due Tuesday 3 March 23:59
    assert sweep_deadlines(runtime, t(3, 4, 8)).supervised == 1
    s.act(d2, "r", "request_return", t(3, 4, 10), reason="不属于本单位职责")
    s.act(s.actor("dispatcher", Role.DISPATCHER), "r", "approve_return", t(3, 4, 11))
    s.dispatch("r", "W", t(3, 4, 12))
    s.act(s.actor(None, Role.HANDLER, "W"), "r", "sign", t(3, 4, 13))

    rows = _march(runtime)  # the automatic 督办 is a yellow card unless configured
    assert (rows["D2"].counts.supervised, rows["D2"].counts.red_cards) == (1, 0)
    assert (rows["W"].counts.supervised, rows["W"].counts.red_cards) == (0, 0)
    assert _behind(runtime, city, "D2", "supervised") == {s.ids["r"]}
