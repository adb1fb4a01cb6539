"""Public pages (公众 / 诉求人): home, submit an appeal, the disclosure board, open statistics."""

from __future__ import annotations

import csv
import io
import logging
import re
import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from jiesu.domain.appeal import Actor, Role, callable_phone
from jiesu.domain.errors import DomainError, InvalidArguments, NotFound, TooManyAttempts
from jiesu.domain.kpi import PUBLISHED_PLACES, RANKING_GROUPS, Period, month, parse_period
from jiesu.services import reporting as rep
from jiesu.services.appeals import NewAppeal
from jiesu.services.clock import utcnow
from jiesu.store import queries, web_queries
from jiesu.web import core, feedback, i18n, stats, uploads
from jiesu.web.core import FormDep
from jiesu.web.disclosure import found_by, public_appeal

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

PUBLIC_KINDS = ("complaint", "help", "consult", "suggestion", "report", "praise")
PER_PAGE = 20
SUBMIT_KEY_PREFIX = "public-submit:"  # the public form's idempotency keys (_submit_key)
MONTH = re.compile(r"^\d{4}-\d{2}$")
SEARCH_CAP = 200  # a board search reads at most this many appeals, the newest first (each
# redacted to be matched: 0.3 ms an appeal)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    rt = core.runtime_of(request)
    now = utcnow()
    figures = stats.cached_headline(rt, now)
    with core.reading(rt) as uow:
        rows, _, _ = web_queries.public_page(uow.session, queries.AppealFilters(), now, page=1,
                                             per_page=5,
                                             published=rt.settings.published_statuses)
        latest = _public_items(uow.session, rows)
    return core.render(request, "public/home.html", {"figures": figures, "latest": latest})


def _public_items(session: Any, rows: list[Any]) -> list[Any]:
    names = queries.unit_names(session, {r.lead_unit_id for r in rows})
    cats = web_queries.category_names(session) if rows else {}
    return [public_appeal(r, names.get(r.lead_unit_id), cats.get(r.category or "")) for r in rows]


# --- submit ---------------------------------------------------------------------------------


def _submit_page(request: Request, values: dict[str, Any], error: str | None = None,
                 field: str | None = None, status_code: int = 200,
                 photo: dict[str, Any] | None = None, lost: str | None = None) -> HTMLResponse:
    categories, branches = core.form_categories(core.runtime_of(request), error)
    lang = core.lang_of(request)
    kinds = [(k, i18n.label(lang, "kind", k)) for k in PUBLIC_KINDS]
    # The idempotency key of this page's form, written by the server (the form works without
    # JavaScript): a retry after a timeout, or a double tap, sends the same form again and is
    # answered with the appeal the first one registered. A page rendered again (refused) has
    # a new one: what the first try sent registered nothing.
    return core.render(request, "public/submit.html", {
        "values": values, "error": error, "error_field": field, "kinds": kinds,
        "categories": categories, "branches": branches, "held_photo": photo,
        "lost_photo": lost, "idempotency_key": secrets.token_urlsafe(18)},
        status_code=status_code)


def _submit_key(form: Any) -> str | None:
    """The key the public form sent, in a space of its own: a form cannot name a key an API
    client or an operator's form used (and so be answered with, and let track, their appeal)."""
    key = core.text(form, "idempotency_key")[:64]
    return f"{SUBMIT_KEY_PREFIX}{key}" if key else None


@router.get("/submit", response_class=HTMLResponse)
def submit_form(request: Request) -> HTMLResponse:
    # from the enterprise's policy page: the appeal is raised in the enterprise's name
    code = (request.query_params.get("uscc") or "").strip()[:40]
    return _submit_page(request, {"kind": "complaint", "enterprise_code": code})


