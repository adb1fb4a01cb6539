"""POST /api/v1/auth/token: username + password → bearer token; the caller's own account
(GET /me) and password (POST /password)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from jiesu.api.deps import CurrentUserDep, RuntimeDep
from jiesu.api.v1.schemas import PasswordChangeIn, TokenIn, TokenOut, UserOut
from jiesu.domain.errors import InvalidArguments
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.services.users import UserService

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _user_out(user: CurrentUser) -> UserOut:
    return UserOut(id=user.id, username=user.username, display_name=user.display_name,
                   role=str(user.role), unit_id=user.unit_id)


@router.post("/token", response_model=TokenOut, summary="登录获取令牌 Get a bearer token")
async def token(request: Request, runtime: RuntimeDep) -> TokenOut:
    """Accepts JSON {"username","password"} or an OAuth2 password form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = TokenIn.model_validate(await request.json())
        except ValueError as exc:
            raise InvalidArguments(f"请提供用户名和密码：{exc}") from None
        except RecursionError:  # json.loads of thousands of nested brackets
            raise InvalidArguments("请提供用户名和密码：请求体不是有效的 JSON") from None
    else:
        form = await request.form()
        body = TokenIn(username=str(form.get("username") or " "),
                       password=str(form.get("password") or " "))
    access, user = runtime.auth.login(body.username, body.password,
                                      client=request.client.host if request.client else "")
    return TokenOut(access_token=access, user=_user_out(user))


@router.get("/me", response_model=UserOut, summary="当前用户 The signed-in user")
def me(user: CurrentUserDep) -> UserOut:
    return _user_out(user)


@router.post("/password", response_model=TokenOut,
             summary="修改本人密码 Change your own password")
def change_password(body: PasswordChangeIn, runtime: RuntimeDep,
                    user: CurrentUserDep) -> TokenOut:
    """Give the current password and a new one (at least 6 characters, not the current one;
    422 otherwise). Every token and page session issued before is refused from then on, this
    request's token included: the answer carries a new token to use instead."""
    fresh = UserService(runtime.db, runtime.auth).change_own_password(
        user.id, body.current_password, body.new_password, now=utcnow())
    return TokenOut(access_token=runtime.auth.issue(fresh), user=_user_out(fresh))

