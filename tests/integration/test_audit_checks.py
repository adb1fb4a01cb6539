"""The audit check (`jiesu.services.audit.verify`), SQLite and PostgreSQL, on a database that
keeps changing while it is checked or was edited behind the application's back in plain SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from jiesu.domain.appeal import Actor, Role
from jiesu.runtime import Runtime
from jiesu.services.audit import verify
from jiesu.services.clock import utcnow
from jiesu.store.db import normalise_url
from tests.support.city import City

CHAIN_WALK = "ORDER BY events.appeal_id, events.seq"  # the statement that streams the events


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = create_engine(normalise_url(db_url))
    yield e
    e.dispose()


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


def _set_data(engine: Engine, event_id: int, data: object) -> None:
    import json

    value = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET data = :d WHERE id = :id"),
                     {"d": value, "id": event_id})


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


def test_an_event_that_cannot_be_read_is_a_break(runtime: Runtime, city: City, engine: Engine,
                                                 db_url: str) -> None:
    """Text that is not JSON, written straight into SQLite, is reported where it is instead of
    stopping the check with an error. (PostgreSQL refuses such text in a JSON column.)"""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL refuses text that is not JSON in a JSON column")
    city.register()
    a = _dispatched(city)
    target = _event(engine, a["id"], 2)
    _set_data(engine, target["id"], '{"to": ')
    result = verify(runtime.db)
    assert result.broken is not None
    assert (result.broken.event_id, result.broken.appeal_id, result.broken.seq) == (
        target["id"], a["id"], 2)
    assert "记录无法读取" in result.broken.reason
