"""The pages' fast read shapes give the same answers as the plain queries (SQLite and
PostgreSQL): the inbox's union of lead / handling / co-unit branches, and the dashboard kept
for a minute."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from jiesu.services.clock import utcnow
from jiesu.store import queries, web_queries
from jiesu.web import stats
from tests.integration.test_web_pages import _login
from tests.support.city import City


def _scope(city: City, code: str) -> queries.Scope:
    with city.runtime.db.uow(write=False) as uow:
        return queries.Scope(unit_path=queries.unit_path(uow.session, city.unit_ids[code]))


def _plain_inbox(session: Any, statuses: list[str], scope: queries.Scope) -> list[int]:
    """The inbox by the general filter path: every matching row, sorted by due time."""
    stmt = queries.filtered(session, queries.AppealFilters(status=statuses), scope, utcnow())
    return [r.id for r in session.scalars(stmt.order_by(*queries.ORDERS["due"]))]


def test_scoped_page_matches_list_appeals(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
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
            plain = _plain_inbox(uow.session, statuses, scope)
            for page in (1, 2):
                got, total, capped = web_queries.scoped_page(uow.session, statuses, scope, now,
                                                             page=page, per_page=2)
                assert [r.id for r in got] == plain[(page - 1) * 2:page * 2]
                assert (total, capped) == (len(plain), False)
            # The API's list takes the same path for order=due.
            listed, _, _ = queries.list_appeals(
                uow.session, queries.AppealFilters(status=statuses), scope, now, per_page=2,
                order="due")
            assert [r.id for r in listed] == plain[:2]
            # Capped totals: the lead branch alone passes a cap of 1 (D1 leads two); a cap of 3
            # is passed only by the union of the branches (D1 leads 2 and co-handles 1, and its
            # street leads 1).
            for cap in (1, 3):
                monkeypatch.setattr(queries, "COUNT_CAP", cap)
                _, total, capped = web_queries.scoped_page(uow.session, statuses, scope, now,
                                                           page=1, per_page=2)
                assert (total, capped) == (min(len(plain), cap), len(plain) > cap)
            monkeypatch.undo()
            every = {r.id for r in web_queries.scoped_page(uow.session, statuses, scope, now,
                                                           page=1, per_page=50)[0]}
            past, past_total, _ = web_queries.scoped_page(uow.session, statuses, scope, now,
                                                          page=9, per_page=2)
        assert past == [] and past_total == len(plain)
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
        assert overdue == web_queries.tab_counts(uow.session, later, ['overdue'])['overdue'] == 3
        assert (red, yellow) == (0, 0)


def test_dashboard_unit_satisfaction_uses_the_kpi_formula(city: City) -> None:
    # D1: one 满意 and one 基本满意 → (1 + 0.8·1) ÷ 2 = 90 % with the default formula
    # (satisfied ÷ rated would say 50 %).
    for level in ("satisfied", "basically"):
        a = city.register()
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
        city.act("handler_d1", a["id"], "sign")
        city.act("handler_d1", a["id"], "reply", text="已处理", claim="solved")
        city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
                 satisfaction=level)
    c = city.client
    _login(c, "analyst")
    page = c.get("/staff/dashboard").text
    row = re.search(r'<th scope="row">东城区</th>(.*?)</tr>', page, re.S)
    assert row, page
    # … on the 2 follow-ups it stands on
    assert ('<td data-rated="2" data-label="满意率">90% <span class="muted">(2)</span></td>'
            in row.group(1))


def test_the_category_buckets_of_ours_are_translated_and_the_citys_names_are_not(
        city: City) -> None:
    city.register()  # no category: counted as 未分类
    c = city.client
    _login(c, "analyst")
    english = c.get("/staff/dashboard?lang=en").text
    assert "Uncategorised" in english and "未分类" not in english
    assert "Uncategorised" in c.get("/stats").text  # the public chart, still in English
    chinese = c.get("/staff/dashboard?lang=zh").text
    assert "未分类" in chinese and "Uncategorised" not in chinese
    assert stats.category_label("en", stats.OTHER) == "Other"
    assert stats.category_label("en", "城乡建设") == "城乡建设"


def _flagged_city(city: City) -> dict[str, int]:
    """Open appeals waiting in each dispatcher and supervisor tab, and closed ones that still
    carry old warnings (which no tab counts). Returns what each tab should count."""
    from jiesu.jobs.sweeper import sweep_deadlines

    ids = []
    for _ in range(5):
        a = city.register()
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
        city.act("handler_d1", a["id"], "sign")
        ids.append(a["id"])
    city.act("handler_d1", ids[0], "request_return", reason="不属于本区")
    city.act("handler_d1", ids[1], "request_return", reason="不属于本区")
    city.act("handler_d1", ids[2], "request_extension", days=3, reason="需协调")
    city.register()  # waits in the queue
    due = datetime.fromisoformat(city.act("handler_d1", ids[3], "contact")["deadlines"]["handle"])
    sweep_deadlines(city.runtime, due + timedelta(minutes=1))  # every handling clock: red
    # a closed one keeps its red handling warning but waits in no tab
    city.act("handler_d1", ids[4], "reply", text="已修复", claim="solved")
    city.act("followup", ids[4], "follow_up", reached=True, resolved="yes",
             satisfaction="satisfied")
    return {"queue": 1, "returns": 2, "extensions": 1, "replied": 0, "red": 4, "yellow": 0,
            "overdue": 4, "followup": 0}


def test_each_waiting_tab_shows_its_count_from_one_statement(city: City) -> None:
    """The dispatcher's and supervisor's tabs say how many wait (退单申请 2), the same figures
    as their lists' totals."""
    from jiesu.web.routes import dispatcher, supervisor

    want = _flagged_city(city)
    now = utcnow() + timedelta(days=60)
    with city.runtime.db.uow(write=False) as uow:
        counts = web_queries.tab_counts(uow.session, now, web_queries.TAB_COUNTS)
        assert counts == want
        for tabs in (dispatcher.TABS, supervisor.TABS):
            for key, (_, filters, *_) in tabs.items():
                _, total, _ = queries.list_appeals(uow.session, filters, queries.Scope(), now)
                assert total == counts[key], key
    _login(city.client, "dispatcher")
    page = city.client.get("/staff/dispatch").text
    badges = dict(re.findall(r'href="\?tab=(\w+)"[^>]*>[^<]+ <span class="badge">(\d+)</span>',
                             page))
    assert badges == {"queue": "1", "returns": "2", "extensions": "1"}, badges
    _login(city.client, "supervisor")
    page = city.client.get("/staff/supervision?tab=red").text
    badges = dict(re.findall(r'href="\?tab=(\w+)"[^>]*>[^<]+ <span class="badge">(\d+)</span>',
                             page))
    # red on the sweeper's clock (a minute past due); not overdue yet on the page's
    assert badges == {"red": "4"}, badges