@router.post("/submit", response_class=HTMLResponse, response_model=None)
def submit(request: Request, form: FormDep) -> Response:
    rt = core.runtime_of(request)
    values = {k: core.text(form, k) for k in ("kind", "title", "content", "address",
                                              "requester_name", "requester_phone", "category",
                                              "enterprise_code")}
    confidential = core.text(form, "confidential") == "on"
    phone = values["requester_phone"]
    held = uploads.held_photo(rt.settings, request.session, "submit",
                              core.text(form, "keep_photo") == "on")
    photo = held
    try:
        if not callable_phone(phone):
            raise InvalidArguments("请填写正确的手机号码，用于查询进度和回访",
                                   field="requester_phone")
        if values["kind"] not in PUBLIC_KINDS:
            raise InvalidArguments("请选择诉求类型", field="kind")
        address = request.client.host if request.client else ""
        now = utcnow()
        key = _submit_key(form)
        try:
            rt.submission_limit.check(phone, address, now)  # against flooding; before the photo
        except TooManyAttempts:
            # the form sent again after the try that used up the limit: that one registered
            if (first := rt.appeals.registered_with(key)) is None:
                raise
            _remember(request, first.code)
            return core.redirect(f"/track/{first.code}?new=1")
        photo = uploads.save_photo(rt.settings, form.get("photo")) or held
        mobile = "mobile" in request.headers.get("user-agent", "").lower()
        data = NewAppeal(
            kind=values["kind"], content=values["content"], title=values["title"],
            channel="mobile" if mobile else "web", category=values["category"] or None,
            requester_name=values["requester_name"] or None, requester_phone=phone,
            address=values["address"] or None, confidential=confidential,
            extra={"attachments": [photo]} if photo else {},
            # 涉企诉求: raised in an enterprise's name (its own limits, its liaison)
            requester_type="enterprise" if values["enterprise_code"] else "resident",
            enterprise_code=values["enterprise_code"][:40] or None,
        )
        result = rt.appeals.register(Actor(role=Role.REQUESTER, phone=phone), data, now,
                                     idempotency_key=key)
    except DomainError as exc:
        field = core.error_field(exc)
        lost = uploads.refused(request.session, "submit", form.get("photo"), photo, held,
                               field)
        return _submit_page(request, {**values, "confidential": confidential},
                            core.refusal_message(exc), field, status_code=exc.http_status,
                            photo=photo, lost=lost)
    if not result.created and photo is not held:
        # sent again: the first try's copy of the photo is the appeal's, this one nobody's
        uploads.discard(rt.settings, photo)
    uploads.hold(request.session, "submit", None)
    try:
        if result.created:  # a form sent again is not another appeal
            rt.submission_limit.record(phone, address, now)
    except DomainError as exc:  # the appeal is registered: a missed count must not hide that
        log.warning("a public submission could not be counted: %s", exc.message)
    _remember(request, result.code)
    return core.redirect(f"/track/{result.code}?new=1")


def _remember(request: Request, code: str) -> None:
    """The requester proved who they are (submitted, or code + phone): let them see it."""
    tracked = [c for c in request.session.get("tracked", []) if c != code]
    request.session["tracked"] = (tracked + [code])[-20:]


# --- disclosure board -----------------------------------------------------------------------


