"""The audit check (审计链校验), SQLite and PostgreSQL: the periodic jobs verify every hash
chain and anchor once per JIESU_AUDIT_VERIFY_HOURS, in one process at a time, and record the
result; a broken chain is a red alarm on the auditor's page, a warning on every admin tab, an
ERROR in the log and the last check of the API.

The database is edited behind the application's back in plain SQL, as a tamperer would.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from jiesu.domain.appeal import Actor, Role
from jiesu.jobs.sweeper import run_all
from jiesu.runtime import Runtime
from jiesu.services.audit import LEASE, VERIFY_JOB, Check, recent_checks, run_due, verify
from jiesu.services.clock import utcnow
from jiesu.store import audit_store
from jiesu.store.db import normalise_url
from tests.integration.test_web_staff_work import _login
from tests.support.city import City
from tests.support.concurrency import side_by_side

DAY = timedelta(hours=24)  # the default JIESU_AUDIT_VERIFY_HOURS
CHAIN_WALK = "ORDER BY events.appeal_id, events.seq"  # the statement that streams the events


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = create_engine(normalise_url(db_url))
    yield e
    e.dispose()


def _checks(runtime: Runtime) -> list[Check]:
    return recent_checks(runtime.db, 100)


def _dispatched(city: City) -> dict[str, Any]:
    """An appeal with two events: registered (seq 1), dispatched (seq 2)."""
    a = city.register(content="楼下烧烤店油烟扰民")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    return a


def _event(engine: Engine, appeal_id: int, seq: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT id, data FROM events WHERE appeal_id = :a AND seq = :s"),
            {"a": appeal_id, "s": seq}).mappings().one())


def _event_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM events")).scalar_one())


def _set_data(engine: Engine, event_id: int, data: object) -> None:
    import json

    value = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET data = :d WHERE id = :id"),
                     {"d": value, "id": event_id})


def test_a_clean_database_is_checked_whole_once_per_interval(runtime: Runtime, city: City,
                                                             engine: Engine) -> None:
    city.register()
    _dispatched(city)
    now = utcnow()
    first = run_all(runtime, now).audit_check  # the deadline sweep before it may add events
    assert first is not None and first.ok and first.broken is None
    assert (first.runner, first.events, first.appeals) == ("jobs", _event_count(engine), 2)
    assert first.started_at == now and first.finished_at >= now
    # the jobs pass every minute; the check waits for its interval
    assert run_all(runtime, now + timedelta(minutes=1)).audit_check is None
    assert run_all(runtime, now + DAY - timedelta(seconds=1)).audit_check is None
    again = run_all(runtime, now + DAY).audit_check
    assert again is not None and again.ok
    assert [c.id for c in _checks(runtime)] == [again.id, first.id]


def test_zero_hours_turns_the_periodic_check_off(runtime: Runtime, city: City,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    city.register()
    monkeypatch.setattr(runtime, "settings",
                        runtime.settings.model_copy(update={"audit_verify_hours": 0}))
    assert run_all(runtime, utcnow()).audit_check is None
    assert _checks(runtime) == []


def test_a_serving_process_checks_in_a_thread_of_its_own(runtime: Runtime, city: City) -> None:
    """`serve` runs the periodic jobs without the check and the check in its own thread, so a
    walk of hours at a big city's size never holds up deadline warnings and notifications."""
    import threading
    import time

    from fastapi.testclient import TestClient

    from jiesu.app import create_app

    city.register()
    assert run_all(runtime, utcnow(), audit=False).audit_check is None  # due, yet not here
    assert _checks(runtime) == []
    other = Runtime.create(runtime.settings.model_copy(update={"sweep_interval_seconds": 1}))
    try:
        with TestClient(create_app(other.settings, run_jobs=True, runtime=other)):
            assert {"jiesu-jobs", "jiesu-audit"} <= {t.name for t in threading.enumerate()}
            deadline = time.monotonic() + 30
            while not _checks(runtime) and time.monotonic() < deadline:
                time.sleep(0.1)
        [check] = _checks(runtime)
        assert check.ok and check.runner == "jobs" and check.events >= 1
    finally:
        other.close()


