"""API keys for Open311 clients: one per client, hashed at rest, rate-limited, last use recorded."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from jiesu.domain.errors import DomainError, InvalidArguments, NotFound
from jiesu.services.auth import CurrentUser
from jiesu.services.config_log import record_change
from jiesu.store import accounts
from jiesu.store.exchange_tables import ApiKeyRow
from jiesu.store.uow import Database

KEY_PREFIX = "jsk_"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per key


class ApiKeyRejected(DomainError):
    code = "invalid_api_key"
    http_status = 403


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429


class DuplicateKeyName(DomainError):
    code = "conflict"
    http_status = 409


@dataclass(frozen=True)
class ApiKeyInfo:
    id: int
    name: str
    prefix: str
    rate_per_minute: int
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    note: str

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_key(key: str) -> str:
    """Keys are 32 random bytes, so a plain SHA-256 is enough (no need for a slow hash)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _info(row: ApiKeyRow) -> ApiKeyInfo:
    return ApiKeyInfo(row.id, row.name, row.key_prefix, row.rate_per_minute, row.created_at,
                      row.revoked_at, row.last_used_at, row.note)


class TokenBucket:
    """Per-key token buckets held in this process (each app process limits on its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[int, tuple[float, float]] = {}  # key id -> (tokens, last time)

    def take(self, key_id: int, per_minute: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        rate = per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                return False
            self._buckets[key_id] = (tokens - 1.0, now)
            return True


class ApiKeyService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.buckets = TokenBucket()
        self._touched: dict[int, datetime] = {}

    def create(self, name: str, now: datetime, *, rate_per_minute: int = 60,
               note: str = "", by: CurrentUser | None = None) -> tuple[ApiKeyInfo, str]:
        """Create a key for one client; the plain key is returned once and never stored (nor
        recorded in the configuration-change log, which names the client only)."""
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidArguments("客户端名称须为 1–100 个字符", field="name")
        if not 1 <= rate_per_minute <= 100_000:
            raise InvalidArguments("速率限制须在每分钟 1–100000 次之间", field="rate_per_minute")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.db.uow() as uow:
            if accounts.api_key_id_by_name(uow.session, name):
                raise DuplicateKeyName(f"客户端“{name}”已有 API 密钥；每个客户端一个密钥，"
                                       "如需更换请先吊销旧密钥再用新名称创建")
            row = ApiKeyRow(name=name, key_hash=hash_key(key), key_prefix=key[:10],
                            rate_per_minute=rate_per_minute, created_at=now, note=note)
            uow.session.add(row)
            uow.session.flush()
            info = _info(row)
            record_change(uow, by, "api_keys", "create", f"创建 API 密钥：{name}",
                          {"key_id": row.id, "name": name, "rate_per_minute": rate_per_minute,
                           "note": note}, now=now)
            uow.commit()
        return info, key

    def revoke(self, key_id: int, now: datetime, *, by: CurrentUser | None = None
               ) -> ApiKeyInfo:
        with self.db.uow() as uow:
            row = uow.session.get(ApiKeyRow, key_id)
            if row is None:
                raise NotFound(f"API 密钥 {key_id} 不存在")
            if row.revoked_at is None:
                row.revoked_at = now
                record_change(uow, by, "api_keys", "revoke", f"吊销 API 密钥：{row.name}",
                              {"key_id": row.id, "name": row.name}, now=now)
            info = _info(row)
            uow.commit()
        return info

    def revoke_by_name(self, name: str, now: datetime, *, by: CurrentUser | None = None
                       ) -> ApiKeyInfo:
        with self.db.uow(write=False) as uow:
            key_id = accounts.api_key_id_by_name(uow.session, name)
        if key_id is None:
            raise NotFound(f"没有名为“{name}”的 API 密钥")
        return self.revoke(key_id, now, by=by)

    def list(self) -> list[ApiKeyInfo]:
        with self.db.uow(write=False) as uow:
            return [_info(r) for r in accounts.all_api_keys(uow.session)]

    def authenticate(self, key: str | None, now: datetime) -> ApiKeyInfo:
        """The key's client, after the rate limit; raises ApiKeyRejected or RateLimited."""
        if not key:
            raise ApiKeyRejected("缺少 api_key (api_key is required)")
        with self.db.uow(write=False) as uow:
            row = accounts.api_key_by_hash(uow.session, hash_key(key))
            info = _info(row) if row is not None else None
        if info is None or not info.active:
            raise ApiKeyRejected("api_key 无效或已吊销 (invalid or revoked api_key)")
        if not self.buckets.take(info.id, info.rate_per_minute):
            raise RateLimited(f"请求过于频繁：每分钟最多 {info.rate_per_minute} 次 "
                              "(rate limit exceeded)")
        last = self._touched.get(info.id)
        if last is None or now - last >= TOUCH_EVERY:
            self._touched[info.id] = now
            with self.db.uow() as uow:
                row = uow.session.get(ApiKeyRow, info.id)
                if row is not None:
                    row.last_used_at = now
                uow.commit()
        return info
