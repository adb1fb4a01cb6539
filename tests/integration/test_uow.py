"""The unit of work's translation of database refusals into domain errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jiesu.domain.errors import ConcurrencyConflict
from jiesu.runtime import Runtime
from jiesu.store.tables import UserRow
from jiesu.store.uow import WriteRaced

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _user(name: str) -> UserRow:
    return UserRow(username=name, password_hash="x", role="analyst", created_at=NOW)


def _count(runtime: Runtime, name: str) -> int:
    with runtime.db.uow(write=False) as uow:
        return sum(1 for u in uow.session.query(UserRow).filter_by(username=name))


def test_a_unique_key_refusal_is_a_conflict_and_saves_nothing(
        runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    with runtime.db.uow() as uow:
        uow.session.add(_user("li.ming"))
        uow.commit()
    with pytest.raises(WriteRaced) as raised, runtime.db.uow() as uow:
        uow.session.add(_user("wang.fang"))
        uow.session.add(_user("li.ming"))  # taken: the whole unit of work is refused
        uow.commit()
    assert isinstance(raised.value, ConcurrencyConflict)
    assert raised.value.http_status == 409
    assert "请重试" in raised.value.message
    assert "constraint" in caplog.text  # logged, in case our own bug broke the constraint
    assert _count(runtime, "li.ming") == 1
    assert _count(runtime, "wang.fang") == 0
