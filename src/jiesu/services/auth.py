"""Passwords, bearer tokens and the Actor behind a request. Access checks live here."""

from __future__ import annotations

import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.store import accounts
from jiesu.store.tables import UserRow
from jiesu.store.uow import Database

# Fast enough for a login form, still memory-hard; tune via argon2 parameters if needed.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


class AuthError(DomainError):
    code = "unauthorized"
    http_status = 401


def hash_password(password: str) -> str:
    if len(password) < 6:
        raise InvalidArguments("密码至少需要 6 位", field="password")
    return _hasher.hash(password)


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

    def actor(self) -> Actor:
        return Actor(role=self.role, user_id=self.id, unit_id=self.unit_id,
                     unit_scope=self.unit_scope)


class Authenticator:
    """Issues and checks signed bearer tokens; caches users briefly to keep requests cheap."""

    def __init__(self, db: Database, secret: str, *, ttl_hours: int = 12,
                 cache_seconds: float = 30.0) -> None:
        self.db = db
        self.serializer = URLSafeTimedSerializer(secret, salt="jiesu-api-token")
        self.ttl = ttl_hours * 3600
        self.cache_seconds = cache_seconds
        self._cache: dict[int, tuple[float, CurrentUser | None]] = {}

    def login(self, username: str, password: str) -> tuple[str, CurrentUser]:
        with self.db.uow(write=False) as uow:
            row = accounts.user_by_username(uow.session, username)
            if row is None or not row.active or not verify_password(row.password_hash, password):
                raise AuthError("用户名或密码错误")
            user_id = row.id
        user = self.user(user_id, fresh=True)
        assert user is not None
        return self.serializer.dumps({"uid": user_id}), user

    def _user_id(self, token: str) -> int:
        try:
            data = self.serializer.loads(token, max_age=self.ttl)
        except SignatureExpired:
            raise AuthError("登录已过期，请重新登录") from None
        except BadSignature:
            raise AuthError("无效的登录凭证") from None
        return int(data["uid"])

    def user_from_token(self, token: str) -> CurrentUser:
        user = self.user(self._user_id(token))
        if user is None:
            raise AuthError("账号不存在或已停用")
        return user

    def cached_user_from_token(self, token: str) -> CurrentUser | None:
        """The token's user if the cache holds it fresh (no I/O: safe on the event loop); None
        when the database must be asked. A bad or expired token raises AuthError."""
        hit = self._cached(self._user_id(token), time.monotonic())
        return hit[1] if hit else None

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
                                   row.unit_id, scope)
        self._cache[user_id] = (now, user)
        return user

    def forget(self, user_id: int | None = None) -> None:
        if user_id is None:
            self._cache.clear()
        else:
            self._cache.pop(user_id, None)
