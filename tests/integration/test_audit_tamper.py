"""`jiesu audit verify` against a database edited behind the application's back.

The CLI runs as a subprocess (env JIESU_DATABASE_URL), as an auditor would run it. Every case
starts from a clean chain that passes, tampers with the `events` table directly in SQL, and
expects exit status 1 naming the broken event or appeal. Each run is recorded for the
auditor's page (tests/integration/test_audit_checks.py has the periodic check).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, create_engine, text

from jiesu.domain.events import GENESIS_HASH, DomainEvent, canonical, chain_hash
from jiesu.runtime import Runtime
from jiesu.services import audit
from jiesu.services.clock import utcnow
from jiesu.store.db import normalise_url
from tests.support.city import City


def verify_cli(db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JIESU_DATABASE_URL": db_url, "JIESU_ENVIRONMENT": "test",
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "jiesu.cli", "audit", "verify"], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = create_engine(normalise_url(db_url))
    yield e
    e.dispose()


@pytest.fixture
def appeals(city: City) -> list[int]:
    """Three appeals with 1, 3 and 4 events."""
    a = city.register()
    b = city.register(content="楼下烧烤店油烟扰民")
    city.act("dispatcher", b["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", b["id"], "sign")
    c = city.register(content="暖气不热")
    city.act("dispatcher", c["id"], "dispatch", unit_code="D1S1")
    city.act("handler_s1", c["id"], "sign")
    city.act("handler_s1", c["id"], "contact", note="已电话联系")
    return [a["id"], b["id"], c["id"]]


def _events(engine: Engine, appeal_id: int) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(
            "SELECT id, seq, type, data, prev_hash, hash FROM events WHERE appeal_id = :a "
            "ORDER BY seq"), {"a": appeal_id})]


def _broken(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "审计链已损坏" in result.stdout, result.stdout
    return result.stdout


def test_clean_chain_passes(db_url: str, appeals: list[int]) -> None:
    r = verify_cli(db_url)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "审计链完好：8 条记录，3 件诉求" in r.stdout
    assert re.search(r"个锚点，\d+ 条配置变更记录", r.stdout), r.stdout  # the city's set-up


def test_the_cli_records_each_run_for_the_auditors_page(db_url: str, appeals: list[int],
                                                        engine: Engine,
                                                        runtime: Runtime) -> None:
    assert audit.recent_checks(runtime.db) == []
    assert verify_cli(db_url).returncode == 0
    target = _events(engine, appeals[2])[1]
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET type = 'reply' WHERE id = :id"),
                     {"id": target["id"]})
    assert verify_cli(db_url).returncode == 1
    broken, whole = audit.recent_checks(runtime.db)
    assert (whole.runner, whole.ok, whole.events, whole.appeals) == ("cli", True, 8, 3)
    assert whole.started_at <= whole.finished_at and whole.process
    assert broken.runner == "cli" and broken.broken is not None
    assert (broken.broken.event_id, broken.broken.appeal_id) == (target["id"], appeals[2])


def test_edited_event_is_named(db_url: str, appeals: list[int], engine: Engine) -> None:
    target = _events(engine, appeals[1])[1]  # the dispatch event
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET data = :d WHERE id = :id"),
                     {"d": '{"from": "registered", "to": "dispatched", "unit_id": 999}',
                      "id": target["id"]})
    out = _broken(verify_cli(db_url))
    assert f"事件 id={target['id']}" in out and f"诉求 {appeals[1]}" in out
    assert "改动" in out
    # putting the original back makes the chain whole again
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET data = :d WHERE id = :id"),
                     {"d": _json(target["data"]), "id": target["id"]})
    assert verify_cli(db_url).returncode == 0


def test_edited_type_or_time_is_detected(db_url: str, appeals: list[int],
                                          engine: Engine) -> None:
    target = _events(engine, appeals[2])[2]
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET type = 'reply' WHERE id = :id"),
                     {"id": target["id"]})
    assert f"事件 id={target['id']}" in _broken(verify_cli(db_url))


def test_deleted_event_is_detected(db_url: str, appeals: list[int], engine: Engine) -> None:
    events = _events(engine, appeals[2])
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE id = :id"), {"id": events[1]["id"]})
    out = _broken(verify_cli(db_url))
    # the gap is reported at the event after the deleted one
    assert f"事件 id={events[2]['id']}" in out and f"诉求 {appeals[2]}" in out
    assert "删除" in out


def test_deleted_last_event_is_detected(db_url: str, appeals: list[int],
                                         engine: Engine) -> None:
    """A deleted tail leaves a chain that is consistent in itself; the appeal's head says no."""
    events = _events(engine, appeals[1])
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE id = :id"), {"id": events[-1]["id"]})
    out = _broken(verify_cli(db_url))
    assert f"诉求 {appeals[1]}" in out and "应有 3 条记录" in out


def test_rehashed_last_event_is_detected(db_url: str, appeals: list[int],
                                          engine: Engine) -> None:
    """An editor who also recomputes the edited event's hash is caught by the appeal's head."""
    last = _events(engine, appeals[2])[-1]
    with engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM events WHERE id = :id"),
                           {"id": last["id"]}).mappings().one()
        data = {"from": "in_progress", "to": "in_progress", "note": "从未联系"}
        new_hash = _rehash(row, data)
        conn.execute(text("UPDATE events SET data = :d, hash = :h WHERE id = :id"),
                     {"d": _json(data), "h": new_hash, "id": last["id"]})
    out = _broken(verify_cli(db_url))
    assert f"诉求 {appeals[2]}" in out


def test_rewritten_chain_is_caught_by_the_anchor(db_url: str, appeals: list[int],
                                                  engine: Engine, runtime: Runtime) -> None:
    """Rewriting a whole chain and its appeal head consistently still breaks the global anchor."""
    assert audit.anchor(runtime.db, utcnow() + timedelta(minutes=5)) == 8
    first = _events(engine, appeals[0])[0]
    with engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM events WHERE id = :id"),
                           {"id": first["id"]}).mappings().one()
        data = {"kind": "praise", "urgency": "normal", "channel": "hotline"}
        new_hash = _rehash(row, data, prev=GENESIS_HASH)
        conn.execute(text("UPDATE events SET data = :d, hash = :h WHERE id = :id"),
                     {"d": _json(data), "h": new_hash, "id": first["id"]})
        conn.execute(text("UPDATE appeals SET chain_head = :h WHERE id = :a"),
                     {"h": new_hash, "a": appeals[0]})
    out = _broken(verify_cli(db_url))
    assert "锚点" in out


def _json(value: object) -> str:
    import json

    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _rehash(row: object, data: dict[str, object], prev: str | None = None) -> str:
    from datetime import UTC

    r = row  # a RowMapping of events
    at = r["at"]  # type: ignore[index]
    if isinstance(at, str):  # SQLite returns text through a plain text() query
        from datetime import datetime

        at = datetime.fromisoformat(at)
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    event = DomainEvent(r["type"], at, r["actor_id"], r["actor_role"], data)  # type: ignore[index]
    return chain_hash(prev if prev is not None else r["prev_hash"],  # type: ignore[index]
                      canonical(r["appeal_id"], r["seq"], event))  # type: ignore[index]


def test_an_edited_configuration_change_fails_the_cli(db_url: str, appeals: list[int],
                                                      engine: Engine) -> None:
    """The configuration-change log (配置变更记录) is checked with the appeal chains."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE config_events SET actor_role = 'auditor' WHERE seq = 2"))
    out = _broken(verify_cli(db_url))
    assert "配置变更记录第 2 条" in out and "诉求 None" not in out
