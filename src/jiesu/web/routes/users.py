"""Staff accounts: an administrator's page for one user (编辑用户: display name, role, unit,
mobile phone, 停用/启用, 重置密码), and every staff member's own 修改密码 page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.appeal import Role
from jiesu.domain.errors import DomainError, InvalidArguments, NotFound
from jiesu.services.admin import STAFF_ROLES
from jiesu.services.auth import MIN_PASSWORD_LENGTH
from jiesu.services.clock import utcnow
from jiesu.services.users import UserChange, UserService
from jiesu.store import queries, web_queries
from jiesu.web import core, i18n
from jiesu.web.core import FormDep

router = APIRouter(include_in_schema=False)
ADMINS = {Role.ADMIN}
EVERY_STAFF_ROLE = set(core.ROLE_HOME)  # the auditor too: everyone who signs in


def _service(request: Request) -> UserService:
    rt = core.runtime_of(request)
    return UserService(rt.db, rt.auth)


@router.get("/staff/admin/units/find", response_class=HTMLResponse)
def find_units(request: Request) -> HTMLResponse:
    """Units whose name contains, or code starts with, what was typed (`q`): <option>s for the
    unit fields of the admin forms (data-unit-find in jiesu.js); the fields take a code typed
    in full without it. A handler (an article's owner, typed when its unit has hundreds below
    it) finds the units of its own subtree only."""
    user = core.require(request, ADMINS | {Role.HANDLER})
    q = (request.query_params.get("q") or "").strip()[:50]
    with core.reading(core.runtime_of(request)) as uow:
        under = None
        if user.role is Role.HANDLER:
            under = queries.unit_path(uow.session, user.unit_id)
            if under is None:
                return core.render(request, "partials/unit_options.html",
                                   {"found": [], "chains": {}})
        found = web_queries.find_units(uow.session, q, under_path=under) if q else []
        chains = web_queries.unit_chains(uow.session, {u.id for u in found})
    return core.render(request, "partials/unit_options.html", {"found": found, "chains": chains})


@router.get("/staff/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: int) -> HTMLResponse:
    me = core.require(request, ADMINS)
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        found = web_queries.user(uow.session, user_id)
        if found is None:
            raise NotFound(f"用户 {user_id} 不存在")
        row, unit = found
        updater = web_queries.user_names(uow.session, {row.updated_by} if row.updated_by
                                         else set()).get(row.updated_by or 0)
    lang = core.lang_of(request)
    return core.render(request, "staff/admin_user.html", {
        "u": row, "unit": unit, "updater": updater, "myself": row.id == me.id,
        "roles": [(r, i18n.label(lang, "role", r)) for r in STAFF_ROLES],
        "min_password": MIN_PASSWORD_LENGTH})


def _done(request: Request, user_id: int, call: Callable[[], Any], message: str) -> Response:
    """Run an administrator's change, then back to the user's page with what happened."""
    return core.done(request, call, message, f"/staff/admin/users/{user_id}")


@router.post("/staff/admin/users/{user_id}", response_model=None)
def save_user(request: Request, user_id: int, form: FormDep) -> Response:
    me = core.require(request, ADMINS)
    change = UserChange(display_name=core.text(form, "display_name"),
                        role=core.text(form, "role") or None,
                        unit_code=core.text(form, "unit_code"),
                        # a form without the field (an older page) leaves the phone as it is
                        phone=core.text(form, "phone") if "phone" in form else None)
    return _done(request, user_id, lambda: _service(request).update(
        user_id, change, by=me, now=utcnow()), "用户信息已保存")


@router.post("/staff/admin/users/{user_id}/deactivate", response_model=None)
def deactivate_user(request: Request, user_id: int, form: FormDep) -> Response:
    me = core.require(request, ADMINS)
    return _done(request, user_id, lambda: _service(request).update(
        user_id, UserChange(active=False), by=me, now=utcnow()),
        "账号已停用：该用户不能再登录，已登录的页面和令牌随即失效")


@router.post("/staff/admin/users/{user_id}/activate", response_model=None)
def activate_user(request: Request, user_id: int, form: FormDep) -> Response:
    me = core.require(request, ADMINS)
    return _done(request, user_id, lambda: _service(request).update(
        user_id, UserChange(active=True), by=me, now=utcnow()), "账号已启用")


@router.post("/staff/admin/users/{user_id}/password", response_model=None)
def reset_password(request: Request, user_id: int, form: FormDep) -> Response:
    me = core.require(request, ADMINS)
    password = core.raw(form, "password")
    return _done(request, user_id, lambda: _service(request).reset_password(
        user_id, password, by=me, now=utcnow()),
        "密码已重置：请把新密码告知该用户，其原有的登录随即失效")


@router.get("/staff/password", response_class=HTMLResponse)
def password_page(request: Request) -> HTMLResponse:
    core.require(request, EVERY_STAFF_ROLE)
    return core.render(request, "staff/password.html", {"min_password": MIN_PASSWORD_LENGTH})


@router.post("/staff/password", response_model=None)
def change_password(request: Request, form: FormDep) -> Response:
    """Change one's own password; this session stays signed in at the new credentials
    version, every other session and token of the user ends. Nothing typed is sent back."""
    me = core.require(request, EVERY_STAFF_ROLE)
    new = core.raw(form, "new_password")
    try:
        if new != core.raw(form, "new_password_again"):
            raise InvalidArguments("两次输入的新密码不一致", field="new_password_again")
        fresh = _service(request).change_own_password(
            me.id, core.raw(form, "current_password"), new, now=utcnow())
    except DomainError as exc:
        core.flash(request, exc.message, "error")
        return core.redirect("/staff/password")
    core.sign_in(request, fresh)
    core.flash(request, "密码已修改。其他设备上的登录和 API 令牌已失效，需用新密码重新登录")
    return core.redirect(core.ROLE_HOME.get(fresh.role, "/"))
