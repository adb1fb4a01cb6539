"""回访重拨间隔 (`followup_retry_minutes`) is a handling rule an administrator changes at run
time, like 回访最多尝试次数: JIESU_FOLLOWUP_RETRY_MINUTES is only its default. The next 未联系上
is refused or allowed by the value in force, a bad value is refused (4xx) and changes nothing,
and every change is in the configuration log; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from jiesu.runtime import Runtime
from jiesu.services.clock import utcnow
from jiesu.store.config_tables import ConfigEventRow
from jiesu.store.tables import AppealRow, SettingRow
from tests.integration.test_feedback import replied
from tests.support.city import City, page_login

RULES = "/api/v1/admin/rules"


def _no_answer(city: City, appeal_id: int, expect: int = 200) -> dict[str, Any]:
    r = city.client.post(f"/api/v1/appeals/{appeal_id}/follow_up", json={"reached": False},
                         headers=city.headers("followup"))
    assert r.status_code == expect, r.text
    body: dict[str, Any] = r.json()
    return body


def _last_call_ago(city: City, appeal_id: int, minutes: int) -> None:
    """As if the last unanswered call had been made `minutes` ago."""
    with city.runtime.db.uow() as uow:
        uow.session.execute(update(AppealRow).where(AppealRow.id == appeal_id).values(
            followup_last_attempt_at=utcnow() - timedelta(minutes=minutes)))
        uow.commit()


def _settings_log(city: City) -> list[dict[str, Any]]:
    with city.runtime.db.uow(write=False) as uow:
        return [e.details for e in uow.session.scalars(
            select(ConfigEventRow).where(ConfigEventRow.area == "settings")
            .order_by(ConfigEventRow.seq))]


def test_an_administrator_sets_the_spacing_and_the_next_unanswered_call_follows_it(
        city: City) -> None:
    admin = city.headers("admin")
    assert city.client.get(RULES, headers=admin).json()["followup_retry_minutes"] == 120
    r = city.client.patch(RULES, json={"followup_retry_minutes": 30}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["followup_retry_minutes"] == 30
    assert r.json()["followup_max_attempts"] == 3  # the rules left out stay

    a = replied(city)
    _no_answer(city, a["id"])
    refused = _no_answer(city, a["id"], expect=409)
    assert "距上次回访未联系上不足 30 分钟" in refused["error"]["message"]
    _last_call_ago(city, a["id"], 31)  # 2 h would still hold it back; 30 min do not
    assert _no_answer(city, a["id"])["status"] == "replied"

    # no spacing: the third attempt at once closes it as unreachable
    assert city.client.patch(RULES, json={"followup_retry_minutes": 0},
                             headers=admin).status_code == 200
    assert _no_answer(city, a["id"])["status"] == "closed"

    # the configuration log: what was in force before (the setting's default), and after
    assert _settings_log(city) == [
        {"before": {"followup_retry_minutes": 120}, "after": {"followup_retry_minutes": 30}},
        {"before": {"followup_retry_minutes": 30}, "after": {"followup_retry_minutes": 0}}]


def test_the_setting_is_the_default_until_an_administrator_saves_a_value(
        city: City, runtime: Runtime) -> None:
    runtime.rules.settings = runtime.settings.model_copy(update={"followup_retry_minutes": 45})
    runtime.rules.invalidate()
    admin = city.headers("admin")
    assert city.client.get(RULES, headers=admin).json()["followup_retry_minutes"] == 45
    # saving the value in force records nothing; a new one wins over the setting
    city.client.patch(RULES, json={"followup_retry_minutes": 45}, headers=admin)
    assert _settings_log(city) == []
    city.client.patch(RULES, json={"followup_retry_minutes": 10}, headers=admin)
    a = replied(city)
    _no_answer(city, a["id"])
    _last_call_ago(city, a["id"], 11)
    assert _no_answer(city, a["id"])["status"] == "replied"


def test_a_bad_spacing_is_refused_and_changes_nothing(city: City) -> None:
    admin = city.headers("admin")
    city.client.patch(RULES, json={"followup_retry_minutes": 60}, headers=admin)
    logged = len(_settings_log(city))
    for body, message in (
            ({"followup_retry_minutes": 1441, "followup_max_attempts": 5},
             "回访重拨间隔（分钟）须在 0–1440 之间"),
            ({"followup_retry_minutes": -1}, "回访重拨间隔（分钟）须在 0–1440 之间"),
            ({"followup_retry_minutes": "两小时"}, None),
            ({"followup_retry_minutes": 1.5}, None),
            ({"retry": 5}, None)):
        r = city.client.patch(RULES, json=body, headers=admin)
        assert r.status_code == 422, (body, r.text)
        if message:
            assert r.json()["error"]["message"] == message
    rules = city.client.get(RULES, headers=admin).json()
    assert (rules["followup_retry_minutes"], rules["followup_max_attempts"]) == (60, 3)
    assert len(_settings_log(city)) == logged
    # only an administrator changes a rule; every signed-in user may read them
    r = city.client.patch(RULES, json={"followup_retry_minutes": 5},
                          headers=city.headers("followup"))
    assert r.status_code == 403
    assert city.client.get(RULES, headers=city.headers("followup")).status_code == 200
    with city.runtime.db.uow(write=False) as uow:
        saved = uow.session.get(SettingRow, "followup_retry_minutes")
        assert saved is not None and saved.value == 60


def test_the_settings_page_edits_the_spacing_and_answers_a_bad_value_with_400(
        city: City) -> None:
    c = city.client
    token = page_login(c, "admin")
    page = c.get("/staff/admin?tab=settings").text
    assert '<label for="r-followup_retry_minutes">回访重拨间隔（分钟）</label>' in page
    assert 'name="followup_retry_minutes" type="number" value="120"' in page
    form = {"reopen_window_days": "15", "max_extension_days": "10", "max_extensions": "1",
            "followup_max_attempts": "3", "followup_retry_minutes": "90",
            "auto_supervision_level": "yellow", "csrf_token": token}
    r = c.post("/staff/admin/settings", data=form, follow_redirects=True)
    assert "设置已保存" in r.text
    assert 'name="followup_retry_minutes" type="number" value="90"' in r.text
    assert city.runtime.rules.get().followup_retry_minutes == 90
    # only what changed is logged
    assert _settings_log(city) == [{"before": {"followup_retry_minutes": 120},
                                    "after": {"followup_retry_minutes": 90}}]

    # out of range: 400 at once, the form as typed, the field marked, nothing saved (not even
    # the good value beside it)
    r = c.post("/staff/admin/settings", data=dict(form, followup_retry_minutes="2000",
                                                  followup_max_attempts="5"))
    assert r.status_code == 400
    assert "回访重拨间隔（分钟）须在 0–1440 之间" in r.text
    field = re.search(r'<input id="r-followup_retry_minutes"[^>]*>', r.text)
    assert field and 'value="2000"' in field.group(0) and 'aria-invalid="true"' in field.group(0)
    assert 'name="followup_max_attempts" type="number" value="5"' in r.text
    rules = city.runtime.rules.get()
    assert (rules.followup_retry_minutes, rules.followup_max_attempts) == (90, 3)
    assert len(_settings_log(city)) == 1

    en = c.post("/staff/admin/settings?lang=en", data=dict(form, followup_retry_minutes="x"))
    assert en.status_code == 400
    assert "Minutes between follow-up calls that reached no one must be a whole number" in en.text