@router.get("/board", response_class=HTMLResponse)
def board(request: Request) -> HTMLResponse:
    rt = core.runtime_of(request)
    page = core.page_number(request)
    q = (request.query_params.get("q") or "").strip()[:50]
    status = request.query_params.get("status") or ""
    published = rt.settings.published_statuses
    # the status filter offers only what the board may show, in the life cycle's order
    statuses = [s for s in queries.OPEN + ("closed",) if s in published]
    status = status if status in statuses else ""  # another is ignored, and not echoed
    f = queries.AppealFilters(text=q or None, status=[status] if status else None)
    now = utcnow()
    with core.reading(rt) as uow:
        rows, total, capped, more = _board_page(uow.session, f, q, now, page, published)
        last = max(1, -(-total // PER_PAGE))
        if page > last and not capped:  # an old link past the end: show the last page
            page = last
            rows, total, capped, more = _board_page(uow.session, f, q, now, page, published)
        items = _public_items(uow.session, rows)
    return core.render(request, "public/board.html", {
        "items": items, **core.page_of(rows, total, capped, page, PER_PAGE), "more": more,
        "q": q, "status": status,
        "statuses": statuses})


def _board_page(session: Any, f: queries.AppealFilters, q: str, now: datetime,
                page: int, published: frozenset[str]) -> tuple[list[Any], int, bool, bool]:
    """One page of the board: its rows, their (capped) total, whether the total is capped, and
    for a search whether more appeals than it read may match."""
    if not q:
        rows, total, capped = web_queries.public_page(session, f, now, page=page,
                                                      per_page=PER_PAGE, published=published)
        return rows, total, capped, False
    # The database finds `q` in the stored text; of the newest SEARCH_CAP it found, the board
    # lists those whose published (redacted) text says it too: a name or phone typed in would
    # otherwise tell anyone what that person asked for. The pages end where these hits do.
    found = web_queries.public_matches(session, f, now, limit=SEARCH_CAP + 1,
                                       published=published)
    hits = [row for row in found[:SEARCH_CAP] if found_by(row, q)]
    start = (page - 1) * PER_PAGE
    return hits[start:start + PER_PAGE], len(hits), False, len(found) > SEARCH_CAP


@router.get("/board/{code}", response_class=HTMLResponse)
def board_item(request: Request, code: str) -> HTMLResponse:
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        row = web_queries.public_by_code(uow.session, code[:32], rt.settings.published_statuses)
        if row is None:
            raise NotFound("该诉求不存在或不予公示")
        names = queries.unit_names(uow.session, {row.lead_unit_id})
        cats = web_queries.category_names(uow.session)
        # 好差评: the requester's stars (not their comment), unless excluded on 申诉
        rating = web_queries.appeal_rating(uow.session, row.id)
        item = public_appeal(row, names.get(row.lead_unit_id or 0), cats.get(row.category or ""),
                             queries.events_of(uow.session, row.id), rated=rating is not None)
    # a bad rating's published rectification (整改公示): the page showed the 非常不满意 and
    # never what the unit did about it
    rectified = feedback.service(rt).published_for_appeal(row.id) if rating else []
    return core.render(request, "public/board_item.html", {"item": item, "rating": rating,
                                                            "rectified": rectified})


# --- open statistics ------------------------------------------------------------------------


@router.get("/stats", response_class=HTMLResponse)
def open_stats(request: Request) -> HTMLResponse:
    rt = core.runtime_of(request)
    now = utcnow()
    data = stats.cached_open_statistics(rt, now)
    lang = core.lang_of(request)
    # the bars' figures as tables too: for screen readers, and legible on a phone
    tables = {"kinds": [(i18n.label(lang, "kind", k), n) for k, n in data.kinds],
              "categories": [(stats.category_label(lang, c), n) for c, n in data.categories]}
    return core.render(request, "public/stats.html", {
        "data": data, "charts": stats.open_charts(data, lang), "tables": tables})


RANKING_MONTHS = 12  # the month picker of the public ranking: the last months that ended
AREA_GROUPS = ("district", "street")  # ranking groups that are areas, with 万人诉求比


@router.get("/stats/rankings", response_class=HTMLResponse)
def open_rankings(request: Request) -> HTMLResponse:
    """排名公开: a group's units ranked for a month that has ended, with the composite and the
    three rates, as the 通报 gives them (DESIGN §7: rankings are open statistics)."""
    rt = core.runtime_of(request)
    now = utcnow()
    ended = month(*_this_month(rt, now)).previous()
    months = [ended]
    while len(months) < RANKING_MONTHS:
        months.append(months[-1].previous())
    period, group = _ranking_query(request, ended.label)
    ctx: dict[str, Any] = {"period": period, "group": group, "rows": None, "error": None,
                           "intensity": None,
                           "months": [m.label for m in months], "groups": RANKING_GROUPS,
                           "pct": rep.pct, "points": rep.points}
    try:
        svc = rep.ReportingService(rt.db, rt.rules, rt.settings, figures=rt.figures)
        p = _ranking_period(period)
        ctx["rows"] = svc.public_ranking(p, group, now)
        if group in AREA_GROUPS:  # areas with residents: 万人诉求比 too, the lowest first
            rows = svc.intensity(p, group, now=now).rows
            ctx["intensity"] = sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.code))
    except InvalidArguments as exc:
        ctx["error"] = exc.message
        return core.render(request, "public/rankings.html", ctx, status_code=422)
    return core.render(request, "public/rankings.html", ctx)


def _ranking_query(request: Request, default_period: str) -> tuple[str, str]:
    q = request.query_params
    return ((q.get("period") or "").strip()[:7] or default_period,
            (q.get("group") or "").strip()[:20] or "district")


def _ranking_period(period: str) -> Period:
    if not MONTH.match(period):
        raise InvalidArguments("月份应为 YYYY-MM 格式，例如 2026-11", field="period")
    return parse_period(period)


