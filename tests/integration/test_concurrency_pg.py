"""Two people act on one appeal at the same moment: exactly one wins, the other gets 409.

DESIGN §3: optimistic locking on `appeals.version`. On PostgreSQL (READ COMMITTED) the loser's
`UPDATE ... WHERE version = :expected` waits for the winner's commit, re-checks and updates no
row → ConcurrencyConflict. On SQLite a writing unit of work takes the write lock at BEGIN
IMMEDIATE, so writers are serialised and the loser sees the new status (IllegalTransition, also
409). Either way the appeal's event chain stays valid.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.errors import ConcurrencyConflict, DomainError
from jiesu.runtime import Runtime
from jiesu.services import audit
from jiesu.services.clock import utcnow
from jiesu.store import queries
from tests.support.city import City
from tests.support.concurrency import app_clients

ROUNDS = 20


def _race(city: City, appeal_id: int, clients: list[TestClient]) -> list[tuple[str, Any]]:
    """dispatch and reject released together, each from its own HTTP client and thread."""
    requests = [
        ("dispatch", {"unit_code": "D1"}),
        ("reject", {"reason": "duplicate", "note": "与已登记诉求重复"}),
    ]
    headers = city.headers("dispatcher")
    barrier = threading.Barrier(2)
    results: list[tuple[str, Any]] = [("", None), ("", None)]

    def run(i: int) -> None:
        action, body = requests[i]
        barrier.wait(timeout=30)
        r = clients[i].post(f"/api/v1/appeals/{appeal_id}/{action}", json=body, headers=headers)
        results[i] = (action, r)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_conflicting_actions_one_winner_the_other_409(city: City, runtime: Runtime) -> None:
    city.headers("dispatcher")  # log in once, outside the race
    codes: dict[str, int] = {}
    with app_clients(runtime) as (c1, c2):
        for _ in range(ROUNDS):
            a = city.register()
            results = _race(city, a["id"], [c1, c2])
            statuses = sorted(r.status_code for _, r in results)
            assert statuses == [200, 409], [(act, r.status_code, r.text) for act, r in results]
            winner = next(act for act, r in results if r.status_code == 200)
            loser = next(r for _, r in results if r.status_code == 409)
            err = loser.json()["error"]
            assert err["code"] in ("conflict", "illegal_transition") and err["message"], err
            codes[err["code"]] = codes.get(err["code"], 0) + 1
            detail = city.client.get(f"/api/v1/appeals/{a['id']}",
                                     headers=city.headers("dispatcher")).json()
            assert detail["status"] == {"dispatch": "dispatched", "reject": "rejected"}[winner]
            assert detail["version"] == 1
            assert [e["type"] for e in detail["events"]] == ["register", winner]
    result = audit.verify(runtime.db)
    assert result.ok, result.broken
    assert result.appeals == ROUNDS


def test_forced_overlap_loser_gets_conflict(city: City, runtime: Runtime) -> None:
    """Both transactions read version 0 before either writes: the version check decides."""
    if runtime.db.dialect == "sqlite":
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE: two writers cannot overlap "
                    "(covered by the HTTP race above)")
    service = runtime.appeals
    dispatcher = next(u for u in (runtime.auth.user(i) for i in range(1, 50))
                      if u is not None and u.role == Role.DISPATCHER)
    actor: Actor = dispatcher.actor()
    original = service._check_references
    barrier = threading.Barrier(2)

    def wait_after_read(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        barrier.wait(timeout=30)  # both have loaded the appeal at version 0 by now

    service._check_references = wait_after_read  # type: ignore[method-assign]
    try:
        for _ in range(5):
            a = city.register()
            barrier.reset()
            outcome: dict[str, object] = {}

            def run(action: str, args: dict[str, Any], appeal_id: int = a["id"],
                    outcome: dict[str, object] = outcome) -> None:
                try:
                    service.act(actor, appeal_id, action, utcnow(), args)
                    outcome[action] = "ok"
                except DomainError as exc:
                    outcome[action] = exc
                except Exception as exc:  # anything else is a bug (e.g. a unique violation)
                    outcome[action] = exc

            threads = [
                threading.Thread(target=run, args=("dispatch", {"unit_code": "D1"})),
                threading.Thread(target=run, args=("reject", {"reason": "invalid"})),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            oks = [k for k, v in outcome.items() if v == "ok"]
            errors = [v for v in outcome.values() if v != "ok"]
            assert len(oks) == 1 and len(errors) == 1, outcome
            assert isinstance(errors[0], ConcurrencyConflict), repr(errors[0])
            assert errors[0].http_status == 409
            with runtime.db.uow(write=False) as uow:
                types = [e.type for e in queries.events_of(uow.session, a["id"])]
            assert types == ["register", oks[0]]
    finally:
        service._check_references = original  # type: ignore[method-assign]
    assert audit.verify(runtime.db).ok
