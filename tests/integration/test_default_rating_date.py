"""The default rating (JIESU_RATING_DEFAULT_STARS) is dated at the moment the rating window
ended, not when the job ran: a job that was down over a month's end puts it into the month the
requester could no longer rate in, as a rating given then would have been. The time it was
written stays on the appeal's 'rated' event (the audit trail). SQLite and PostgreSQL.

An appeal of 东华门街道 D1S1 closed on Tuesday 24 March 2026 at 10:00 (Asia/Shanghai): its 7-day
window ends on Tuesday 31 March at 10:00, the month's last day; the job runs on 2 April.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from jiesu.domain.appeal import Role
from jiesu.domain.kpi import parse_period
from jiesu.runtime import Runtime
from jiesu.services.feedback import FeedbackService
from jiesu.services.reporting import ReportingService
from jiesu.store.feedback_tables import RatingRow
from jiesu.store.tables import EventRow, UserRow
from tests.integration.test_kpi_scenarios import NOW, Scenario, t
from tests.support.city import City


def test_a_late_run_dates_the_default_rating_when_the_window_ended(runtime: Runtime,
                                                                     city: City) -> None:
    s = Scenario(runtime, city)
    with runtime.db.uow(write=False) as uow:
        s.users = {u.username: u.id for u in uow.session.scalars(select(UserRow))}
    handler = s.actor("handler_s1", Role.HANDLER, "D1S1")
    s.new("a", "D1S1", t(3, 20))
    s.act(handler, "a", "sign", t(3, 20, 11))
    s.act(handler, "a", "reply", t(3, 23), text="已处理", claim="solved")
    s.follow("a", t(3, 24))  # closed 24 March 10:00
    ended = t(3, 31)  # + 7 days: the last day of March
    on = runtime.settings.model_copy(update={"rating_default_stars": 5})
    assert on.rating_window_days == 7
    svc = FeedbackService(runtime.db, runtime.rules, on)
    assert svc.apply_default_ratings(ended - timedelta(minutes=1)) == 0  # still open
    ran = t(4, 2)  # the job was down over the month's end
    assert svc.apply_default_ratings(ran) == 1

    with runtime.db.uow(write=False) as uow:
        rating = uow.session.scalars(select(RatingRow)).one()
        assert (rating.source, rating.stars) == ("default", 5)
        assert rating.created_at == ended
        rated = uow.session.scalars(select(EventRow).where(
            EventRow.appeal_id == s.ids["a"], EventRow.type == "rated")).one()
        assert rated.at == ran  # written then: the audit trail keeps when
        assert rated.data["rated_at"] == ended.isoformat()

    reporting = ReportingService(runtime.db, runtime.rules, runtime.settings)
    march = {r.code: r for r in reporting.kpi(parse_period("2026-03"), NOW).rows}
    april = {r.code: r for r in reporting.kpi(parse_period("2026-04"), NOW).rows}
    assert march["D1S1"].counts.ratings == 1 and march["C"].counts.ratings == 1
    assert april["D1S1"].counts.ratings == 0
    stats = {r.name: r.ratings for r in reporting.rating_stats(parse_period("2026-03"), NOW)}
    assert stats["东华门街道"] == 1