# the columns of /stats/rankings.csv and the keys of /stats/rankings.json, with their names
RANKING_COLUMNS = (("rank", "排名"), ("unit_code", "单位编码"), ("unit_name", "单位"),
                   ("composite", "综合得分"), ("response_rate", "响应率"),
                   ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"))


def _ranking_data(request: Request) -> tuple[str, str, list[dict[str, Any]]]:
    """The month, group and rows of the public ranking asked for (rates as fractions)."""
    rt = core.runtime_of(request)
    now = utcnow()
    period, group = _ranking_query(request, month(*_this_month(rt, now)).previous().label)
    svc = rep.ReportingService(rt.db, rt.rules, rt.settings, figures=rt.figures)
    rows = svc.public_ranking(_ranking_period(period), group, now)

    def rate(value: float | None, digits: int = 4) -> float | None:
        return None if value is None else round(value, digits)

    return period, group, [
        {"rank": r.rank, "unit_code": r.code, "unit_name": r.name,
         "composite": rate(r.rates.composite, PUBLISHED_PLACES),
         "response_rate": rate(r.rates.response_rate),
         "resolution_rate": rate(r.rates.resolution_rate),
         "satisfaction_rate": rate(r.rates.satisfaction_rate)} for r in rows]


@router.get("/stats/rankings.json")
def open_rankings_json(request: Request) -> JSONResponse:
    """The public ranking as JSON: rates are fractions, the composite points; null: no data."""
    period, group, rows = _ranking_data(request)
    return JSONResponse({"period": period, "group": group, "group_name": RANKING_GROUPS[group],
                         "rows": rows})


@router.get("/stats/rankings.csv")
def open_rankings_csv(request: Request) -> Response:
    """The public ranking as CSV, headed as /stats.csv is (the reader's language, or the JSON's
    keys with ?header=code); the figures as the page gives them (78.00, 60.00%)."""
    period, group, rows = _ranking_data(request)
    lang = core.lang_of(request)
    by_code = request.query_params.get("header") == "code"
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([key if by_code else i18n.gettext(lang, name)
                     for key, name in RANKING_COLUMNS])
    for row in rows:
        writer.writerow([
            "" if row[key] is None
            else f"{row[key] * 100:.2f}%" if key.endswith("_rate")
            else f"{row[key]:.2f}" if key == "composite" else row[key]
            for key, _ in RANKING_COLUMNS])
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="jiesu-ranking-{period}-{group}.csv"'})


def _this_month(rt: Any, now: datetime) -> tuple[int, int]:
    today = now.astimezone(rt.settings.tz).date()
    return today.year, today.month


def _open_rows(request: Request) -> list[dict[str, Any]]:
    rt = core.runtime_of(request)
    data = stats.cached_open_statistics(rt, utcnow())
    return [{"date": d, "received": r, "closed": c}
            for d, r, c in zip(data.days, data.received, data.closed, strict=True)]


@router.get("/stats.json")
def open_stats_json(request: Request) -> JSONResponse:
    """What the /stats page shows: the days it covers, its three figures, received and closed
    per day, and the kinds and categories of its bar charts (names in Chinese, as on the
    page; kinds also by code)."""
    rt = core.runtime_of(request)
    data = stats.cached_open_statistics(rt, utcnow())
    h = data.headline
    return JSONResponse({
        "from": data.days[0], "to": data.days[-1],
        "received": h.received, "closed": h.closed,
        "satisfaction_rate": None if h.satisfaction is None else round(h.satisfaction, 4),
        "daily": _open_rows(request),
        "kinds": [{"kind": k, "name": i18n.label("zh", "kind", k), "received": n}
                  for k, n in data.kinds],
        "categories": [{"name": c, "received": n} for c, n in data.categories]})


# The columns of /stats.csv: the key of each, which `?header=code` writes as the header (the
# names /stats.json uses, for scripts), and its name for a person, in the page's language.
DAILY_COLUMNS = (("date", "日期"), ("received", "受理量"), ("closed", "办结量"))


@router.get("/stats.csv")
def open_stats_csv(request: Request) -> Response:
    """The days of /stats, headed as a resident reads them (日期, 受理量, 办结量; English on
    English pages), or by the JSON's keys with `?header=code`."""
    lang = core.lang_of(request)
    by_code = request.query_params.get("header") == "code"
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([key if by_code else i18n.gettext(lang, name) for key, name in DAILY_COLUMNS])
    writer.writerows([row[key] for key, _ in DAILY_COLUMNS] for row in _open_rows(request))
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="jiesu-daily.csv"'})

