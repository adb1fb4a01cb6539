"""FastAPI dependencies as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, params
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jiesu.domain.appeal import Role
from jiesu.domain.errors import InvalidArguments, PermissionDenied
from jiesu.runtime import Runtime
from jiesu.services.auth import AuthError, CurrentUser

_bearer = HTTPBearer(auto_error=False)


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in its
# thread pool, a hop per dependency per request (7 % of a registration's CPU).
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_current_user(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CurrentUser:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthError("请先登录：请求头须带 Authorization: Bearer <token>")
    user = runtime.auth.cached_user_from_token(credentials.credentials)
    if user is None:  # not cached: the database is asked, off the event loop
        user = await run_in_threadpool(runtime.auth.user_from_token, credentials.credentials)
    return user


CurrentUserDep = Annotated[CurrentUser, Depends(get_current_user)]

SESSION_USER_KEY = "user_id"  # web pages keep the logged-in user's id in the session under this
# … and the credentials version they signed in at (a session without one is from before
# versions existed: version 0)
SESSION_VERSION_KEY = "credentials_version"


def session_user(runtime: Runtime, session: dict[str, object]) -> CurrentUser | None:
    """The user a web session signed in, if it still stands: None (and the session forgets
    the user) when the account was deactivated or its password changed since."""
    user_id = session.get(SESSION_USER_KEY)
    if user_id is None:
        return None
    try:
        return runtime.auth.signed_in(int(str(user_id)),
                                      int(str(session.get(SESSION_VERSION_KEY) or 0)))
    except AuthError:
        session.pop(SESSION_USER_KEY, None)
        session.pop(SESSION_VERSION_KEY, None)
        return None


def optional_user(request: Request, runtime: Runtime) -> CurrentUser | None:
    """The caller if a bearer token or a web session identifies one; None for the public."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        try:
            return runtime.auth.user_from_token(header[7:].strip())
        except AuthError:
            return None
    return session_user(runtime, request.scope.get("session") or {})


def require_roles(*roles: Role, message: str = "您的角色无权访问该功能") -> params.Depends:
    """A dependency that lets only the given roles through (403 with `message` otherwise); the
    API reference (docs/api.md) lists the roles of every route that uses it."""

    def check(user: CurrentUserDep) -> CurrentUser:
        if user.role not in roles:
            raise PermissionDenied(message)
        return user

    dependency: params.Depends = Depends(check)  # Depends() is typed Any (it is mostly a default)
    return dependency


AdminDep = Annotated[CurrentUser, require_roles(Role.ADMIN)]


def expected_version(body_version: int | None, if_match: str | None) -> int | None:
    """The version a write expects (optimistic locking): the `If-Match` header when sent (a
    quoted or bare integer), else the body's `version`."""
    if if_match is None:
        return body_version
    try:
        return int(if_match.strip().strip('"'))
    except ValueError:
        raise InvalidArguments("If-Match 须为整数版本号") from None
