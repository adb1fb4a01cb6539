"""Figures for the home page, open statistics and the analyst dashboard (aggregates in SQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.orm import Session

from jiesu.store.tables import AppealRow
from jiesu.web import charts, i18n, reads

SATISFIED_WEIGHT = {"satisfied": 1.0, "basically": 0.8, "dissatisfied": 0.0}  # DESIGN §5


def satisfaction_rate(counts: dict[str, int]) -> float | None:
    rated = sum(counts.values())
    if not rated:
        return None
    return sum(SATISFIED_WEIGHT.get(k, 0) * n for k, n in counts.items()) / rated


@dataclass
class Headline:
    received: int
    closed: int
    satisfaction: float | None


def headline(session: Session, now: datetime) -> Headline:
    since = now - timedelta(days=30)
    return Headline(
        received=reads.count(session, AppealRow.created_at >= since),
        closed=reads.count(session, AppealRow.closed_at >= since,
                           AppealRow.status == "closed"),
        satisfaction=satisfaction_rate(reads.satisfaction(session, since)),
    )


@dataclass
class OpenStatistics:
    days: list[str]
    received: list[int]
    closed: list[int]
    kinds: list[tuple[str, int]]
    categories: list[tuple[str, int]]
    headline: Headline
    extra: dict[str, Any] = field(default_factory=dict)


def last_days(now: datetime, tz: ZoneInfo, n: int) -> list[date]:
    today = now.astimezone(tz).date()
    return [today - timedelta(days=i) for i in range(n - 1, -1, -1)]


def open_statistics(session: Session, tz: ZoneInfo, now: datetime, days: int = 30
                    ) -> OpenStatistics:
    dates = last_days(now, tz, days)
    since = reads.day_start(dates[0], tz)
    received = reads.daily_counts(session, AppealRow.created_at, dates, tz)
    closed = reads.daily_counts(session, AppealRow.closed_at, dates, tz,
                                AppealRow.status == "closed")
    kinds = reads.grouped(session, AppealRow.kind, since)
    names = reads.category_names(session)
    cats = reads.top_categories(session, since, level=1)
    named = {names.get(k, "未分类") if k else "未分类": n for k, n in cats.items()}
    from collections import Counter

    return OpenStatistics(
        days=[d.isoformat() for d in dates], received=received, closed=closed,
        kinds=kinds.most_common(), categories=reads.rollup(Counter(named), 8),
        headline=headline(session, now))


def open_charts(data: OpenStatistics, lang: str) -> dict[str, Markup]:
    def _(s: str) -> str:
        return i18n.gettext(lang, s)

    return {
        "daily": charts.line_chart([d[5:] for d in data.days],
                                   [(_("受理"), data.received), (_("办结"), data.closed)],
                                   title=_("每日受理量")),
        "kinds": charts.bar_chart([(i18n.label(lang, "kind", k), n) for k, n in data.kinds],
                                  title=_("类型分布")),
        "categories": charts.bar_chart(data.categories, title=_("分类分布")),
    }


@dataclass
class Dashboard:
    stats: OpenStatistics
    open_now: int
    overdue: int
    red: int
    yellow: int
    units: list[reads.UnitLine]
    trend: list[tuple[str, int, int]]  # category, last 7 days, the 7 before
    satisfaction: dict[str, int]


def dashboard(session: Session, tz: ZoneInfo, now: datetime) -> Dashboard:
    data = open_statistics(session, tz, now)
    since = reads.day_start(last_days(now, tz, 30)[0], tz)
    week = now - timedelta(days=7)
    before = now - timedelta(days=14)
    names = reads.category_names(session)
    this_week = reads.top_categories(session, week, level=2)
    last_week = reads.top_categories(session, before, level=2, until=week)
    merged = reads.merge_counts(this_week, last_week)
    trend = sorted(((names.get(k, "未分类") if k else "未分类", a, b)
                    for k, (a, b) in merged.items()), key=lambda t: (-(t[1] - t[2]), -t[1]))
    return Dashboard(
        stats=data,
        open_now=reads.count(session, AppealRow.status.in_(("registered", "dispatched",
                                                            "in_progress", "replied"))),
        overdue=reads.overdue_count(session, now),
        red=reads.count(session, AppealRow.handle_warning == "red",
                        AppealRow.status.in_(("dispatched", "in_progress"))),
        yellow=reads.count(session, AppealRow.handle_warning == "yellow",
                           AppealRow.status.in_(("dispatched", "in_progress"))),
        units=reads.unit_table(session, since, now),
        trend=trend[:12],
        satisfaction=dict(reads.satisfaction(session, since)),
    )


def dashboard_charts(d: Dashboard, lang: str) -> dict[str, Markup]:
    out = open_charts(d.stats, lang)
    out["units"] = charts.bar_chart([(u.name, u.total) for u in d.units[:12]],
                                    title=i18n.gettext(lang, "各单位办理情况"))
    out["satisfaction"] = charts.bar_chart(
        [(i18n.label(lang, "satisfaction", k), d.satisfaction.get(k, 0))
         for k in ("satisfied", "basically", "dissatisfied")],
        title=i18n.gettext(lang, "满意度"))
    return out
