"""What every page needs: rendering, language, sessions, CSRF, flash messages and role guards."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar, overload
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile

from jiesu.api.deps import SESSION_USER_KEY, SESSION_VERSION_KEY, session_user
from jiesu.domain.appeal import Role
from jiesu.domain.errors import DomainError, PermissionDenied, Unavailable
from jiesu.runtime import Runtime
from jiesu.services.auth import CurrentUser
from jiesu.store import web_queries
from jiesu.store.uow import UnitOfWork
from jiesu.web import i18n

log = logging.getLogger("jiesu.web")

LANG_COOKIE = "jiesu_lang"
# Every asset comes from jiesu itself; scripts only from files (no inline script).
T = TypeVar("T")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'")

# Where each staff role lands after login (its work list).
ROLE_HOME = {
    Role.OPERATOR: "/staff/operator",
    Role.DISPATCHER: "/staff/dispatch",
    Role.HANDLER: "/staff/inbox",
    Role.GRID_WORKER: "/staff/grid",
    Role.FOLLOWUP_AGENT: "/staff/followup",
    Role.SUPERVISOR: "/staff/supervision",
    Role.ANALYST: "/staff/dashboard",
    Role.ADMIN: "/staff/admin",
    Role.AUDITOR: "/staff/audit",
}

# The navigation each role sees: (url, label in Chinese; translated by the catalogue).
NAV: dict[Role, list[tuple[str, str]]] = {
    Role.OPERATOR: [("/staff/operator", "来电登记"), ("/staff/knowledge", "知识库")],
    Role.DISPATCHER: [("/staff/dispatch", "派单队列"), ("/staff/dispatch?tab=returns", "退单申请"),
                      ("/staff/dispatch?tab=extensions", "延期申请"),
                      ("/staff/dispatch?tab=replied", "答复审核"), ("/staff/hotspots", "热点预警"),
                      ("/staff/ledger", "诉求台账")],
    Role.HANDLER: [("/staff/inbox", "待办诉求"), ("/staff/rectifications", "差评整改"),
                   ("/staff/unit-kpi", "本单位考核"), ("/staff/ledger", "诉求台账"),
                   ("/staff/policies", "惠企政策"), ("/staff/knowledge", "知识库")],
    Role.GRID_WORKER: [("/staff/grid", "我的网格"), ("/staff/inbox", "待办诉求"),
                       ("/staff/rectifications", "差评整改"), ("/staff/unit-kpi", "本单位考核"),
                       ("/staff/knowledge", "知识库")],
    Role.FOLLOWUP_AGENT: [("/staff/followup", "回访队列"),
                          ("/staff/rectifications?tab=reported", "整改回访")],
    # the 通报 carries the accountability lists (超期清单, 差评清单 with the handler) a
    # supervisor follows up
    Role.SUPERVISOR: [("/staff/supervision", "督办看板"), ("/staff/rectifications", "差评整改"),
                      ("/staff/hotspots", "热点预警"), ("/reports/monthly", "月度通报"),
                      ("/staff/ledger", "诉求台账"), ("/staff/policies", "惠企政策")],
    Role.ANALYST: [("/staff/dashboard", "数据看板"), ("/reports/monthly", "月度通报"),
                   ("/staff/ledger", "诉求台账"), ("/staff/hotspots", "热点预警"),
                   ("/staff/policies", "惠企政策"), ("/staff/enterprises", "企业库")],
    Role.ADMIN: [("/staff/admin", "系统管理"), ("/staff/extensions", "延期申请"),
                 ("/staff/dashboard", "数据看板"),
                 ("/staff/ledger", "诉求台账"), ("/staff/rectifications", "差评整改"),
                 ("/staff/hotspots", "热点预警"), ("/staff/policies", "惠企政策"),
                 ("/staff/enterprises", "企业库"), ("/staff/knowledge", "知识库")],
    Role.AUDITOR: [("/staff/audit", "流转记录")],
}


class LoginRequired(Exception):
    """Raised by a page that needs a signed-in user; answered with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class CsrfFailed(DomainError):
    code = "csrf_failed"
    http_status = 403


