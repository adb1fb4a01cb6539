"""Saving a time-limit rule (时限规则) on the admin page says what it did (SQLite and
PostgreSQL): a new rule 已新增, one over a rule of the same scope names the rule it replaced and
its old length, the same length again changes nothing; the configuration log holds the before."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from jiesu.store.config_tables import ConfigEventRow as ConfigChangeRow
from jiesu.store.tables import SlaPolicyRow
from tests.integration.test_web_admin_intake import login_admin
from tests.support.city import City


def _flash(page: str) -> str:
    found = re.search(r'class="flash flash-(?:ok|error)[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def test_saving_over_a_rule_says_it_replaced_it_and_what_it_was(city: City) -> None:
    c = city.client
    token = login_admin(c)
    rule = {"csrf_token": token, "clock": "handle", "kind": "complaint", "urgency": "normal",
            "amount": "15", "limit_unit": "workday"}
    page = c.post("/staff/admin/sla", data=rule, follow_redirects=True).text
    assert _flash(page) == "已新增时限规则：办理·投诉·一般 15 个工作日"

    page = c.post("/staff/admin/sla", data={**rule, "amount": "10"}, follow_redirects=True).text
    assert _flash(page) == "已替换原规则：办理·投诉·一般 15 个工作日 → 10 个工作日"
    with city.runtime.db.uow(write=False) as uow:
        rows = uow.session.scalars(select(SlaPolicyRow)).all()
        assert [(r.kind, r.amount) for r in rows] == [("complaint", 10)]
        entries = uow.session.scalars(select(ConfigChangeRow).where(
            ConfigChangeRow.area == "deadlines").order_by(ConfigChangeRow.id)).all()
        assert [e.details.get("before") for e in entries] == [
            None, {"amount": 15, "limit_unit": "workday"}]

    # the same length again: said so, and nothing recorded
    page = c.post("/staff/admin/sla", data={**rule, "amount": "10"}, follow_redirects=True).text
    assert _flash(page) == "时限规则未变：办理·投诉·一般 10 个工作日"
    # another scope (a unit's and enterprises' own, in hours) is a new rule, named in full
    page = c.post("/staff/admin/sla", follow_redirects=True, data={
        **rule, "unit_code": "D1", "requester": "enterprise", "amount": "48",
        "limit_unit": "hour"}).text
    assert _flash(page) == "已新增时限规则：办理·投诉·一般·东城区·涉企诉求 48 小时"
    with city.runtime.db.uow(write=False) as uow:
        assert uow.session.query(ConfigChangeRow).filter(
            ConfigChangeRow.area == "deadlines").count() == 3

    c.get("/staff/admin?tab=sla&lang=en")  # the language is remembered
    english = c.post("/staff/admin/sla", data={**rule, "amount": "5"},
                     follow_redirects=True).text
    assert _flash(english) == ("Replaced the existing rule: Handle · Complaint · Normal "
                               "10 working days → 5 working days")
    c.get("/staff/admin?lang=zh")


def test_the_extension_is_no_time_limit_rule_it_is_the_setting(city: City) -> None:
    """延期 is bounded by the setting 单次延期最多天数 alone: the 时限规则 form does not offer a
    延期 clock, refuses one posted anyway saying where the bound is set, and the API too; a
    延期 rule stored before is still listed (marked as not in effect) and can be deleted."""
    c = city.client
    token = login_admin(c)
    form = c.get("/staff/admin?tab=sla").text
    clocks = re.findall(r'<option value="([a-z_]+)"', re.search(
        r'<select id="s-clock".*?</select>', form, re.S).group(0))
    assert "handle" in clocks and "extension" not in clocks
    page = c.post("/staff/admin/sla", follow_redirects=True, data={
        "csrf_token": token, "clock": "extension", "amount": "20", "limit_unit": "workday"}).text
    assert "单次延期最多天数" in _flash(page)
    r = c.post("/api/v1/admin/sla-policies", headers=city.headers("admin"),
               json={"clock": "extension", "amount": 20, "unit": "workday"})
    assert r.status_code == 422
    with city.runtime.db.uow() as uow:
        assert uow.session.scalars(select(SlaPolicyRow)).all() == []
        uow.session.add(SlaPolicyRow(clock="extension", amount=20, limit_unit="workday"))
        uow.commit()
    listed = c.get("/staff/admin?tab=sla").text
    assert "data-no-effect" in listed and "单次延期最多天数" in listed
    api = c.get("/api/v1/admin/sla-policies", headers=city.headers("admin")).json()
    assert [(p["amount"], "单次延期最多天数" in p["no_effect"]) for p in api
            if p["clock"] == "extension"] == [(20, True)]


def test_a_rectification_rule_has_no_scope(city: City) -> None:
    """整改 is one limit for every rectification: a rule naming a type, urgency, category, unit
    or requester type would never be read (a rating may be of a service item, and the sweeper
    watches every open rectification by the one limit). The form and the API refuse one saying
    so, a rule of no scope is saved, and a scoped one stored before is listed as not in effect."""
    c = city.client
    token = login_admin(c)
    scoped = [{"kind": "complaint"}, {"urgency": "urgent"}, {"unit_code": "D1"},
              {"requester": "enterprise"}]
    for scope in scoped:
        page = c.post("/staff/admin/sla", follow_redirects=True, data={
            "csrf_token": token, "clock": "rectification", "amount": "10",
            "limit_unit": "workday", **scope}).text
        assert "整改时限适用于全部整改" in _flash(page), scope
        r = c.post("/api/v1/admin/sla-policies", headers=city.headers("admin"),
                   json={"clock": "rectification", "amount": 10, "unit": "workday", **scope})
        assert r.status_code == 422 and "整改时限适用于全部整改" in r.text, scope
    with city.runtime.db.uow() as uow:
        assert uow.session.scalars(select(SlaPolicyRow)).all() == []
    page = c.post("/staff/admin/sla", follow_redirects=True, data={
        "csrf_token": token, "clock": "rectification", "amount": "10",
        "limit_unit": "workday"}).text
    assert _flash(page) == "已新增时限规则：差评整改·全部诉求 10 个工作日"
    listed = c.get("/staff/admin?tab=sla").text
    assert "data-no-effect" not in listed
    with city.runtime.db.uow() as uow:
        uow.session.add(SlaPolicyRow(clock="rectification", kind="complaint", amount=5,
                                     limit_unit="workday"))
        uow.commit()
    listed = c.get("/staff/admin?tab=sla").text
    assert listed.count("data-no-effect") == 1 and "整改时限适用于全部整改" in listed
    english = c.get("/staff/admin?tab=sla&lang=en").text
    assert "applies to every rectification" in english
    api = c.get("/api/v1/admin/sla-policies", headers=city.headers("admin")).json()
    assert [(p["kind"], p["amount"], bool(p["no_effect"])) for p in api
            if p["clock"] == "rectification" and p["source"] == "custom"] == [
        (None, 10, False), ("complaint", 5, True)]
    c.get("/staff/admin?lang=zh")
