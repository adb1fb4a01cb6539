"""Figures for the home page, open statistics and the analyst dashboard (aggregates in SQL)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from jiesu.domain import kpi
from jiesu.domain.kpi import KpiCounts, KpiFormula
from jiesu.runtime import Runtime
from jiesu.services import kept
from jiesu.store import lookups, web_queries
from jiesu.store.web_queries import ReadSession as Session
from jiesu.web import charts, i18n


def formula(session: Session) -> KpiFormula:
    """The KPI formula in force (its 基本满意 weight is what every satisfaction rate uses)."""
    current = lookups.current_kpi_formula(session)
    return KpiFormula.from_settings(*current) if current else KpiFormula()


OTHER, UNCATEGORISED = "其他", "未分类"  # buckets of ours among the category names


def rollup(counter: Counter[str], limit: int) -> list[tuple[str, int]]:
    """The `limit` largest entries and the rest summed as 其他."""
    items = counter.most_common()
    head, tail = items[:limit], items[limit:]
    if tail:
        head.append((OTHER, sum(n for _, n in tail)))
    return head


def category_label(lang: str, name: str) -> str:
    """A category's name as the city wrote it; our own buckets in the page's language."""
    return i18n.gettext(lang, name) if name in (OTHER, UNCATEGORISED) else name


def merge_counts(*counters: Counter[str]) -> dict[str, list[int]]:
    keys: dict[str, list[int]] = defaultdict(lambda: [0] * len(counters))
    for i, c in enumerate(counters):
        for k, n in c.items():
            keys[k][i] = n
    return dict(keys)


WINDOW_DAYS = 30  # the "近30天" of the home page, /stats, /stats.json and the dashboard


@dataclass(frozen=True)
class RecentDays:
    """The one window of every "last 30 days" figure: the last `WINDOW_DAYS` calendar days in
    the city's time zone, today included, from the first one's midnight up to now. Local
    days, not 30 × 24 hours: the daily chart, the totals and the KPI report over the same
    dates (`first..last`) then count the same appeals."""

    days: tuple[date, ...]
    since: datetime  # the first day's local midnight
    now: datetime

    @property
    def first(self) -> date:
        return self.days[0]


def recent_days(now: datetime, tz: ZoneInfo, n: int = WINDOW_DAYS) -> RecentDays:
    """The window of the figures computed at `now` (see `RecentDays`)."""
    days = tuple(last_days(now, tz, n))
    return RecentDays(days, web_queries.day_start(days[0], tz), now)


@dataclass
class Headline:
    received: int
    closed: int
    satisfaction: float | None
    first_day: date  # the window's first local day (the pages name it)


def headline(session: Session, window: RecentDays) -> Headline:
    """Received, closed and the KPI's 满意率 over `window`."""
    f = formula(session)
    since, now = window.since, window.now
    return Headline(
        received=web_queries.received_since(session, since),
        closed=web_queries.closed_since(session, since),
        satisfaction=kpi.satisfaction_rate(web_queries.satisfaction(session, f, since, now), f),
        first_day=window.first,
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


def open_statistics(session: Session, tz: ZoneInfo, now: datetime) -> OpenStatistics:
    window = recent_days(now, tz)
    dates = list(window.days)
    since = window.since
    received = web_queries.daily_received(session, dates, tz)
    closed = web_queries.daily_closed(session, dates, tz)
    kinds = web_queries.kinds_since(session, since)
    names = web_queries.category_names(session)
    cats = web_queries.top_categories(session, since, level=1)
    named = {names.get(k, UNCATEGORISED) if k else UNCATEGORISED: n for k, n in cats.items()}
    return OpenStatistics(
        days=[d.isoformat() for d in dates], received=received, closed=closed,
        kinds=kinds.most_common(), categories=rollup(Counter(named), 8),
        headline=headline(session, window))


def open_charts(data: OpenStatistics, lang: str) -> dict[str, Markup]:
    def _(s: str) -> str:
        return i18n.gettext(lang, s)

    return {
        "daily": charts.line_chart([d[5:] for d in data.days],
                                   [(_("受理"), data.received), (_("办结"), data.closed)],
                                   title=_("每日受理量")),
        "kinds": charts.bar_chart([(i18n.label(lang, "kind", k), n) for k, n in data.kinds],
                                  title=_("类型分布"), empty=_("近30天暂无诉求")),
        "categories": charts.bar_chart([(category_label(lang, c), n) for c, n in data.categories],
                                       title=_("分类分布"), empty=_("近30天暂无诉求")),
    }


TREND_DAYS = 7


@dataclass(frozen=True)
class TrendWeeks:
    """The category trend's two weeks, local calendar days as every other figure of the
    dashboard (`recent_days`), not 7 × 24 hours back from now: this week is the last 7 days,
    today included, from its first day's midnight; the week before, the 7 days before it."""

    this_first: date
    this_last: date
    before_first: date
    before_last: date
    since: datetime  # the week before's first midnight
    split: datetime  # this week's first midnight


def trend_weeks(now: datetime, tz: ZoneInfo) -> TrendWeeks:
    """The two weeks the dashboard's category trend compares at `now` (see `TrendWeeks`)."""
    week = recent_days(now, tz, TREND_DAYS)
    before_first = week.first - timedelta(days=TREND_DAYS)
    return TrendWeeks(this_first=week.first, this_last=week.days[-1],
                      before_first=before_first, before_last=week.first - timedelta(days=1),
                      since=web_queries.day_start(before_first, tz), split=week.since)


@dataclass
class Dashboard:
    stats: OpenStatistics
    open_now: int
    overdue: int
    red: int
    yellow: int
    units: list[web_queries.UnitLine]
    trend: list[tuple[str, int, int]]  # category, last 7 days, the 7 before
    trend_weeks: TrendWeeks
    # the KPI's counts (closed in the 30 days, follow-up reached), as the 通报 counts a month
    satisfaction: KpiCounts
    formula: KpiFormula  # the one in force: its 基本满意 weight makes every rate here


def dashboard(session: Session, tz: ZoneInfo, now: datetime) -> Dashboard:
    data = open_statistics(session, tz, now)
    since = recent_days(now, tz).since
    weeks = trend_weeks(now, tz)
    names = web_queries.category_names(session)
    this_week = web_queries.top_categories(session, weeks.split, level=2)
    last_week = web_queries.top_categories(session, weeks.since, level=2, until=weeks.split)
    merged = merge_counts(this_week, last_week)
    trend = sorted(((names.get(k, UNCATEGORISED) if k else UNCATEGORISED, a, b)
                    for k, (a, b) in merged.items()), key=lambda t: (-(t[1] - t[2]), -t[1]))
    overdue, red, yellow = web_queries.handling_counts(session, now)
    f = formula(session)
    return Dashboard(
        stats=data,
        open_now=web_queries.open_count(session),
        overdue=overdue,
        red=red,
        yellow=yellow,
        units=web_queries.unit_table(session, f, since, now),
        trend=trend[:12],
        trend_weeks=weeks,
        satisfaction=web_queries.satisfaction(session, f, since, now),
        formula=f,
    )


# The dashboard and the public figures aggregate a month of appeals (1–5 s of SQL at a million
# appeals): each process computes each of them at most once a minute and other requests render
# the kept copy (`jiesu.services.kept`, one store per runtime, shared with the API).
FIGURES_TTL = kept.FIGURES_TTL
DASHBOARD_TTL = FIGURES_TTL


def remembered(rt: Runtime, key: str, now: datetime, compute: Callable[[], Any], *,
               asked: Hashable = None) -> Any:
    """`compute()`, kept under `key` and `asked` (what the value answers, e.g. the period)
    for FIGURES_TTL per process (`Runtime.figures`)."""
    return rt.figures.get((key, asked), now, compute)


def _kept(rt: Runtime, key: str, now: datetime, compute: Callable[[Session], Any]) -> Any:
    def read() -> Any:
        with rt.db.uow(write=False) as uow:
            return compute(uow.session)

    return remembered(rt, key, now, read)


def cached_dashboard(rt: Runtime, now: datetime) -> Dashboard:
    """`dashboard`, computed at most once per FIGURES_TTL per process (kept in `rt.extras`)."""
    value: Dashboard = _kept(rt, "dashboard", now,
                             lambda s: dashboard(s, rt.settings.tz, now))
    return value


def cached_headline(rt: Runtime, now: datetime) -> Headline:
    """The home page's 30-day figures, computed at most once per FIGURES_TTL per process."""
    window = recent_days(now, rt.settings.tz)
    value: Headline = _kept(rt, "headline", now, lambda s: headline(s, window))
    return value


def cached_open_statistics(rt: Runtime, now: datetime) -> OpenStatistics:
    """`open_statistics` (the /stats pages), computed at most once per FIGURES_TTL per process."""
    value: OpenStatistics = _kept(rt, "open_statistics", now,
                                  lambda s: open_statistics(s, rt.settings.tz, now))
    return value


def dashboard_charts(d: Dashboard, lang: str) -> dict[str, Markup]:
    out = open_charts(d.stats, lang)
    c = d.satisfaction
    rated = [(i18n.label(lang, "satisfaction", k), n) for k, n in (
        ("satisfied", c.satisfied), ("basically", c.basically_satisfied),
        ("dissatisfied", c.dissatisfied))]
    out["satisfaction"] = charts.bar_chart(
        rated if any(n for _, n in rated) else [], title=i18n.gettext(lang, "满意度"),
        empty=i18n.gettext(lang, "近30天暂无回访满意度"))
    return out