def runtime_of(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


@contextmanager
def reading(rt: Runtime) -> Iterator[UnitOfWork]:
    """A read-only unit of work whose rows stay usable after it ends (templates read them)."""
    with rt.db.uow(write=False) as uow:
        yield uow
        uow.session.expunge_all()


def form_categories(rt: Runtime, error: str | None) -> tuple[list[Any], dict[str, str]]:
    """The leaf categories a registration form offers, and each one's branch (its ancestors'
    codes, for a suggested branch to narrow the list: partials/category_select.html). When
    the form is shown again with an error and the database is down, none: what was typed is
    still given back."""
    try:
        with reading(rt) as uow:
            return (list(web_queries.leaf_categories(uow.session)),
                    web_queries.category_branches(uow.session))
    except Unavailable:
        if error is None:
            raise
        return [], {}


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return lang if lang in i18n.LANGS else "zh"


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


HTTPS_ONLY = "本站须通过 HTTPS 访问：请改用 https:// 开头的地址打开本页，再重新提交"


def _plain_http_in_production(request: Request) -> bool:
    """A form posted over plain HTTP in production came without its session: the cookie is
    sent over HTTPS only, so reloading (what the usual message says) can never help. Behind a
    TLS proxy the scheme is https (uvicorn reads X-Forwarded-Proto from a trusted proxy)."""
    if request.url.scheme != "http" or runtime_of(request).settings.environment != "production":
        return False
    log.warning("a form was posted over plain HTTP in production, without the session cookie "
                "(sent over HTTPS only): serve the pages through a TLS proxy that sets "
                "X-Forwarded-Proto (docs/operations.md)")
    return True


async def posted_form(request: Request) -> dict[str, Any]:
    """The submitted form after checking its CSRF token (every POST form goes through here).

    Repeated fields become lists; files stay UploadFile objects.
    """
    form = await request.form()
    expected = request.session.get("csrf")
    given = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not expected or not isinstance(given, str) or not secrets.compare_digest(expected, given):
        if not expected and _plain_http_in_production(request):
            raise CsrfFailed(HTTPS_ONLY)
        raise CsrfFailed("页面已过期或来源不明，请刷新页面后重新提交")
    data: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    return data


FormDep = Annotated[dict[str, Any], Depends(posted_form)]


def text(form: dict[str, Any], name: str, default: str = "") -> str:
    value = form.get(name, default)
    if isinstance(value, list):
        value = value[-1]
    if isinstance(value, UploadFile):
        return default
    return str(value).strip()


def raw(form: dict[str, Any], name: str) -> str:
    """A field exactly as typed, not stripped (passwords: a space is part of one)."""
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1]
    return value if isinstance(value, str) else ""


def values(form: dict[str, Any], name: str) -> list[str]:
    value = form.get(name)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items if isinstance(v, str) and v.strip()]


def current_user(request: Request) -> CurrentUser | None:
    return session_user(runtime_of(request), request.session)


def sign_in(request: Request, user: CurrentUser) -> None:
    """Keep `user` signed in on this session at their current credentials version (after
    the login form, and again after they changed their own password)."""
    request.session[SESSION_USER_KEY] = user.id
    request.session[SESSION_VERSION_KEY] = user.credentials_version


# What the login page says to a page whose session a deactivation or a password change ended.
SESSION_ENDED = "登录已失效：密码已修改或账号已停用，请重新登录"


def require(request: Request, roles: Iterable[Role]) -> CurrentUser:
    """The signed-in user if their role may open this page; redirect or 403 otherwise."""
    was_signed_in = SESSION_USER_KEY in request.session
    user = current_user(request)
    if user is None:
        if was_signed_in:  # deactivated or password changed since: the login page says why
            flash(request, SESSION_ENDED, "error")
        raise LoginRequired(str(request.url.path) + (f"?{request.url.query}"
                                                      if request.url.query else ""))
    if user.role not in set(roles):
        raise PermissionDenied("您的角色无权打开此页面")
    return user