def test_two_processes_at_once_check_once(runtime: Runtime, city: City) -> None:
    city.register()
    now = utcnow()
    # the first time both find no lease row and make it; the second time both find it
    for at in (now, now + DAY):
        results = side_by_side(runtime, lambda rt, at=at: run_due(rt.db, at, every=DAY))  # type: ignore[misc]
        assert sorted(r is None for r in results) == [False, True], results
    assert len(_checks(runtime)) == 2


def test_a_check_running_elsewhere_is_not_started_again(runtime: Runtime, city: City) -> None:
    """While one process walks the chains another's pass starts no second check; the lease of
    a process that stopped half-way (a restart) runs out and the check is run again."""
    city.register()
    now = utcnow()
    other = Runtime.create(runtime.settings)
    meanwhile: list[Check | None] = []

    def during(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if CHAIN_WALK in statement and not meanwhile:
            meanwhile.append(run_due(other.db, now + timedelta(minutes=1), every=DAY))

    event.listen(runtime.db.engine, "before_cursor_execute", during)
    try:
        check = run_due(runtime.db, now, every=DAY)
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", during)
        other.close()
    assert check is not None and check.ok and meanwhile == [None]

    later = now + 2 * DAY
    with runtime.db.uow() as uow:  # a process took the lease, then was restarted
        assert audit_store.take_lease(uow.session, VERIFY_JOB, "gone:1", later,
                                      until=later + LEASE, not_since=later - DAY)
        uow.commit()
    assert run_due(runtime.db, later + LEASE - timedelta(seconds=1), every=DAY) is None
    assert run_due(runtime.db, later + LEASE, every=DAY) is not None


def test_events_written_during_a_check_are_no_break(runtime: Runtime, city: City) -> None:
    """Appeals keep changing while the check walks them: an event appended after the check
    read the appeals' chain heads is not taken for a break (the check reads one snapshot;
    PostgreSQL would otherwise read each statement at its own moment)."""
    a = city.register()
    dispatcher = Actor(role=Role.DISPATCHER, user_id=None)
    appended: list[int] = []

    def during(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if CHAIN_WALK in statement and not appended:
            appended.append(a["id"])
            runtime.appeals.act(dispatcher, a["id"], "dispatch", utcnow(),
                                {"unit_id": city.unit_ids["D1"]})

    event.listen(runtime.db.engine, "before_cursor_execute", during)
    try:
        result = verify(runtime.db)
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", during)
    assert appended and result.ok, result.broken
    assert result.events == 1  # what was there when the check began
    assert verify(runtime.db).events == 2


def test_an_edited_event_is_an_alarm_on_the_pages_in_the_log_and_the_api(
        runtime: Runtime, city: City, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    city.register()
    a = _dispatched(city)
    now = utcnow()
    assert run_all(runtime, now).audit_check.ok  # type: ignore[union-attr]
    target = _event(engine, a["id"], 2)
    original = target["data"]
    _set_data(engine, target["id"], {"from": "registered", "to": "dispatched", "unit_id": 999})

    with caplog.at_level(logging.ERROR, logger="jiesu.audit"):
        check = run_all(runtime, now + DAY).audit_check
    assert check is not None and check.broken is not None
    assert (check.broken.event_id, check.broken.appeal_id, check.broken.seq) == (
        target["id"], a["id"], 2)
    assert check.appeal_code == a["code"] and "改动" in check.broken.reason
    [logged] = [r for r in caplog.records if r.name == "jiesu.audit"]
    assert logged.levelno == logging.ERROR and "audit chain broken" in logged.getMessage()
    assert a["code"] in logged.getMessage() and str(target["id"]) in logged.getMessage()

    # the auditor's page: a red alarm naming the appeal, the event and why; the history below
    c = city.client
    token = _login(c, "auditor")
    page = c.get("/staff/audit").text
    alarm = re.search(r'data-alarm="\d+">(.*?)</form>', page, re.S)
    assert alarm, page
    assert 'class="flash flash-error" role="alert"' in page and 'data-check="broken"' in page
    assert f'<a href="/staff/audit?code={a["code"]}">{a["code"]}</a>' in alarm.group(1)
    assert f"id={target['id']}" in alarm.group(1) and "记录内容与哈希不符" in alarm.group(1)
    assert "审计链已损坏" in alarm.group(1) and 'data-check="ok"' not in page
    rows = re.findall(r'data-check-row="(\w+)"', page)
    assert rows == ["broken", "ok"]
    english = c.get("/staff/audit?lang=en").text
    assert "The audit chain is broken" in english
    assert "The event does not match its hash (it was edited)" in english
    c.get("/staff/audit?lang=zh")

    # the API (auditors and administrators only)
    body = c.get("/api/v1/audit/checks", headers=city.headers("auditor")).json()
    assert body["last"]["ok"] is False and body["interval_hours"] == 24
    assert body["last"]["broken"] == {"event_id": target["id"], "appeal_id": a["id"],
                                      "appeal_code": a["code"], "seq": 2,
                                      "reason": check.broken.reason}
    assert [x["ok"] for x in body["checks"]] == [False, True]
    assert [x["id"] for x in body["alarms"]] == [check.id]
    assert c.get("/api/v1/audit/checks", headers=city.headers("analyst")).status_code == 403

    # the administrators' warning, on every tab
    c.post("/logout", data={"csrf_token": token})
    token = _login(c, "admin")
    for tab in ("units", "calendar", "settings"):
        admin = c.get(f"/staff/admin?tab={tab}").text
        warning = re.search(r"data-audit-warning>(.*?)查看防篡改校验", admin, re.S)
        assert warning, tab
        assert a["code"] in warning.group(1) and f"id={target['id']}" in warning.group(1)
        assert 'href="/staff/audit"' in warning.group(1)
    assert c.get("/api/v1/audit/checks", headers=city.headers("admin")).status_code == 200

    # put back, the next check is whole, but the alarm stays until someone acknowledges it:
    # restoring the rows must not make the evidence of the edit disappear
    _set_data(engine, target["id"], original)
    assert run_all(runtime, now + 2 * DAY).audit_check.ok  # type: ignore[union-attr]
    assert "data-audit-warning" in c.get("/staff/admin").text
    c.post("/logout", data={"csrf_token": token})
    token = _login(c, "auditor")
    page = c.get("/staff/audit").text
    assert 'data-check="ok"' in page and f'data-alarm="{check.id}"' in page
    assert re.findall(r'data-check-row="(\w+)"', page) == ["ok", "broken", "ok"]
    # an empty note is refused; a note ends the alarm and stays with the check
    page = c.post(f"/staff/audit/checks/{check.id}/acknowledge",
                  data={"csrf_token": token, "note": "  "}).text
    assert "请写明核查结果和处理情况" in page and f'data-alarm="{check.id}"' in page
    note = "经核查为运维人员误操作数据库，已从备份恢复，已追责"
    page = c.post(f"/staff/audit/checks/{check.id}/acknowledge",
                  data={"csrf_token": token, "note": note}).text
    assert "已确认审计告警" in page and "data-alarm" not in page
    assert note in page.split("data-checks", 1)[1]  # in the history, with who and when
    r = c.post(f"/api/v1/audit/checks/{check.id}/acknowledge", json={"note": "再次确认"},
               headers=city.headers("auditor"))
    assert r.status_code == 409 and r.json()["error"]["message"] == "这条审计告警已经确认过了"
    body = c.get("/api/v1/audit/checks", headers=city.headers("auditor")).json()
    assert body["alarms"] == [] and body["checks"][1]["acknowledgement"] == note
    assert body["checks"][1]["acknowledged_by"] is not None
    c.post("/logout", data={"csrf_token": token})
    _login(c, "admin")
    assert "data-audit-warning" not in c.get("/staff/admin").text


def test_the_page_says_never_checked_then_whole(runtime: Runtime, city: City) -> None:
    city.register()
    c = city.client
    _login(c, "auditor")
    page = c.get("/staff/audit").text
    assert 'data-check="never"' in page and "从未校验" in page and "data-check-row" not in page
    assert "定时任务每 24 小时完整校验一次" in page
    assert "Never checked" in c.get("/staff/audit?lang=en").text
    run_all(runtime, utcnow())
    page = c.get("/staff/audit?lang=zh").text
    whole = re.search(r'<div class="flash flash-ok" role="status" data-check="ok">(.*?)</div>',
                      page, re.S)
    assert whole and "审计链完好" in whole.group(1)
    assert "校验了 1 条记录、1 件诉求" in whole.group(1)
    assert re.findall(r'data-check-row="(\w+)"', page) == ["ok"]
    assert "定时任务" in page.split("data-checks", 1)[1]


def _config_entries(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM config_events")).scalar_one())


def test_each_check_records_how_many_configuration_changes_it_verified(
        runtime: Runtime, city: City, engine: Engine) -> None:
    """The configuration-change log is walked too: the number is stored with the check and
    shown on the auditor's page and in the API; checks recorded before it was counted show
    a dash."""
    city.register()
    entries = _config_entries(engine)
    assert entries > 0  # the city's set-up
    check = run_all(runtime, utcnow()).audit_check
    assert check is not None and check.ok and check.config_changes == entries
    assert _checks(runtime)[0].config_changes == entries
    with engine.connect() as conn:
        assert conn.execute(text("SELECT config_changes FROM audit_checks")).scalar_one() == (
            entries)
    c = city.client
    _login(c, "auditor")
    page = c.get("/staff/audit").text
    assert f"个锚点和 {entries} 条配置变更记录，用时" in page
    assert re.findall(r"<td data-config-changes>([^<]*)</td>", page) == [str(entries)]
    assert f"{entries} configuration changes" in c.get("/staff/audit?lang=en").text
    r = c.get("/api/v1/audit/checks", headers=city.headers("auditor"))
    assert r.status_code == 200 and r.json()["last"]["config_changes"] == entries
    # a check recorded before the number was kept (migration 0025)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_checks SET config_changes = NULL"))
    page = c.get("/staff/audit?lang=zh").text
    assert re.findall(r"<td data-config-changes>([^<]*)</td>", page) == ["—"]
    assert "条配置变更记录，用时" not in page and "件诉求和 0 个锚点，用时" in page
    assert c.get("/api/v1/audit/checks",
                 headers=city.headers("auditor")).json()["last"]["config_changes"] is None


# SQLite only, without a PostgreSQL copy to skip: PostgreSQL refuses such text in a JSON column
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_event_that_cannot_be_read_is_a_break(runtime: Runtime, city: City,
                                                 engine: Engine) -> None:
    """Text that is not JSON, written straight into SQLite, is reported where it is instead of
    stopping the check with an error."""
    city.register()
    a = _dispatched(city)
    target = _event(engine, a["id"], 2)
    _set_data(engine, target["id"], '{"to": ')
    result = verify(runtime.db)
    assert result.broken is not None
    assert (result.broken.event_id, result.broken.appeal_id, result.broken.seq) == (
        target["id"], a["id"], 2)
    assert "记录无法读取" in result.broken.reason


def test_only_broken_checks_by_auditors_and_admins_are_acknowledged(
        runtime: Runtime, city: City) -> None:
    city.register()
    whole = run_all(runtime, utcnow()).audit_check
    assert whole is not None and whole.ok
    r = city.client.post(f"/api/v1/audit/checks/{whole.id}/acknowledge", json={"note": "看过"},
                         headers=city.headers("auditor"))
    assert r.status_code == 422 and "无需确认" in r.json()["error"]["message"]
    r = city.client.post("/api/v1/audit/checks/999/acknowledge", json={"note": "看过"},
                         headers=city.headers("admin"))
    assert r.status_code == 404
    r = city.client.post(f"/api/v1/audit/checks/{whole.id}/acknowledge", json={"note": "看过"},
                         headers=city.headers("supervisor"))
    assert r.status_code == 403


def test_a_check_that_stopped_coming_is_a_warning(runtime: Runtime, city: City) -> None:
    """When the last check started more than twice the interval ago, the auditor's page and
    every admin tab say the periodic check has stopped (no process runs the jobs)."""
    from jiesu.services.audit import record

    city.register()
    long_ago = utcnow() - 3 * DAY
    record(runtime.db, verify(runtime.db), started_at=long_ago, finished_at=long_ago,
           runner="jobs")
    c = city.client
    token = _login(c, "auditor")
    page = c.get("/staff/audit").text
    assert "data-audit-stale" in page and "防篡改校验已停止" in page and "已超过 48 小时" in page
    assert "The audit check has stopped" in c.get("/staff/audit?lang=en").text
    c.get("/staff/audit?lang=zh")
    c.post("/logout", data={"csrf_token": token})
    token = _login(c, "admin")
    assert "data-audit-stale" in c.get("/staff/admin?tab=settings").text
    run_all(runtime, utcnow())  # the jobs check again: on time
    assert "data-audit-stale" not in c.get("/staff/admin?tab=settings").text
