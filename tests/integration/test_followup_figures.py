"""How many of the 未联系上 had no phone at all (无联系电话): read from the follow-up event's
`no_phone`, not from the phone column (erasure blanks it later), a part of `unreachable` in the
KPI API, on 本单位考核 and in the 通报 (page and XLSX), the 三率 unchanged; on SQLite and
PostgreSQL.

The month is March 2026 of the KPI scenario (tests/integration/test_kpi_scenarios.py); four
appeals of 西城区's street D2S1 (which had no follow-ups there) are added here.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.kpi import parse_period
from jiesu.runtime import Runtime
from jiesu.services.appeals import NewAppeal
from jiesu.services.reporting import ReportingService
from jiesu.store.tables import AppealRow
from jiesu.web.report_pages import render_monthly
from tests.integration.test_kpi_scenarios import NOW, PHONE, Scenario, build, t
from tests.support.city import City, page_login


def _new(s: Scenario, name: str, at: datetime, phone: str | None) -> None:
    op = Actor(role=Role.OPERATOR, user_id=s.users["operator"])
    reg = s.rt.appeals.register(op, NewAppeal(
        kind="complaint", channel="web", content=f"诉求 {name}", requester_phone=phone), at)
    s.ids[name] = reg.appeal_id
    s.dispatch(name, "D2S1", at)
    handler = s.actor("handler_d2", Role.HANDLER, "D2")
    s.act(handler, name, "sign", at)


def _reply(s: Scenario, name: str, at: datetime) -> None:
    s.act(s.actor("handler_d2", Role.HANDLER, "D2"), name, "reply", at, text="已处理",
          claim="solved")


def _set_phone(s: Scenario, phone: str | None, *names: str) -> None:
    with s.rt.db.uow() as uow:
        uow.session.execute(update(AppealRow).where(
            AppealRow.id.in_([s.ids[n] for n in names])).values(requester_phone=phone))
        uow.commit()


@pytest.fixture
def scenario(runtime: Runtime, city: City) -> Scenario:
    s = build(runtime, city)
    # b1: nobody to call, one record closes it (无联系电话)
    _new(s, "b1", t(3, 2), None)
    _reply(s, "b1", t(3, 12))
    s.follow("b1", t(3, 13), reached=False)
    # b2: three calls reached nobody
    _new(s, "b2", t(3, 2), PHONE)
    _reply(s, "b2", t(3, 12))
    for hour in (9, 12, 15):
        s.follow("b2", t(3, 13, hour), reached=False)
    # b3: closed without a phone, reopened, a number found, then three calls reached nobody:
    # its closing follow-up is the calls', not the earlier round's 无联系电话
    _new(s, "b3", t(3, 2), None)
    _reply(s, "b3", t(3, 5))
    s.follow("b3", t(3, 6), reached=False)
    s.act(s.actor("dispatcher", Role.DISPATCHER), "b3", "reopen", t(3, 9), reason="找到联系方式")
    _set_phone(s, PHONE, "b3")
    _reply(s, "b3", t(3, 12))
    for hour in (9, 12, 15):
        s.follow("b3", t(3, 13, hour), reached=False)
    # b4: no phone, reached another way
    _new(s, "b4", t(3, 2), None)
    _reply(s, "b4", t(3, 12))
    s.follow("b4", t(3, 13))
    # personal-data erasure blanks every phone later: the figures must not change
    _set_phone(s, None, "b2", "b3")
    return s


def test_the_no_phone_part_of_unreachable_is_counted_from_the_events(
        scenario: Scenario) -> None:
    svc = ReportingService(scenario.rt.db, scenario.rt.rules, scenario.rt.settings)
    rows = {r.code: r for r in svc.kpi(parse_period("2026-03"), NOW).rows}
    c = rows["D2S1"].counts
    assert (c.closed, c.followed_up, c.unreachable, c.unreachable_no_phone, c.reached) == (
        4, 4, 3, 1, 1)
    # a part of 未联系上, no rate of its own; the 三率 as before
    r = rows["D2S1"].rates
    assert r.unreachable_rate == pytest.approx(3 / 4)
    assert (r.resolution_rate, r.satisfaction_rate) == (1.0, 1.0)
    assert not hasattr(r, "unreachable_no_phone_rate")
    assert rows["D2"].counts.unreachable_no_phone == 1  # rolled up
    assert rows["C"].counts.unreachable_no_phone == 1
    assert rows["D1S1"].counts.unreachable_no_phone == 0  # a3: three calls
    behind = svc.appeals_behind(parse_period("2026-03"), scenario.city.unit_ids["D2S1"],
                                "unreachable_no_phone", NOW)
    assert [i for i, _ in behind] == [scenario.ids["b1"]]


def test_the_api_the_unit_page_and_the_report_say_how_many_had_no_phone(
        scenario: Scenario, city: City, client: TestClient) -> None:
    body = city.client.get("/api/v1/stats/kpi?period=2026-03",
                           headers=city.headers("analyst")).json()
    row = next(r for r in body["rows"] if r["unit_code"] == "D2S1")
    assert (row["counts"]["unreachable"], row["counts"]["unreachable_no_phone"]) == (3, 1)
    assert row["unreachable_rate"] == 0.75
    link = row["links"]["unreachable_no_phone"]
    listed = city.client.get(link, headers=city.headers("analyst")).json()
    assert [a["id"] for a in listed["appeals"]] == [scenario.ids["b1"]]

    page_login(client, "handler_d2")
    html = client.get("/staff/unit-kpi?period=2026-03").text
    # in 未联系上's own item, so that it never reads as a figure of its own
    assert ('<div data-count="unreachable"><dt>未联系上</dt><dd>3 <small class="muted" '
            'data-count="unreachable_no_phone">（其中无联系电话 1）</small></dd></div>') in html
    english = client.get("/staff/unit-kpi?period=2026-03&lang=en").text
    assert "<dt>Not reached</dt><dd>3 <small class=\"muted\" " \
           "data-count=\"unreachable_no_phone\">(no phone: 1)</small>" in english

    summary = render_monthly(scenario.rt, "2026-03", NOW)
    cells = re.findall(r"<tr><th scope=\"row\">([^<]+)</th><td>([^<]*)</td></tr>", summary)
    labels = [label for label, _ in cells]
    assert labels.index("其中无联系电话") == labels.index("未联系上") + 1
    assert dict(cells)["其中无联系电话"] == "1"
    assert "of which: no phone" in render_monthly(scenario.rt, "2026-03", NOW, "en")

    svc = ReportingService(scenario.rt.db, scenario.rt.rules, scenario.rt.settings)
    wb = load_workbook(io.BytesIO(svc.monthly_xlsx(svc.monthly(parse_period("2026-03"), NOW))))
    summary_rows = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert summary_rows["其中无联系电话"] == 1
    details = list(wb["单位明细"].iter_rows(values_only=True))
    header = list(details[0])
    col = header.index("其中无联系电话")
    assert header[col - 1] == "未联系上"
    d2s1 = next(r for r in details if r[0] == "D2S1")
    assert (d2s1[col - 1], d2s1[col]) == (3, 1)