# The flash lives in the session cookie, which browsers drop past 4 KB (and then the person
# sees no message at all): a message that quotes a pasted value is cut, and two are kept.
FLASH_CHARS = 200


def flash(request: Request, message: str, kind: str = "ok") -> None:
    if len(message) > FLASH_CHARS:
        message = message[:FLASH_CHARS - 1] + "…"
    messages = list(request.session.get("flash", []))
    messages.append([kind, message])
    request.session["flash"] = messages[-2:]


# What was typed into a small form that came back with an error, kept for the page the
# redirect shows (in the session cookie, like the flash: short values only, so the cookie
# stays far below the 4 KB browsers keep).
KEPT_VALUE_CHARS = 100
KEPT_TOTAL_CHARS = 400


def keep_typed(request: Request, form_name: str, typed: dict[str, str]) -> None:
    """Keep a refused form's values for the next page (`take_typed`); long ones are dropped."""
    kept: dict[str, str] = {}
    total = 0
    for key, value in typed.items():
        if len(value) > KEPT_VALUE_CHARS or total + len(value) > KEPT_TOTAL_CHARS:
            continue
        kept[key] = value
        total += len(value)
    request.session["typed"] = {"form": form_name, "values": kept}


def take_typed(request: Request) -> dict[str, dict[str, str]]:
    """The values kept by `keep_typed`, by form name (once: they are removed)."""
    kept = request.session.pop("typed", None)
    if not isinstance(kept, dict) or not isinstance(kept.get("values"), dict):
        return {}
    return {str(kept.get("form")): {str(k): str(v) for k, v in kept["values"].items()}}


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@overload
def done(request: Request, call: Callable[[], T], message: str | Callable[[T], str], to: str,
         *, keep: tuple[str, dict[str, str]] | None = None) -> RedirectResponse: ...


@overload
def done(request: Request, call: Callable[[], T], message: str | Callable[[T], str],
         to: str | Callable[[T], str], *,
         refused: Callable[[DomainError], Response]) -> Response: ...


def done(request: Request, call: Callable[[], T], message: str | Callable[[T], str],
         to: str | Callable[[T], str], *, keep: tuple[str, dict[str, str]] | None = None,
         refused: Callable[[DomainError], Response] | None = None) -> Response:
    """A form's post-redirect-get: run `call`, flash `message` (or a function of its result)
    and go to `to`. A refusal is flashed, what was typed kept (`keep`: the form's name and its
    values, for `take_typed`), and the page is `to` again; or, with `refused`, the form's page
    is shown at once by `refused(exc)` (its status, message and typed values are its own:
    a long text or a list of problems is more than a flash or a session cookie holds), and
    `to` may then be a function of the result too."""
    try:
        result = call()
        flash(request, message(result) if callable(message) else message)
    except DomainError as exc:
        if refused is not None:
            return refused(exc)
        flash(request, exc.message, "error")
        if keep is not None:
            keep_typed(request, *keep)
        assert isinstance(to, str)  # the overloads allow a function only with `refused`
        return redirect(to)
    return redirect(to(result) if callable(to) else to)


def error_field(exc: DomainError) -> str | None:
    """The form field a refusal names (`field=` of the error), for the page to mark it."""
    field = exc.details.get("field")
    return str(field) if field else None


# A registration form sent again with the key of an earlier, different appeal (restored from
# the browser's cache and filled in for the next call): the service's words name the key, which
# the person did not choose; the page rendered again has a new one, so sending it again works.
FORM_USED_BEFORE = "这张表单已登记过另一件诉求，本次填写的内容尚未登记：请核对后再提交一次"


def refusal_message(exc: DomainError) -> str:
    """What a registration form says when the service refuses it."""
    return FORM_USED_BEFORE if error_field(exc) == "idempotency_key" else exc.message


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")