def test_the_waiting_counts_read_the_partial_index(city: City) -> None:
    """Pending requests and warnings are counted from ix_appeals_open_flagged (only the open
    appeals that have one), not by scanning every appeal; on PostgreSQL with sequential scans
    made expensive, as the test city is small enough that a scan would win on cost."""
    _flagged_city(city)
    with city.runtime.db.uow(write=False) as uow:
        s = uow.session
        pg = s.get_bind().dialect.name == "postgresql"
        if pg:
            s.execute(text("SET LOCAL enable_seqscan = off"))
        stmt = web_queries.tab_counts_statement(utcnow(), ["returns", "extensions", "red",
                                                           "yellow"])
        sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN " if pg else "EXPLAIN QUERY PLAN "
        plan = "\n".join(str(r[-1]) for r in s.execute(text(explain + sql)))
    assert "ix_appeals_open_flagged" in plan, plan
    assert not re.search(r"Seq Scan|SCAN appeals\b(?! USING)", plan), plan


def test_the_overdue_count_and_list_read_the_handling_index(city: City) -> None:
    """超期诉求 (in handling, past the deadline) is counted on every supervisor tab and listed
    on its own from ix_appeals_handling_due (0027: the appeals in handling by deadline), not
    by walking a whole unit index (100 ms at a million appeals). The statuses are written out
    so that SQLite matches the partial index too: in a city this small it may prefer another
    index, but told to use this one (INDEXED BY) it finds a plan, which it refuses for a
    partial index whose predicate the query does not imply."""
    _flagged_city(city)
    later = utcnow() + timedelta(days=60)  # every handling clock has run out
    with city.runtime.db.uow(write=False) as uow:
        s = uow.session
        pg = s.get_bind().dialect.name == "postgresql"
        if pg:
            s.execute(text("SET LOCAL enable_seqscan = off"))
        count = web_queries.tab_counts_statement(later, ["overdue"])
        listing = (queries.filtered(s, queries.AppealFilters(overdue=True), queries.Scope(),
                                    later).order_by(*queries.ORDERS["due"]).limit(20))
        assert s.execute(count).scalar_one() == 4
        assert len(s.scalars(listing).all()) == 4
        explain = "EXPLAIN " if pg else "EXPLAIN QUERY PLAN "
        for stmt in (count, listing):
            sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
            if not pg:
                sql = sql.replace("FROM appeals", "FROM appeals INDEXED BY ix_appeals_handling_due")
            plan = "\n".join(str(r[-1]) for r in s.execute(text(explain + sql)))
            assert "ix_appeals_handling_due" in plan, plan
