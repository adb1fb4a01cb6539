"""差评整改: the rated unit's rectifications (整改报告) and bad ratings (差评申诉); the
supervisor's board of every unit (待整改, 待回访, 待公示, 已公示, 评价申诉); and the public
整改公示 of published results, redacted like the disclosure board.

Who may take which step is decided by `jiesu.services.feedback` (its role sets); the page only
offers the forms those sets allow, and the service checks again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain import rating as rules_rating
from jiesu.domain.appeal import UNIT_SCOPED_ROLES, Role
from jiesu.domain.errors import DomainError, InvalidArguments, NotFound, PermissionDenied
from jiesu.services import feedback as fb
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.store import web_queries
from jiesu.web import core, feedback
from jiesu.web.core import FormDep

router = APIRouter(include_in_schema=False)
PAGE = "/staff/rectifications"
ROLES = UNIT_SCOPED_ROLES | {Role.SUPERVISOR, Role.ADMIN, Role.FOLLOWUP_AGENT}
PER_PAGE = 20
PUBLIC_PER_PAGE = 10

# (label, rectification statuses listed; None: the tab lists ratings or rating appeals)
UNIT_TABS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "rect": ("本单位整改", ()), "ratings": ("差评申诉", None)}
BOARD_TABS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "open": ("待整改", ("open",)), "reported": ("待回访", ("reported",)),
    "verified": ("待公示", ("verified",)), "published": ("已公示", ("published",)),
    "appeals": ("评价申诉", None)}
# the figure on each tab: what waits there
TAB_COUNTS = {"rect": "open", "open": "open", "reported": "reported", "verified": "verified",
              "appeals": "pending_appeals"}
FIRST_TAB = {Role.FOLLOWUP_AGENT: "reported"}  # the step a follow-up agent takes


def _tabs(user: CurrentUser) -> dict[str, tuple[str, tuple[str, ...] | None]]:
    if user.role in UNIT_SCOPED_ROLES:
        return UNIT_TABS
    if user.role in fb.RATING_APPEAL_READERS:
        return BOARD_TABS
    return {k: v for k, v in BOARD_TABS.items() if k != "appeals"}


def _unit_param(request: Request) -> int | None:
    raw = request.query_params.get("unit", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _may(user: CurrentUser) -> dict[str, bool]:
    """The steps this user may take, as the service decides them."""
    role = user.role
    return {"report": role in fb.UNIT_ACTORS, "appeal": role in fb.UNIT_ACTORS,
            "follow_up": role in fb.RECTIFICATION_FOLLOWERS, "publish": role in fb.REVIEWERS,
            "decide": role in fb.REVIEWERS}


def _overdue(line: Any, now: datetime) -> bool:
    status = rules_rating.RectificationStatus(line.status)
    return rules_rating.Rectification(status, line.due_at).overdue(now)


def _items(svc: fb.FeedbackService, user: CurrentUser, tab: str,
           statuses: tuple[str, ...] | None, unit: int | None, page: int
           ) -> tuple[list[Any], int]:
    """One page of what the tab lists: rectifications, bad ratings or rating appeals."""
    actor = user.actor()
    if statuses is not None:
        return svc.rectification_page(actor, statuses=statuses, unit_id=unit, page=page,
                                      per_page=PER_PAGE)
    if tab == "ratings":
        return svc.bad_rating_page(actor, page=page, per_page=PER_PAGE)
    return svc.rating_appeal_page(actor, unit_id=unit, page=page, per_page=PER_PAGE)


def _unit_choices(request: Request) -> list[Any]:
    """Districts, city departments and public enterprises: the units a board filters by."""
    with core.reading(core.runtime_of(request)) as uow:
        return [u for u in web_queries.units(uow.session, max_depth=1) if u.parent_id]


def _unit_shown(request: Request, unit: int | None, offered: list[Any]
                ) -> tuple[int, str] | None:
    """The unit filtered by as (id, full name) when the board's select (districts,
    departments) does not offer it: a street's id in the address filtered by the street while
    the select showed 全部单位. An id that names no unit is refused."""
    if unit is None or any(u.id == unit for u in offered):
        return None
    with core.reading(core.runtime_of(request)) as uow:
        name = web_queries.filter_unit_name(uow.session, unit)
    if name is None:
        raise InvalidArguments(web_queries.unknown_unit(unit))
    return unit, name


@router.get(PAGE, response_class=HTMLResponse)
def rectifications(request: Request) -> HTMLResponse:
    user = core.require(request, ROLES)
    svc = feedback.service(core.runtime_of(request))
    tabs = _tabs(user)
    first = FIRST_TAB.get(user.role, next(iter(tabs)))
    tab = request.query_params.get("tab", first)
    tab = tab if tab in tabs else first
    board = tabs is not UNIT_TABS
    unit = _unit_param(request) if board else None
    page = core.page_number(request)
    statuses = tabs[tab][1]
    units = _unit_choices(request) if board else []
    unit_shown = _unit_shown(request, unit, units)
    items, total = _items(svc, user, tab, statuses, unit, page)
    counts = svc.feedback_counts(user.actor(), unit)
    now = utcnow()
    query = f"tab={tab}" + (f"&unit={unit}" if unit else "")
    return core.render(request, "staff/rectifications.html", {
        "items": items, "total": total, "capped": False, "page": page, "per_page": PER_PAGE,
        "tab": tab, "tabs": [(k, v[0]) for k, v in tabs.items()],
        "counts": {k: counts.get(v, 0) for k, v in TAB_COUNTS.items()},
        "tab_query": f"&unit={unit}" if unit else "", "query_base": query,
        "units": units, "unit": unit,
        "unit_shown": unit_shown, "may": _may(user),
        "overdue": {r.id for r in items if statuses is not None and _overdue(r, now)},
        "back": f"{PAGE}?{query}" + (f"&page={page}" if page > 1 else "")})


def _back(form: dict[str, Any]) -> str:
    back = core.text(form, "back")
    return back if back.startswith(PAGE) and "//" not in back else PAGE


def _step(request: Request, form: dict[str, Any], do: Callable[[], str]) -> Response:
    """Take one step (`do` returns what to tell the user); a mistake comes back as a message
    on the list. A record of another unit (or one that does not exist) is refused with the
    error page instead, as an appeal out of reach is."""
    try:
        core.flash(request, do())
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        core.flash(request, exc.message, "error")
    return core.redirect(_back(form))


@router.post(PAGE + "/{rect_id}/report", response_model=None)
def report(request: Request, rect_id: int, form: FormDep) -> Response:
    """整改报告: the unit says what it did."""
    user = core.require(request, ROLES)
    svc = feedback.service(core.runtime_of(request))

    def do() -> str:
        svc.report_rectification(user.actor(), rect_id, core.text(form, "report"), utcnow())
        return "已提交整改报告，等待回访"

    return _step(request, form, do)


@router.post(PAGE + "/{rect_id}/follow-up", response_model=None)
def follow_up(request: Request, rect_id: int, form: FormDep) -> Response:
    """整改回访: was the requester satisfied with it? Not satisfied: another round."""
    user = core.require(request, ROLES)
    svc = feedback.service(core.runtime_of(request))

    def do() -> str:
        answer = core.text(form, "satisfied")
        if answer not in ("yes", "no"):
            raise InvalidArguments("请选择诉求人对整改是否满意", field="satisfied")
        status = svc.follow_up_rectification(user.actor(), rect_id, answer == "yes", utcnow(),
                                             core.text(form, "note") or None)
        return ("诉求人不满意，已退回承办单位重新整改" if status == "open"
                else "已记录：诉求人对整改满意，等待公示")

    return _step(request, form, do)


@router.post(PAGE + "/{rect_id}/publish", response_model=None)
def publish(request: Request, rect_id: int, form: FormDep) -> Response:
    """整改公示: the result appears on the public page."""
    user = core.require(request, ROLES)
    svc = feedback.service(core.runtime_of(request))

    def do() -> str:
        svc.publish_rectification(user.actor(), rect_id, utcnow())
        return "整改结果已公示"

    return _step(request, form, do)


@router.post(PAGE + "/ratings/{rating_id}/appeal", response_model=None)
def appeal_rating(request: Request, rating_id: int, form: FormDep) -> Response:
    """申诉: the unit says a bad rating is malicious; a reviewer decides."""
    user = core.require(request, ROLES)
    svc = feedback.service(core.runtime_of(request))

    def do() -> str:
        svc.file_rating_appeal(user.actor(), rating_id, core.text(form, "reason"), utcnow())
        return "已提交申诉，等待审核"

    return _step(request, form, do)


@router.post(PAGE + "/rating-appeals/{appeal_id}/decide", response_model=None)
def decide(request: Request, appeal_id: int, form: FormDep) -> Response:
    """The reviewer upholds the 申诉 (the rating is excluded) or denies it, with a reason."""
    user = core.require(request, ROLES)
    svc = feedback.service(core.runtime_of(request))

    def do() -> str:
        decision = core.text(form, "uphold")
        if decision not in ("yes", "no"):
            raise InvalidArguments("请选择申诉是否成立", field="uphold")
        svc.decide_rating_appeal(user.actor(), appeal_id, decision == "yes",
                                 core.text(form, "reason"), utcnow())
        return "申诉成立，该评价已剔除" if decision == "yes" else "已驳回申诉，该评价保留"

    return _step(request, form, do)


# --- public -------------------------------------------------------------------------------


@router.get("/board/rectifications", response_class=HTMLResponse)
def published(request: Request) -> HTMLResponse:
    """整改公示: published rectification results, newest first, personal data hidden."""
    page = core.page_number(request)
    items, total = feedback.service(core.runtime_of(request)).published_page(
        page=page, per_page=PUBLIC_PER_PAGE)
    return core.render(request, "public/rectifications.html", {
        "items": items, "total": total,
        "capped": False, "page": page, "per_page": PUBLIC_PER_PAGE, "query_base": ""})
