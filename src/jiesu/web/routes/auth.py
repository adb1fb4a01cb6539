"""Staff sign-in with a session cookie (工作人员登录) and sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.errors import DomainError
from jiesu.web import core
from jiesu.web.core import FormDep

router = APIRouter(include_in_schema=False)


def _safe_next(url: str) -> str:
    """Only local paths: a login link must not send people to another site. Browsers drop tabs
    and line breaks from a URL, so "/<tab>/evil.example" would read "//evil.example"; today
    the redirect percent-encodes the tab, but the check does not lean on that: a link with
    whitespace or a control character is dropped."""
    if any(ch <= " " or ch == "\x7f" for ch in url):
        return ""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else ""


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return core.render(request, "login.html", {
        "next": _safe_next(request.query_params.get("next", "")), "error": None,
        "username": ""})


@router.post("/login", response_class=HTMLResponse, response_model=None)
def login(request: Request, form: FormDep) -> Response:
    rt = core.runtime_of(request)
    username = core.text(form, "username")[:64]
    next_url = _safe_next(core.text(form, "next"))
    try:
        _, user = rt.auth.login(username, str(form.get("password") or ""),
                                client=request.client.host if request.client else "")
    except DomainError as exc:  # a wrong password (401), or too many of them (429)
        return core.render(request, "login.html", {"next": next_url, "username": username,
                                                   "error": exc.message},
                           status_code=exc.http_status)
    tracked = request.session.get("tracked", [])
    request.session.clear()  # a fresh session (and CSRF token) after sign-in
    core.sign_in(request, user)
    if tracked:
        request.session["tracked"] = tracked
    return core.redirect(next_url or core.ROLE_HOME.get(user.role, "/"))


@router.post("/logout", response_model=None)
def logout(request: Request, form: FormDep) -> Response:
    request.session.clear()
    core.flash(request, "已退出")
    return core.redirect("/")


@router.get("/staff", response_model=None)
def staff_home(request: Request) -> Response:
    user = core.current_user(request)
    if user is None:
        return core.redirect(core.login_url("/staff"))
    return core.redirect(core.ROLE_HOME.get(user.role, "/"))
