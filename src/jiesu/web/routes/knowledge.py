"""The knowledge base for staff (知识库): search and read (every staff role, operators above
all), write, publish and archive (admins; handlers for articles their unit subtree owns), the
待复核 list, and the hints the operator page shows while a call is typed."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.appeal import Role
from jiesu.domain.errors import InvalidArguments, PermissionDenied
from jiesu.domain.knowledge import ARTICLE_STATUS_ZH
from jiesu.runtime import Runtime
from jiesu.services.clock import utcnow
from jiesu.services.knowledge import EDITORS, STAFF, ArticleInput, ArticleView
from jiesu.store import queries, web_queries
from jiesu.web import core
from jiesu.web.core import FormDep

router = APIRouter(prefix="/staff/knowledge", include_in_schema=False)
PAGE = "/staff/knowledge"
PER_PAGE = 20
HINTS = 3
_TEXT = ("title", "answer", "owner_unit_id", "owner_unit_code", "category", "keywords",
         "review_by")
# Up to this many units the owner is a select; past it (a big city's administrator, a handler
# high in the tree) the owner's code is typed, found by name or code while it is typed.
OWNER_CHOICES = 500


@router.get("", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    """The list (latest change first), or with `q` the search hits, best first."""
    user = core.require(request, STAFF)
    rt = core.runtime_of(request)
    actor = user.actor()
    p = request.query_params
    q = (p.get("q") or "").strip()[:200]
    status = p.get("status") or ""
    status = status if status in ARTICLE_STATUS_ZH and user.role in EDITORS else ""
    due = p.get("due") == "1"
    number = core.page_number(request)
    ctx: dict[str, Any] = {"q": q, "status": status, "due": due, "page": number,
                           "per_page": PER_PAGE, "capped": False, "total": 0, "hits": None,
                           "articles": [], "may_write": user.role in EDITORS,
                           "statuses": list(ARTICLE_STATUS_ZH)}
    if q:
        ctx["hits"] = rt.knowledge.search(actor, q, k=10)
    else:
        articles, total = rt.knowledge.list_articles(
            actor, status=status or None, review_due=due, limit=PER_PAGE,
            offset=(number - 1) * PER_PAGE)
        ctx.update(articles=articles, total=total, query_base=urlencode(
            {k: v for k, v in (("status", status), ("due", "1" if due else "")) if v}))
    ctx["back"] = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    return core.render(request, "staff/knowledge.html", ctx)


@router.get("/hints", response_class=HTMLResponse)
def hints(request: Request) -> HTMLResponse:
    """Up to three published articles for the text being typed, as a fragment the operator
    page inserts (with a button that answers the call with the article)."""
    user = core.require(request, STAFF)
    q = (request.query_params.get("q") or "").strip()[:2000]
    found = core.runtime_of(request).knowledge.search(user.actor(), q, k=HINTS) if q else []
    return core.render(request, "partials/knowledge_hints.html", {"hits": found})


# --- the form ----------------------------------------------------------------------------------


def _owners(rt: Runtime, request: Request) -> tuple[list[Any] | None, list[Any]]:
    """The units that may own an article (a handler's: its unit subtree, chosen in SQL before
    any cut, not filtered out of the first units of the city), or None past OWNER_CHOICES:
    the form then takes a code."""
    user = core.require(request, EDITORS)
    with core.reading(rt) as uow:
        cats = web_queries.leaf_categories(uow.session)
        path = queries.unit_path(uow.session, user.unit_id) \
            if user.role is Role.HANDLER else None
        if user.role is Role.HANDLER and path is None:
            return [], cats
        units = web_queries.units(uow.session, under_path=path, limit=OWNER_CHOICES + 1)
    return (units if len(units) <= OWNER_CHOICES else None), cats


def _code_of(rt: Runtime, unit_id: int | None) -> str:
    with core.reading(rt) as uow:
        unit = web_queries.unit_by_id(uow.session, unit_id) if unit_id else None
        return unit.code if unit is not None else ""


def _form(request: Request, values: dict[str, Any], *, article_id: int | None,
          version: str = "", error: str | None = None, error_field: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    units, cats = _owners(core.runtime_of(request), request)
    return core.render(request, "staff/knowledge_form.html", {
        "values": values, "article_id": article_id, "version": version, "error": error,
        "error_field": error_field, "units": units, "categories": cats},
        status_code=status_code)


@router.get("/new", response_class=HTMLResponse)
def new_form(request: Request) -> HTMLResponse:
    user = core.require(request, EDITORS)
    owner = str(user.unit_id) if user.unit_id else ""
    return _form(request, {"owner_unit_id": owner,
                           "owner_unit_code": _code_of(core.runtime_of(request), user.unit_id)},
                 article_id=None)


@router.post("/new", response_model=None)
def create(request: Request, form: FormDep) -> Response:
    return _save(request, form, None)


@router.get("/{article_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, article_id: int) -> HTMLResponse:
    user = core.require(request, EDITORS)
    a = core.runtime_of(request).knowledge.article(user.actor(), article_id)
    if not a.may_edit:
        raise PermissionDenied("只能维护本单位及下级单位负责的知识库文章")
    values = {"title": a.title, "answer": a.answer, "owner_unit_id": str(a.owner_unit_id),
              "owner_unit_code": _code_of(core.runtime_of(request), a.owner_unit_id),
              "category": a.category or "", "keywords": "，".join(a.keywords),
              "review_by": a.review_by.isoformat() if a.review_by else ""}
    return _form(request, values, article_id=article_id, version=str(a.version))


@router.post("/{article_id}/edit", response_model=None)
def update(request: Request, article_id: int, form: FormDep) -> Response:
    return _save(request, form, article_id)


def _save(request: Request, form: dict[str, Any], article_id: int | None) -> Response:
    """Save the form; on an error show it again with what was typed and the message."""
    user = core.require(request, EDITORS)
    values = {k: core.text(form, k)[:10_000] for k in _TEXT}
    version = core.text(form, "version")

    def run() -> ArticleView:
        owner = values["owner_unit_id"]
        if not owner and values["owner_unit_code"].strip():  # typed: a big city's form
            code = values["owner_unit_code"].strip()
            with core.reading(core.runtime_of(request)) as uow:
                unit = web_queries.active_unit(uow.session, code)
            if unit is None:
                raise InvalidArguments(f"负责单位 {code[:30]} 不存在", field="owner_unit_id")
            owner = str(unit.id)
        if not (owner.isascii() and owner.isdigit() and len(owner) < 18):
            raise InvalidArguments("请选择负责单位", field="owner_unit_id")
        review_by = None
        if values["review_by"]:
            try:
                review_by = date.fromisoformat(values["review_by"])
            except ValueError:
                raise InvalidArguments("复核日期格式不正确", field="review_by") from None
        expected = int(version) if version.isascii() and version.isdigit() and \
            len(version) < 10 else None
        return core.runtime_of(request).knowledge.save(
            user.actor(), ArticleInput(title=values["title"], answer=values["answer"],
                                       owner_unit_id=int(owner),
                                       category=values["category"] or None,
                                       keywords=values["keywords"], review_by=review_by),
            utcnow(), article_id=article_id, expected_version=expected)

    return core.done(request, run, "已保存", lambda saved: f"{PAGE}?status={saved.status}",
                     refused=lambda exc: _form(
                         request, values, article_id=article_id, version=version,
                         error=exc.message, error_field=core.error_field(exc),
                         status_code=exc.http_status))


def _back(form: dict[str, Any]) -> str:
    back = core.text(form, "back")
    return back if back.startswith(PAGE) and "//" not in back else PAGE


@router.post("/{article_id}/publish", response_model=None)
def publish(request: Request, article_id: int, form: FormDep) -> Response:
    user = core.require(request, EDITORS)
    knowledge = core.runtime_of(request).knowledge
    return core.done(request, lambda: knowledge.publish(user.actor(), article_id, utcnow()),
                     "已发布，话务员可检索", _back(form))


@router.post("/{article_id}/archive", response_model=None)
def archive(request: Request, article_id: int, form: FormDep) -> Response:
    user = core.require(request, EDITORS)
    knowledge = core.runtime_of(request).knowledge
    return core.done(request, lambda: knowledge.archive(user.actor(), article_id, utcnow()),
                     "已归档", _back(form))
