"""The admin page's API-key and settings tabs (SQLite and PostgreSQL): keys are created and
revoked from the page (the key shown once, then only its prefix), and the run-time rule settings
are edited there — a bad value changes nothing."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from jiesu.store.tables import SlaPolicyRow
from tests.integration.test_web_admin_intake import login_admin
from tests.support.city import City


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _open311_status(c: TestClient, key: str) -> int:
    r = c.post("/open311/v2/requests.json",
               data={"api_key": key, "service_code": "x", "description": "测试"})
    return r.status_code


def test_admin_creates_and_revokes_an_api_key(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=apikeys").text
    assert "还没有 API 密钥" in page
    for field_id in re.findall(r'<input id="(k-[^"]+)"', page):
        assert f'<label for="{field_id}">' in page, field_id
    # without the CSRF token nothing is created
    assert c.post("/staff/admin/apikeys", data={"name": "区网格平台"}).status_code == 403
    r = c.post("/staff/admin/apikeys", data={"name": "区网格平台", "rate_per_minute": "120",
                                             "csrf_token": _token(page)})
    assert r.status_code == 200
    key = re.search(r'id="k-new" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    assert key.startswith("jsk_")
    listing = c.get("/staff/admin?tab=apikeys").text
    assert key not in listing and key[:10] in listing and "区网格平台" in listing
    assert "从未使用" in listing
    # the key works for Open311 (a wrong service code is a 400, not a 403) …
    assert _open311_status(c, key) != 403
    # … a second key for the same client is refused with a message
    again = c.post("/staff/admin/apikeys", data={"name": "区网格平台",
                                                 "csrf_token": _token(listing)},
                   follow_redirects=True)
    assert "已有 API 密钥" in again.text
    key_id = re.search(r'/staff/admin/apikeys/(\d+)/revoke', listing).group(1)  # type: ignore[union-attr]
    r = c.post(f"/staff/admin/apikeys/{key_id}/revoke", data={"csrf_token": _token(listing)},
               follow_redirects=True)
    assert "已吊销“区网格平台”的 API 密钥" in r.text and "已吊销" in r.text
    assert _open311_status(c, key) == 403


def test_admin_edits_rule_settings_and_a_bad_value_changes_nothing(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=settings").text
    assert 'id="r-max_extension_days" name="max_extension_days" type="number" value="10"' in page
    form = {"reopen_window_days": "20", "max_extension_days": "5", "max_extensions": "2",
            "followup_max_attempts": "4", "auto_supervision_level": "red",
            "csrf_token": _token(page)}
    r = c.post("/staff/admin/settings", data=form, follow_redirects=True)
    assert "设置已保存" in r.text
    rules = city.runtime.rules.get()
    assert (rules.reopen_window_days, rules.max_extension_days, rules.max_extensions,
            rules.followup_max_attempts, str(rules.auto_supervision_level)) == (
        20, 5, 2, 4, "red")
    assert 'name="max_extension_days" type="number" value="5"' in r.text
    # an extension longer than the new limit is refused
    a = city.register()
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "request_extension", expect=422, days=6, reason="需协调")
    # a bad value: a message, and nothing saved (not even the good values beside it)
    bad = dict(form, max_extension_days="abc", reopen_window_days="30",
               csrf_token=_token(r.text))
    r = c.post("/staff/admin/settings", data=bad, follow_redirects=True)
    assert "单次延期最多天数须为整数" in r.text
    assert city.runtime.rules.get().reopen_window_days == 20
    bad = dict(form, max_extensions="99", csrf_token=_token(r.text))
    r = c.post("/staff/admin/settings", data=bad, follow_redirects=True)
    assert "最多延期次数须在 0–10 之间" in r.text
    assert city.runtime.rules.get().max_extensions == 2
    # without the CSRF token nothing is saved
    assert c.post("/staff/admin/settings", data={"max_extensions": "0"}).status_code == 403
    assert "Handling rules" in c.get("/staff/admin?tab=settings&lang=en").text


def test_a_refused_setting_shows_the_tab_at_once_with_what_was_typed(city: City) -> None:
    """A refusal is the settings tab itself (400, no redirect): the reason above the form,
    the field it names marked and focused, every value as typed, and no flash left over."""
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=settings").text
    r = c.post("/staff/admin/settings", data={
        "max_extension_days": "abc", "reopen_window_days": "30", "csrf_token": _token(page)})
    assert r.status_code == 400 and "location" not in r.headers
    assert "单次延期最多天数须为整数" in r.text
    assert re.search(r'name="max_extension_days" type="number" value="abc" required '
                     r'aria-invalid="true" aria-describedby="r-error" autofocus', r.text)
    assert 'name="reopen_window_days" type="number" value="30" required>' in r.text
    assert city.runtime.rules.get().reopen_window_days != 30
    assert "单次延期最多天数须为整数" not in c.get("/staff/admin?tab=settings").text


def test_a_time_limit_deadlines_cannot_use_is_refused_and_changes_nothing(city: City) -> None:
    """Every deadline computation reads the time-limit policies: a fractional number of working
    days, NaN or a limit of centuries was stored once, and then no appeal could be registered."""
    admin = city.headers("admin")
    policies = city.client.get("/api/v1/admin/sla-policies", headers=admin).json()
    bad = [({"amount": 1.5, "unit": "workday"}, "工作日时长须为整数"),
           ({"amount": 5e-324, "unit": "workday"}, "工作日时长须为整数"),
           ({"amount": 251, "unit": "workday"}, "时长不能超过 250 个工作日"),
           ({"amount": 1e9, "unit": "hour"}, "时长不能超过 8760 小时")]
    for body, message in bad:
        r = city.client.post("/api/v1/admin/sla-policies", headers=admin,
                             json={"clock": "handle", **body})
        assert r.status_code == 422 and r.json()["error"]["message"] == message, r.text
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=sla").text
    for amount, message in (("nan", "时长须大于 0"), ("inf", "时长须大于 0"),
                            ("-1", "时长须大于 0"), ("两天", "时长须为数字")):
        r = c.post("/staff/admin/sla", data={"clock": "sign", "amount": amount,
                                             "limit_unit": "hour", "csrf_token": _token(page)},
                   follow_redirects=True)
        assert message in r.text, amount
        page = r.text
    page = c.get("/staff/admin?tab=sla&lang=en").text  # sets the language cookie
    r = c.post("/staff/admin/sla", data={"clock": "sign", "amount": "0.5",
                                         "limit_unit": "workday", "csrf_token": _token(page)},
               follow_redirects=True)
    assert "A limit in working days must be a whole number" in r.text
    assert city.client.get("/api/v1/admin/sla-policies", headers=admin).json() == policies
    city.register()  # deadlines still compute
    r = city.client.post("/api/v1/admin/sla-policies", headers=admin,
                         json={"clock": "handle", "amount": 3, "unit": "workday"})
    assert r.status_code == 201


def test_a_bad_time_limit_stored_earlier_is_ignored_not_fatal(city: City,
                                                              caplog: pytest.LogCaptureFixture,
                                                              ) -> None:
    """A database may hold such a policy from before the check: registration still works."""
    with city.runtime.db.uow() as uow:
        uow.session.add(SlaPolicyRow(clock="handle", amount=1.5, limit_unit="workday"))
        uow.commit()
    city.runtime.rules.invalidate()
    with caplog.at_level(logging.ERROR, logger="jiesu.services.rules"):
        city.register()
    assert "time-limit policy" in caplog.text


def test_enterprise_appeals_can_have_their_own_shorter_limits(city: City) -> None:
    """An administrator gives 涉企诉求 a 2-hour sign limit; residents keep 1 working day."""
    admin = city.headers("admin")
    r = city.client.post("/api/v1/admin/sla-policies", headers=admin,
                         json={"clock": "sign", "amount": 2, "unit": "hour",
                               "requester": "enterprise"})
    assert r.status_code == 201 and r.json()["requester"] == "enterprise", r.text
    listed = city.client.get("/api/v1/admin/sla-policies", headers=admin).json()
    assert any(p.get("requester") == "enterprise" and p["source"] == "custom" for p in listed)
    r = city.client.post("/api/v1/admin/sla-policies", headers=admin,
                         json={"clock": "sign", "amount": 2, "unit": "hour",
                               "requester": "company"})
    assert r.status_code == 422
    firm = city.register(requester_type="enterprise", enterprise_code="91330100799655058B")
    person = city.register()
    # a credit code alone (the API's requester_type defaults to resident) is a 涉企诉求 too
    coded = city.register(enterprise_code="91330100799655058B")
    due = {}
    for name, appeal in (("firm", firm), ("person", person), ("coded", coded)):
        d = city.act("dispatcher", appeal["id"], "dispatch", unit_code="D1")
        due[name] = (datetime.fromisoformat(d["deadlines"]["sign"])
                     - datetime.fromisoformat(d["dispatched_at"]))
    assert due["firm"] == due["coded"] == timedelta(hours=2)
    assert due["person"] > timedelta(hours=12)  # 1 working day, counted from the next one
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=sla").text
    assert "企业（涉企诉求）" in page
    r = c.post("/staff/admin/sla", data={"clock": "handle", "amount": "10",
                                         "limit_unit": "workday", "kind": "complaint",
                                         "requester": "enterprise", "csrf_token": _token(page)},
               follow_redirects=True)
    assert r.status_code == 200
    stored = city.client.get("/api/v1/admin/sla-policies", headers=admin).json()
    assert any(p.get("requester") == "enterprise" and p["clock"] == "handle" and p["amount"] == 10
               for p in stored)


def test_an_administrator_sets_a_units_duty_phone_on_the_units_page(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=units").text
    typed = "０１０ 8888 6666"  # full-width digits and spaces, as an input method may give
    r = c.post("/staff/admin/units/contact",
               data={"code": "D2", "contact_phone": typed, "csrf_token": _token(page)},
               follow_redirects=True)
    assert "☎ 01088886666" in r.text
    r = c.post("/staff/admin/units/contact", data={"code": "D2", "contact_phone": "值班室",
                                                   "csrf_token": _token(r.text)},
               follow_redirects=True)
    assert "值班电话应为 7–20 位数字" in r.text and "☎ 01088886666" in r.text
    r = c.get("/staff/admin?tab=units&lang=en").text
    assert "Duty phone" in r


def _value(page: str, field_id: str) -> str:
    tag = re.search(rf'<input id="{field_id}"[^>]*>', page)
    assert tag, field_id
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def _selected(page: str, select_id: str) -> str:
    select = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert select, select_id
    chosen = re.search(r'<option value="([^"]*)" selected', select.group(0))
    return chosen.group(1) if chosen else ""


def test_a_refused_admin_form_keeps_what_was_typed(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=units").text
    r = c.post("/staff/admin/units", follow_redirects=True, data={
        "csrf_token": _token(page), "code": "N1", "name": "新区水务局", "parent_code": "NOPE",
        "group": "district", "contact_phone": "010-12345678"})
    assert r.status_code == 200 and "flash-error" in r.text
    assert [_value(r.text, f) for f in ("u-code", "u-name", "u-parent", "u-phone")] == [
        "N1", "新区水务局", "NOPE", "010-12345678"]
    assert _selected(r.text, "u-group") == "district"
    # once: the next visit has empty forms again
    assert _value(c.get("/staff/admin?tab=units").text, "u-name") == ""
    r = c.post("/staff/admin/units/population", follow_redirects=True, data={
        "csrf_token": _token(page), "code": "D1", "households": "12,000", "population": "很多"})
    assert "flash-error" in r.text and _value(r.text, "p-population") == "很多"
    assert _value(r.text, "p-households") == "12,000"

    r = c.post("/staff/admin/sla", follow_redirects=True, data={
        "csrf_token": _token(page), "clock": "handle", "amount": "两天",
        "limit_unit": "workday", "kind": "help", "urgency": "urgent", "category": "01.01",
        "unit_code": "D1", "requester": "enterprise"})
    assert "时长须为数字" in r.text
    assert _value(r.text, "s-amount") == "两天" and _value(r.text, "s-category") == "01.01"
    assert _value(r.text, "s-unitcode") == "D1"
    assert [_selected(r.text, s) for s in ("s-clock", "s-unit", "s-kind", "s-urgency",
                                           "s-requester")] == [
        "handle", "workday", "help", "urgent", "enterprise"]
    # a value too long for the session cookie is not kept (the rest is)
    r = c.post("/staff/admin/units", follow_redirects=True, data={
        "csrf_token": _token(page), "code": "N2", "name": "长" * 300, "parent_code": "NOPE"})
    assert "flash-error" in r.text and _value(r.text, "u-name") == ""
    assert _value(r.text, "u-code") == "N2"


def test_admin_messages_say_what_was_done(city: City) -> None:
    """Not only 操作成功: the unit or user added, the rule saved or deleted; a typed name with
    braces is shown as typed (the message is a format string underneath)."""
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=units").text
    r = c.post("/staff/admin/units", data={"csrf_token": _token(page), "code": "N9",
                                           "name": "新区{测试}中心", "parent_code": "C",
                                           "group": "department"})
    assert r.status_code == 200 and "已添加单位：新区{测试}中心" in r.text
    r = c.post("/staff/admin/users", data={"csrf_token": _token(page), "username": "zhao",
                                           "password": "secret-123", "role": "analyst"})
    assert "已添加用户：zhao" in r.text
    r = c.post("/staff/admin/sla", data={"csrf_token": _token(page), "clock": "handle",
                                         "amount": "3", "limit_unit": "workday",
                                         "kind": "help"})
    assert "已新增时限规则：办理·求助 3 个工作日" in r.text
    r = c.get("/staff/admin?tab=units&lang=en")
    r = c.post("/staff/admin/units/contact", data={"csrf_token": _token(r.text), "code": "N9",
                                                   "contact_phone": "01066001234"})
    assert "Duty phone saved" in r.text and "操作成功" not in r.text
