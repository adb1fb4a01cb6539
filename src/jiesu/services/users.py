"""Managing staff accounts after they exist: an administrator edits a user (display name, role,
unit, mobile phone), deactivates (停用) or reactivates (启用) them and resets their password;
every user changes their own password (修改密码).

A password change or reset and a deactivation raise the account's credentials version, so the
bearer tokens and page sessions issued before are refused (`Authenticator.signed_in`). Each
administrator change is recorded on the account (`updated_at`, `updated_by`), logged, and
written to the configuration-change log (配置变更记录) that the auditor reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from jiesu.domain.appeal import Role
from jiesu.domain.errors import InvalidArguments, NotFound
from jiesu.domain.privacy import mask_phone
from jiesu.services.admin import (
    UNIT_ROLES,
    Conflict,
    check_display_name,
    check_staff_phone,
    check_staff_role,
    unit_id_by_code,
)
from jiesu.services.auth import (
    Authenticator,
    AuthError,
    CurrentUser,
    hash_password,
    verify_password,
)
from jiesu.services.config_log import record_change
from jiesu.store import accounts
from jiesu.store.tables import UserRow
from jiesu.store.uow import Database, UnitOfWork

log = logging.getLogger("jiesu.users")

# Whoever runs `jiesu user ...` on the server: trusted like an administrator (they hold the
# database), recorded as updated_by 0; the rule that one active administrator stays holds too.
COMMAND_LINE = CurrentUser(0, "command-line", "命令行", Role.ADMIN, None, frozenset())
# how the configuration-change log names what changed on a user
_CHANGED_ZH = {"display_name": "姓名", "role": "角色", "unit_id": "所属单位", "active": "启用状态",
               "phone": "手机号"}


@dataclass(frozen=True)
class UserChange:
    """What an administrator changes on a user; None leaves a field as it is. `unit_code`
    "" removes the unit (only for roles that need none), `phone` "" the mobile phone."""

    display_name: str | None = None
    role: str | None = None
    unit_code: str | None = None
    active: bool | None = None
    phone: str | None = None


class UserService:
    def __init__(self, db: Database, auth: Authenticator) -> None:
        self.db = db
        self.auth = auth

    def update(self, user_id: int, change: UserChange, *, by: CurrentUser,
               now: datetime) -> UserRow:
        """Apply an administrator's change. An administrator cannot change their own role or
        deactivate themselves, and the last active administrator stays one."""
        name = None if change.display_name is None else check_display_name(change.display_name)
        role = None if change.role is None else check_staff_role(change.role)
        phone = None if change.phone is None else check_staff_phone(change.phone)
        with self.db.uow() as uow:
            # the administrators first, then the user: always in this order, so that two
            # changes at once wait for each other instead of deadlocking
            admins = (accounts.lock_active_admins(uow.session)
                      if change.active is False or role not in (None, "admin") else None)
            row = _user(uow, user_id)
            demoted = role is not None and role != row.role
            if user_id == by.id and demoted:
                raise Conflict("不能修改自己的角色，请由另一位管理员修改")
            if user_id == by.id and change.active is False:
                raise Conflict("不能停用自己的账号")
            if admins == [row.id] and (demoted or change.active is False):
                raise Conflict("至少要保留一位启用的管理员：不能停用最后一位管理员或更改其角色")
            before = {"display_name": row.display_name, "role": row.role,
                      "unit_id": row.unit_id, "active": row.active, "phone": row.phone}
            unit_id = row.unit_id
            if change.unit_code is not None:
                unit_id = unit_id_by_code(uow, change.unit_code.strip())
            if (role or row.role) in UNIT_ROLES and unit_id is None:
                raise InvalidArguments("承办人和网格员必须属于一个单位", field="unit_code")
            done = []
            if name is not None and name != row.display_name:
                row.display_name = name
                done.append("display name")
            if role is not None and role != row.role:
                done.append(f"role {row.role} -> {role}")
                row.role = role
            if unit_id != row.unit_id:
                row.unit_id = unit_id
                done.append(f"unit -> {unit_id}")
            if change.phone is not None and phone != row.phone:
                row.phone = phone
                done.append("phone")
            if change.active is not None and change.active != row.active:
                row.active = change.active
                done.append("activated" if change.active else "deactivated")
                if not change.active:  # its tokens and sessions end, and stay ended
                    row.credentials_version += 1
            if done:
                row.updated_at, row.updated_by = now, by.id
                after = {"display_name": row.display_name, "role": row.role,
                         "unit_id": row.unit_id, "active": row.active, "phone": row.phone}
                changed = [k for k in after if after[k] != before[k]]
                # the log is read by auditors, not to call anyone: the phone masked
                for side in (before, after):
                    if side["phone"] is not None:
                        side["phone"] = mask_phone(str(side["phone"]))
                record_change(uow, by, "users", "update",
                              f"修改用户 {row.username}："
                              + "、".join(_CHANGED_ZH[k] for k in changed),
                              {"user_id": row.id, "username": row.username,
                               "before": {k: before[k] for k in changed},
                               "after": {k: after[k] for k in changed}},
                              now=now)
            uow.commit()
        self.auth.forget(user_id)
        if done:
            log.info("user %s (#%d) changed by admin #%d: %s", row.username, row.id, by.id,
                     ", ".join(done))
        return row

    def user_id(self, username: str) -> int:
        """The id of the user with this username (active or not)."""
        with self.db.uow(write=False) as uow:
            row = accounts.user_by_username(uow.session, username.strip())
            if row is None:
                raise NotFound(f"用户 {username} 不存在")
            return row.id

    def reset_password(self, user_id: int, password: str, *, by: CurrentUser,
                       now: datetime) -> UserRow:
        """Set a user's password for them (重置密码); their earlier tokens and sessions end."""
        if user_id == by.id:
            raise Conflict("修改自己的密码请使用“修改密码”（需输入当前密码）")
        password_hash = hash_password(password)
        with self.db.uow() as uow:
            row = _user(uow, user_id)
            _set_password(row, password_hash, now)
            row.updated_at, row.updated_by = now, by.id
            record_change(uow, by, "users", "reset_password", f"重置用户 {row.username} 的密码",
                          {"user_id": row.id, "username": row.username}, now=now)
            uow.commit()
        self.auth.forget(user_id)
        log.info("password of user %s (#%d) reset by admin #%d", row.username, row.id, by.id)
        return row

    def change_own_password(self, user_id: int, current: str, new: str, *,
                            now: datetime) -> CurrentUser:
        """A user changes their own password (修改密码) after giving the current one; their
        other tokens and sessions end. Returns the user at the new credentials version."""
        with self.db.uow(write=False) as uow:
            row = uow.session.get(UserRow, user_id)
            stored = row.password_hash if row is not None and row.active else None
        if stored is None:
            raise AuthError("账号不存在或已停用")
        # a stolen session must not be able to guess the password behind it
        key = f"password:{user_id}"
        failures = self.auth.limiter.check(key, now)
        if not verify_password(stored, current):  # slow: outside the write transaction
            self.auth.limiter.failed(key, now)
            raise InvalidArguments("当前密码不正确", field="current_password")
        self.auth.limiter.succeeded(key, failures)
        if new == current:
            raise InvalidArguments("新密码不能与当前密码相同", field="new_password")
        password_hash = hash_password(new, field="new_password")
        with self.db.uow() as uow:
            row = accounts.user_for_update(uow.session, user_id)
            if row is None or not row.active:
                raise AuthError("账号不存在或已停用")
            if row.password_hash != stored:
                raise Conflict("密码刚被修改或重置，未作任何修改，请重新登录后再试")
            _set_password(row, password_hash, now)
            uow.commit()
        self.auth.forget(user_id)
        log.info("user %s (#%d) changed their password", row.username, row.id)
        user = self.auth.user(user_id, fresh=True)
        if user is None:  # deactivated in the meantime
            raise AuthError("账号不存在或已停用")
        return user


def _user(uow: UnitOfWork, user_id: int) -> UserRow:
    row = accounts.user_for_update(uow.session, user_id)
    if row is None:
        raise NotFound(f"用户 {user_id} 不存在")
    return row


def _set_password(row: UserRow, password_hash: str, now: datetime) -> None:
    row.password_hash = password_hash
    row.credentials_version += 1
    row.credentials_changed_at = now