def _nav_current(nav: list[tuple[str, str]], request: Request) -> str | None:
    """The one navigation link of this page: several links may share a path and differ by
    tab (派单队列, 退单申请, …), and only the open tab's is current."""
    path, tab = request.url.path, request.query_params.get("tab")
    urls = [url for url, _ in nav]
    for wanted in (f"{path}?tab={tab}" if tab else None, path):
        if wanted in urls:
            return wanted
    return next((url for url in urls if url.split("?")[0] == path), None)


def lang_switch_url(request: Request, lang: str) -> str:
    """This page's address in the other language: the path and query stay (a board page, a
    search or a tracking code is not lost), only ``lang`` changes. A page answering a form
    (a refusal shown at once) is at the form's POST address, which answers no GET (405): it
    switches the page the form was on, which the browser names (Referrer-Policy same-origin),
    else the home page."""
    path, query = request.url.path, request.url.query
    if request.method != "GET":
        came_from = urlsplit(request.headers.get("referer", ""))
        same_site = came_from.netloc == request.url.netloc and came_from.path.startswith("/")
        path, query = (came_from.path, came_from.query) if same_site else ("/", "")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    params.append(("lang", lang))
    return path + "?" + urlencode(params)


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.web_templates
    lang = lang_of(request)
    user = current_user(request)
    rt = runtime_of(request)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "_": lambda s, **kw: i18n.gettext(lang, s, **kw),
        "label": lambda group, value: i18n.label(lang, group, value),
        "label_choices": lambda group: i18n.choices(lang, group),
        "industry": lambda code: i18n.industry(lang, code),
        "csrf_token": csrf_token(request),
        "user": user,
        "nav": NAV.get(user.role, []) if user else [],
        "nav_current": _nav_current(NAV.get(user.role, []) if user else [], request),
        "role_home": ROLE_HOME.get(user.role, "/") if user else "/",
        "flashes": request.session.pop("flash", []),
        "city_name": rt.settings.city_name,
        "local": lambda t, fmt="%Y-%m-%d %H:%M": local_time(rt, t, fmt),
        "path": request.url.path,
        "lang_switch": lang_switch_url(request, "zh" if lang == "en" else "en"),
        "pager": pager,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def local_time(rt: Runtime, t: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if t is None:
        return ""
    return t.astimezone(rt.settings.tz).strftime(fmt)


# the last page a list opens: a page number beyond it opens this one (a list longer than
# MAX_PAGE pages says that it shows only the first ones)
MAX_PAGE = 10_000


def page_number(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), MAX_PAGE))
    except ValueError:
        return 1


@dataclass(frozen=True)
class Pager:
    """What the shared pager (partials/pagination.html) shows of a list."""

    last: int  # the last page it offers (at most MAX_PAGE)
    more: bool  # whether a 下一页 link follows
    shown: str | None  # the rows the pages hold ("200,000"), when the list is longer


def pager(total: int, per_page: int, page: int, capped: bool = False,
          full: bool = True) -> Pager:
    """The pages of a list of `total` rows (`capped`: at least that many, the count stopped):
    beyond MAX_PAGE pages the pager stops at the last page a list opens and says how many rows
    it shows, instead of a 下一页 that opens that page again. Past a stopped count the rows end
    where a page is not `full` (fewer rows than `per_page`): no 下一页 onto empty pages."""
    pages = max(1, -(-total // per_page))
    last = min(pages, MAX_PAGE)
    beyond = pages > MAX_PAGE or (capped and page >= MAX_PAGE)
    more = page < last or (capped and full and page < MAX_PAGE)
    return Pager(last=last, more=more, shown=f"{MAX_PAGE * per_page:,}" if beyond else None)


def page_of(rows: Sized, total: int, capped: bool, page: int, per_page: int) -> dict[str, Any]:
    """The shared pager's context for a page holding `rows` of a list of `total` (`capped`:
    at least that many): the page is full when it holds `per_page` rows, so a list whose count
    stopped ends where its rows do (partials/pagination.html takes it as `page_full`)."""
    return {"total": total, "capped": capped, "page": page, "per_page": per_page,
            "page_full": len(rows) >= per_page}
