"""The pages' fast read shapes give the same answers as the plain queries (SQLite and
PostgreSQL): the inbox's union of lead / handling / co-unit branches, and the dashboard kept
for a minute."""

from __future__ import annotations

from datetime import timedelta

from jiesu.services.clock import utcnow
from jiesu.store import queries, web_queries
from jiesu.web import stats
from tests.support.city import City


def _scope(city: City, code: str) -> queries.Scope:
    with city.runtime.db.uow(write=False) as uow:
        return queries.Scope(unit_path=web_queries.unit_path(uow.session, city.unit_ids[code]))


def test_scoped_page_matches_list_appeals(city: City) -> None:
    # Led by D1, by D1S1 (inside D1), by W with D1 as co-unit, by D2 (outside), one signed.
    made = []
    for lead, co in (("D1", []), ("D1S1", []), ("W", ["D1"]), ("D2", []), ("D1", [])):
        a = city.register()
        city.act("dispatcher", a["id"], "dispatch", unit_code=lead, co_unit_codes=co)
        made.append(a["id"])
    city.act("handler_d1", made[0], "sign")
    statuses = ["dispatched", "in_progress"]
    now = utcnow()
    for code in ("D1", "D1S1", "D2"):
        scope = _scope(city, code)
        with city.runtime.db.uow(write=False) as uow:
            want, want_total, _ = queries.list_appeals(
                uow.session, queries.AppealFilters(status=statuses), scope, now, per_page=2,
                order="due")
            got, total, capped = web_queries.scoped_page(uow.session, statuses, scope, now,
                                                         page=1, per_page=2)
            assert [r.id for r in got] == [r.id for r in want]
            assert (total, capped) == (want_total, False)
            every = {r.id for r in web_queries.scoped_page(uow.session, statuses, scope, now,
                                                           page=1, per_page=50)[0]}
            past, past_total, _ = web_queries.scoped_page(uow.session, statuses, scope, now,
                                                          page=9, per_page=2)
        assert past == [] and past_total == want_total
        expected = {"D1": {made[0], made[1], made[2], made[4]}, "D1S1": {made[1]},
                    "D2": {made[3]}}[code]
        assert every == expected


def test_dashboard_is_kept_for_a_minute(city: City) -> None:
    rt = city.runtime
    now = utcnow()
    first = stats.cached_dashboard(rt, now)
    city.register()
    assert stats.cached_dashboard(rt, now + timedelta(seconds=30)) is first
    fresh = stats.cached_dashboard(rt, now + stats.DASHBOARD_TTL)
    assert fresh is not first and fresh.open_now == first.open_now + 1


def test_public_figures_are_kept_for_a_minute(city: City) -> None:
    rt = city.runtime
    now = utcnow()
    before = stats.cached_headline(rt, now).received
    daily = sum(stats.cached_open_statistics(rt, now).received)
    city.register()
    assert stats.cached_headline(rt, now + timedelta(seconds=59)).received == before
    later = now + stats.FIGURES_TTL
    assert stats.cached_headline(rt, later).received == before + 1
    assert sum(stats.cached_open_statistics(rt, later).received) == daily + 1


def test_handling_counts_match_the_single_counts(city: City) -> None:
    for _ in range(3):
        a = city.register()
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    later = utcnow() + timedelta(days=60)  # every handle deadline has passed
    with city.runtime.db.uow(write=False) as uow:
        overdue, red, yellow = web_queries.handling_counts(uow.session, later)
        assert overdue == web_queries.overdue_count(uow.session, later) == 3
        assert (red, yellow) == (0, 0)
