"""Two people take a step of one rectification (整改) at the same moment: exactly one wins, the
other gets 409 and changes nothing (SQLite and PostgreSQL).

A rectification of an appeal's rating was serialised by the appeal's version (each step appends
an event to it); one of a service item's rating has no appeal, and two 整改回访 at once both
read 已整改待回访 and both committed, the later overwriting the earlier while both were told
they had succeeded. Each step now writes the rectification only while it is still at the status
and round it read (`feedback_store.update_rectification`).

The forced overlaps make both transactions read before either writes; SQLite takes the write
lock at BEGIN IMMEDIATE, so two writers cannot overlap there and those tests skip (as the other
two-writer tests do); the HTTP races run on both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jiesu.domain import rating as rules_rating
from jiesu.domain.appeal import Actor, Role
from jiesu.runtime import Runtime
from jiesu.services.audit import verify
from jiesu.services.clock import utcnow
from jiesu.services.feedback import Conflict, FeedbackService
from jiesu.store.feedback_tables import RectificationRow
from tests.integration.test_feedback import PHONE, closed
from tests.support.city import City
from tests.support.concurrency import app_clients

ADMIN = Actor(role=Role.ADMIN, user_id=None)
SQLITE_SKIP = ("SQLite takes the write lock at BEGIN IMMEDIATE: two writers cannot overlap "
               "(covered by the HTTP races)")


def _svc(runtime: Runtime) -> FeedbackService:
    return FeedbackService(runtime.db, runtime.rules, runtime.settings)


def _item_rectification(runtime: Runtime, code: str, *, reported: bool = True) -> int:
    """A bad rating of a service item of 市水务局 (no appeal behind it): its rectification,
    reported by the unit unless `reported` is False."""
    svc, now = _svc(runtime), utcnow()
    # named by its code: one unit cannot have two items of one name
    item = svc.add_service_item(ADMIN, "W", code, f"供水报装（{code}）", now)
    rect = svc.rate_service_item(item, PHONE, 1, now).rectification_id
    assert rect is not None
    if reported:
        svc.report_rectification(ADMIN, rect, "已约谈窗口人员，优化报装流程", now)
    return rect


def _appeal_rectification(city: City) -> tuple[int, int]:
    """A closed appeal rated badly and its rectification, reported: (appeal id, rect id)."""
    a = closed(city)
    r = city.client.post("/api/v1/feedback/ratings",
                         json={"appeal_code": a["code"], "phone": PHONE, "stars": 1})
    assert r.status_code == 201, r.text
    rect = int(r.json()["rectification_id"])
    rep = city.client.post(f"/api/v1/feedback/rectifications/{rect}/report",
                           json={"report": "已上门致歉并更换路灯"},
                           headers=city.headers("handler_s1"))
    assert rep.status_code == 200, rep.text
    return int(a["id"]), rect


def _row(runtime: Runtime, rect_id: int) -> RectificationRow:
    with runtime.db.uow(write=False) as uow:
        row = uow.session.scalar(select(RectificationRow).where(RectificationRow.id == rect_id))
        assert row is not None
        uow.session.expunge(row)
        return row


def _events(city: City, appeal_id: int, etype: str) -> list[dict[str, Any]]:
    detail = city.client.get(f"/api/v1/appeals/{appeal_id}",
                             headers=city.headers("dispatcher")).json()
    return [e for e in detail["events"] if e["type"] == etype]


def _staff(runtime: Runtime, *roles: Role) -> list[Actor]:
    users = [u for u in (runtime.auth.user(i) for i in range(1, 60)) if u is not None]
    return [next(u for u in users if u.role == role).actor() for role in roles]


@contextmanager
def _both_read_first(step: str) -> Iterator[threading.Barrier]:
    """Hold each caller of `Rectification.<step>` after the domain step, until two have
    taken it: both transactions have read the rectification before either writes."""
    original = getattr(rules_rating.Rectification, step)
    barrier = threading.Barrier(2)

    def then_wait(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        barrier.wait(timeout=30)

    setattr(rules_rating.Rectification, step, then_wait)
    try:
        yield barrier
    finally:
        setattr(rules_rating.Rectification, step, original)


def _at_once(*work: Callable[[], object]) -> list[object]:
    """Run each callable in its own thread; what each returned or raised, in order."""
    outcome: list[object] = [None] * len(work)

    def run(i: int) -> None:
        try:
            outcome[i] = work[i]()
        except Exception as exc:  # noqa: BLE001 - the caller checks which
            outcome[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcome


def _one_winner(outcome: list[object]) -> tuple[int, Exception]:
    """The index of the one that succeeded and the other's error; fails unless exactly one
    succeeded."""
    errors = [v for v in outcome if isinstance(v, Exception)]
    wins = [i for i, v in enumerate(outcome) if not isinstance(v, Exception)]
    assert len(wins) == 1 and len(errors) == 1, outcome
    return wins[0], errors[0]


@pytest.mark.parametrize("rated", ["service_item", "appeal"])
def test_two_follow_ups_that_both_read_it_one_wins(city: City, runtime: Runtime,
                                                   rated: str) -> None:
    """整改回访 satisfied and not satisfied, both read 已整改待回访 before either writes: one
    is recorded, the other is refused with Conflict (409) and a Chinese message; the row, and
    for an appeal its timeline, say what the winner recorded and nothing else."""
    if runtime.db.dialect == "sqlite":
        pytest.skip(SQLITE_SKIP)
    svc = _svc(runtime)
    agents = _staff(runtime, Role.FOLLOWUP_AGENT, Role.ADMIN)
    with _both_read_first("follow_up") as barrier:
        for n in range(3):
            barrier.reset()
            if rated == "appeal":
                appeal_id, rect = _appeal_rectification(city)
            else:
                appeal_id, rect = 0, _item_rectification(runtime, f"W-F{n}")
            outcome = _at_once(
                lambda rect=rect: svc.follow_up_rectification(agents[0], rect, True, utcnow(),
                                                              "诉求人满意"),
                lambda rect=rect: svc.follow_up_rectification(agents[1], rect, False, utcnow(),
                                                              "诉求人仍不满意"))
            win, err = _one_winner(outcome)
            assert isinstance(err, Conflict) and err.http_status == 409, repr(err)
            assert err.message == "该整改已由他人处理，请刷新后查看"
            row = _row(runtime, rect)
            satisfied = win == 0
            assert (row.status, row.rounds, row.satisfied) == (
                ("verified", 1, True) if satisfied else ("open", 2, False))
            if rated == "appeal":
                [event] = _events(city, appeal_id, "rectification_followed_up")
                assert event["data"]["satisfied"] is satisfied
    assert verify(runtime.db).ok


def test_two_reports_that_both_read_it_one_wins(city: City, runtime: Runtime) -> None:
    """Two of the unit's staff report the same service-item rectification at once: the report
    kept is the one whose writer was told it succeeded."""
    if runtime.db.dialect == "sqlite":
        pytest.skip(SQLITE_SKIP)
    svc = _svc(runtime)
    texts = ["窗口人员已培训", "报装流程已简化"]
    with _both_read_first("submit_report") as barrier:
        for n in range(3):
            barrier.reset()
            rect = _item_rectification(runtime, f"W-P{n}", reported=False)
            outcome = _at_once(*(lambda text=text, rect=rect: svc.report_rectification(
                ADMIN, rect, text, utcnow()) for text in texts))
            win, err = _one_winner(outcome)
            assert isinstance(err, Conflict), repr(err)
            row = _row(runtime, rect)
            assert (row.status, row.report) == ("reported", texts[win])


def test_a_follow_up_that_read_a_round_since_done_is_refused(city: City,
                                                             runtime: Runtime) -> None:
    """Status alone is no version: a 整改回访 that read round 1 as 待回访 must not land on
    round 2's report, which is 待回访 again (not satisfied → reported anew meanwhile)."""
    if runtime.db.dialect == "sqlite":
        pytest.skip(SQLITE_SKIP)
    svc = _svc(runtime)
    agent = _staff(runtime, Role.FOLLOWUP_AGENT)[0]
    rect = _item_rectification(runtime, "W-ABA")
    original = rules_rating.Rectification.follow_up
    late: list[object] = []

    def meanwhile(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        rules_rating.Rectification.follow_up = original  # type: ignore[method-assign]
        # another agent's 不满意 and the unit's new report, both committed before this writes
        late.append(svc.follow_up_rectification(ADMIN, rect, False, utcnow()))
        late.append(svc.report_rectification(ADMIN, rect, "第二轮整改", utcnow()))

    rules_rating.Rectification.follow_up = meanwhile  # type: ignore[method-assign]
    try:
        with pytest.raises(Conflict):
            svc.follow_up_rectification(agent, rect, True, utcnow())
    finally:
        rules_rating.Rectification.follow_up = original  # type: ignore[method-assign]
    assert late == ["open", "reported"]
    row = _row(runtime, rect)
    assert (row.status, row.rounds, row.report, row.satisfied) == (
        "reported", 2, "第二轮整改", False)


Request = tuple[str, dict[str, Any] | None, dict[str, str]]


def _race(clients: list[TestClient], requests: list[Request]) -> list[Any]:
    """Post each (path, body, headers) from its own client and thread, released together."""
    barrier = threading.Barrier(len(requests))

    def post(i: int) -> Any:
        path, body, headers = requests[i]
        barrier.wait(timeout=30)
        return clients[i].post(path, json=body, headers=headers)

    return _at_once(*(lambda i=i: post(i) for i in range(len(requests))))


def test_two_follow_ups_over_http_one_wins(city: City, runtime: Runtime) -> None:
    """Two app instances (two connection pools, as two processes) post 整改回访 of one
    service-item rectification at the same moment: one 200, one 409 with a Chinese message."""
    heads = [city.headers("followup"), city.headers("admin")]
    with app_clients(runtime) as (c1, c2):
        for n in range(4):
            rect = _item_rectification(runtime, f"W-H{n}")
            path = f"/api/v1/feedback/rectifications/{rect}/follow-up"
            results = _race([c1, c2], [(path, {"satisfied": True}, heads[0]),
                                       (path, {"satisfied": False}, heads[1])])
            assert sorted(r.status_code for r in results) == [200, 409], [
                (r.status_code, r.text) for r in results]
            win = next(i for i, r in enumerate(results) if r.status_code == 200)
            err = results[1 - win].json()["error"]
            # conflict: both read it first; illegal_transition: the loser read the winner's
            assert err["code"] in ("conflict", "illegal_transition") and err["message"], err
            row = _row(runtime, rect)
            assert (row.status, row.rounds) == (("verified", 1) if win == 0 else ("open", 2))


def test_an_appeal_and_a_publication_at_once_never_both(city: City, runtime: Runtime) -> None:
    """A 申诉 against the rating and the 公示 of its rectification, posted at the same moment:
    either the 申诉 is filed and the publication waits for its decision, or the result is
    published and the 申诉 is refused — never a pending 申诉 against a published result."""
    outcomes = set()
    with app_clients(runtime) as (c1, c2):
        for n in range(4):
            rect = _item_rectification(runtime, f"W-A{n}")
            _svc(runtime).follow_up_rectification(ADMIN, rect, True, utcnow())
            rating = _row(runtime, rect).rating_id
            results = _race([c1, c2], [
                (f"/api/v1/feedback/ratings/{rating}/appeal", {"reason": "系恶意差评"},
                 city.headers("admin")),
                (f"/api/v1/feedback/rectifications/{rect}/publish", None,
                 city.headers("supervisor"))])
            codes = tuple(r.status_code for r in results)
            assert codes in ((201, 409), (409, 200)), [r.text for r in results]
            refused = results[codes.index(409)].json()["error"]
            status = _row(runtime, rect).status
            if codes == (201, 409):
                assert "申诉正在审核中" in refused["message"] and status == "verified"
            else:
                assert refused["message"] == "整改结果已公示，不能再对该评价提出申诉"
                assert status == "published"
            outcomes.add(codes)
    assert outcomes  # which one wins is the scheduler's; each is checked above
