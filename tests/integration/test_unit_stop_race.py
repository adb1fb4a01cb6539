"""An appeal dispatched to a unit while an administrator stops (停用) that unit, on PostgreSQL:
the stop is refused while the unit leads open appeals, and a dispatch to a stopped unit is
refused, so whichever comes first, the other must see it (never a stopped unit that leads an
open appeal nobody there can sign)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from jiesu.domain.appeal import Role
from jiesu.domain.errors import DomainError
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.clock import utcnow
from tests.support.city import City


def test_a_unit_stopped_while_an_appeal_is_dispatched_to_it_does_not_strand_the_appeal(
        city: City, runtime: Runtime) -> None:
    if runtime.db.dialect == "sqlite":
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE: the stop cannot come "
                    "between the dispatch's check of the unit and its write")
    a = city.register()
    dispatcher = next(u for u in (runtime.auth.user(i) for i in range(1, 50))
                      if u is not None and u.role == Role.DISPATCHER)
    service = runtime.appeals
    original = service._check_references
    other = Runtime.create(runtime.settings)  # the administrator's process
    stop: dict[str, Any] = {}

    def run_stop() -> None:
        try:
            # W has no users and no sub-units: only an open appeal it leads keeps it busy
            AdminService(other.db, other.rules).set_unit_active("W", False)
            stop["result"] = "stopped"
        except DomainError as exc:
            stop["result"] = exc

    stopper = threading.Thread(target=run_stop)

    def stop_meanwhile(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)  # the dispatch has found the unit active
        stopper.start()
        stopper.join(timeout=3)  # done at once, unless it waits for this dispatch to end

    service._check_references = stop_meanwhile  # type: ignore[method-assign]
    try:
        try:
            service.act(dispatcher.actor(), a["id"], "dispatch", utcnow(), {"unit_code": "W"})
            dispatched = True
        except DomainError:
            dispatched = False
        stopper.join(timeout=60)
    finally:
        service._check_references = original  # type: ignore[method-assign]
        other.close()
    assert not stopper.is_alive()
    got = city.client.get(f"/api/v1/appeals/{a['id']}", headers=city.headers("dispatcher"))
    units = city.client.get("/api/v1/admin/units", headers=city.headers("admin")).json()
    w = next(u for u in units if u["code"] == "W")
    # the appeal stands dispatched to W only while W is active
    assert (got.json()["status"] == "dispatched") == dispatched
    assert not (dispatched and not w["active"]), (stop, got.json()["status"])
