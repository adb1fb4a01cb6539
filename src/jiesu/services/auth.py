"""Passwords, bearer tokens and the Actor behind a request. Access checks live here."""

from __future__ import annotations

import functools
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.services.clock import utcnow
from jiesu.services.throttle import LOGIN_MAX_FAILURES, AttemptLimiter
from jiesu.store import accounts
from jiesu.store.tables import UserRow
from jiesu.store.uow import Database

# Fast enough for a login form, still memory-hard; tune via argon2 parameters if needed.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


MIN_PASSWORD_LENGTH = 6
# Said when a token or page session is older than the user's last password change, reset or
# deactivation (its credentials version is behind the account's).
CREDENTIALS_CHANGED = "密码已修改或账号已停用过，请重新登录"
# Said when the right password is given for a deactivated account (停用).
DEACTIVATED = "账号已停用，请联系管理员"


class AuthError(DomainError):
    code = "unauthorized"
    http_status = 401


def hash_password(password: str, *, field: str = "password") -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidArguments(f"密码至少需要 {MIN_PASSWORD_LENGTH} 位", field=field)
    return _hasher.hash(password)


@functools.cache
def _no_such_user() -> str:
    """A hash to check a password against when the username does not exist, so that a
    sign-in takes as long either way (else the time tells which usernames exist)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: Role
    unit_id: int | None
    unit_scope: frozenset[int]
    credentials_version: int = 0  # what tokens and sessions issued now carry

    def actor(self) -> Actor:
        return Actor(role=self.role, user_id=self.id, unit_id=self.unit_id,
                     unit_scope=self.unit_scope)


class Authenticator:
    """Issues and checks signed bearer tokens; caches users briefly to keep requests cheap.

    A token (and a page session) carries the user's credentials version as it was issued;
    changing or resetting the password and deactivating the account raise the version, so an
    older one is refused. Another process notices within `cache_seconds`; this one at once
    (the change calls `forget`)."""

    def __init__(self, db: Database, secret: str, *, ttl_hours: int = 12,
                 cache_seconds: float = 30.0) -> None:
        self.db = db
        # wrong passwords per username and client address (TooManyAttempts, 429)
        self.limiter = AttemptLimiter(db, max_failures=LOGIN_MAX_FAILURES)
        self.serializer = URLSafeTimedSerializer(secret, salt="jiesu-api-token")
        self.ttl = ttl_hours * 3600
        self.cache_seconds = cache_seconds
        self._cache: dict[int, tuple[float, CurrentUser | None]] = {}

    def login(self, username: str, password: str, *,
              client: str = "") -> tuple[str, CurrentUser]:
        """A token for the right password of an active account (a deactivated one is told so).
        `client` is the caller's address: ten wrong passwords for one username from one
        address within 15 minutes refuse the next tries (TooManyAttempts) until the oldest is
        15 minutes old."""
        key, now = f"login:{username.strip().lower()[:64]}@{client[:64]}", utcnow()
        failures = self.limiter.check(key, now)
        with self.db.uow(write=False) as uow:
            row = accounts.user_by_username(uow.session, username)
            stored = row.password_hash if row is not None else _no_such_user()
            ok = verify_password(stored, password) and row is not None
            active = row is not None and row.active
            user_id = row.id if row is not None else 0
        if not ok:
            self.limiter.failed(key, now)
            raise AuthError("用户名或密码错误")
        self.limiter.succeeded(key, failures)
        if not active:  # told only to whoever knows the password: they need an administrator
            raise AuthError(DEACTIVATED)
        user = self.user(user_id, fresh=True)
        assert user is not None
        return self.issue(user), user

    def issue(self, user: CurrentUser) -> str:
        """A bearer token for this user at their current credentials version."""
        return self.serializer.dumps({"uid": user.id, "cv": user.credentials_version})

    def _claims(self, token: str) -> tuple[int, int]:
        """(user id, credentials version) of a valid token; tokens issued before versions
        existed carry none and count as version 0, the version every account started at."""
        try:
            data = self.serializer.loads(token, max_age=self.ttl)
        except SignatureExpired:
            raise AuthError("登录已过期，请重新登录") from None
        except BadSignature:
            raise AuthError("无效的登录凭证") from None
        return int(data["uid"]), int(data.get("cv", 0))

    def user_from_token(self, token: str) -> CurrentUser:
        return self.signed_in(*self._claims(token))

    def signed_in(self, user_id: int, version: int) -> CurrentUser:
        """The user a token or page session of this credentials version stands for; AuthError
        when the account is gone or deactivated, or the version is older than the account's."""
        user = self.user(user_id)
        if user is not None and version > user.credentials_version:
            user = self.user(user_id, fresh=True)  # changed since cached (another process)
        if user is None:
            raise AuthError("账号不存在或已停用")
        if version != user.credentials_version:
            raise AuthError(CREDENTIALS_CHANGED)
        return user

    def cached_user_from_token(self, token: str) -> CurrentUser | None:
        """The token's user if the cache holds it fresh (no I/O: safe on the event loop); None
        when the database must be asked. A bad, expired or outdated token raises AuthError."""
        user_id, version = self._claims(token)
        hit = self._cached(user_id, time.monotonic())
        if hit is None or hit[1] is None or version > hit[1].credentials_version:
            return None
        if version < hit[1].credentials_version:
            raise AuthError(CREDENTIALS_CHANGED)
        return hit[1]

    def _cached(self, user_id: int, now: float) -> tuple[float, CurrentUser | None] | None:
        hit = self._cache.get(user_id)
        return hit if hit and now - hit[0] < self.cache_seconds else None

    def user(self, user_id: int, *, fresh: bool = False) -> CurrentUser | None:
        now = time.monotonic()
        hit = None if fresh else self._cached(user_id, now)
        if hit:
            return hit[1]
        with self.db.uow(write=False) as uow:
            row = uow.session.get(UserRow, user_id)
            user: CurrentUser | None = None
            if row is not None and row.active:
                scope = uow.units.subtree_ids(row.unit_id) if row.unit_id else frozenset()
                user = CurrentUser(row.id, row.username, row.display_name, Role(row.role),
                                   row.unit_id, scope, row.credentials_version)
        self._cache[user_id] = (now, user)
        return user

    def forget(self, user_id: int | None = None) -> None:
        if user_id is None:
            self._cache.clear()
        else:
            self._cache.pop(user_id, None)
