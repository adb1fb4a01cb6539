"""A limit on wrong guesses: at the public lookups that a code plus a phone number open
(诉求查询 by tracking code, 企业服务 by 统一社会信用代码; codes are printed on receipts and
public registers, so without a limit someone could try phone numbers until one fits), and at
the staff sign-in and password change (passwords); and limits on what the public sends
(`SubmissionLimit` for /submit, `ItemRatingLimit` for a service item's ratings), counted the
same way.

Failures are counted per identifier in a sliding window, in the database, so every app process
(`jiesu serve --workers N`) sees the same count. Each call is its own short transaction: call
them outside a writing unit of work (on SQLite a second writer would wait for the first). Two
guesses at the same moment may both pass the check, so the limit can be exceeded by the
number of guesses in flight, never by the number of processes.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from jiesu.domain.appeal import phone_digits
from jiesu.domain.errors import TooManyAttempts
from jiesu.services.batches import BATCH, in_batches
from jiesu.store import throttle_tables as store
from jiesu.store.uow import Database

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
# Signing in: per username and client address, so a typo-prone colleague is not locked out
# after five, and someone guessing from elsewhere cannot lock an operator out of their desk.
LOGIN_MAX_FAILURES = 10
# Ratings of a service item from one client address: counted over an hour (a busy hall's
# residents share one address), so the purge keeps these keys that long.
ITEM_RATING_WINDOW = timedelta(hours=1)
ITEM_RATING_PREFIX = "rate:item:"
LONGER_WINDOWS = {ITEM_RATING_PREFIX: ITEM_RATING_WINDOW}


class AttemptLimiter:
    """Counts failed lookups per identifier; `check` refuses once `max_failures` fell within
    `window` (with `refusal`, `{minutes}` filled in). Time is passed in."""

    def __init__(self, db: Database, max_failures: int = MAX_FAILURES,
                 window: timedelta = WINDOW,
                 refusal: str = "尝试次数过多，请 {minutes} 分钟后再试") -> None:
        self.db = db
        self.max_failures = max_failures
        self.window = window
        self.refusal = refusal

    def check(self, key: str, now: datetime) -> int:
        """Raise TooManyAttempts while `key` has had too many recent failures; else how many
        it had (a caller may skip `succeeded` when none)."""
        with self.db.uow(write=False) as uow:
            recent = store.recent(uow.session, _key(key), now - self.window,
                                  self.max_failures)
        if len(recent) >= self.max_failures:
            wait = recent[-1] + self.window - now
            minutes = max(1, -(-int(wait.total_seconds()) // 60))
            raise TooManyAttempts(self.refusal.format(minutes=minutes),
                                  retry_after=int(wait.total_seconds()) + 1)
        return len(recent)

    def failed(self, key: str, now: datetime) -> None:
        with self.db.uow() as uow:
            store.add(uow.session, _key(key), now, forget_before=now - self.window)
            uow.commit()

    def succeeded(self, key: str, failures: int) -> None:
        """Forget `key`'s failures after a right answer; `failures` is what `check` returned,
        so a right answer with none before writes nothing."""
        if not failures:
            return
        with self.db.uow() as uow:
            store.clear(uow.session, _key(key))
            uow.commit()

    def purge(self, now: datetime, *, max_batches: int = 20) -> int:
        """Delete the failures that have left the window (the periodic jobs), those of a
        limit with a longer window (`LONGER_WINDOWS`) once they have left that; how many."""
        before = now - self.window
        longer = {prefix: now - window for prefix, window in LONGER_WINDOWS.items()}
        return in_batches(self.db, lambda uow: store.purge(uow.session, before, limit=BATCH,
                                                           longer=longer),
                          max_batches=max_batches)


class SubmissionLimit:
    """The public form's limit against flooding (JIESU_SUBMIT_PER_PHONE, _PER_ADDRESS): so many
    appeals per phone number and per client address in the window; 0 turns one off. Counted in
    the limiter's table and purged with it, so the window is the lookup limiter's. A phone is
    kept only as an HMAC under the app's secret (a plain hash of an 11-digit number is undone by
    trying them all). `check` before registering, `record` after."""

    REFUSAL = "提交过于频繁，请 {minutes} 分钟后再试；情况紧急请直接拨打 12345 热线"

    def __init__(self, db: Database, *, per_phone: int, per_address: int, secret: str) -> None:
        self.limits = [(kind, AttemptLimiter(db, n, WINDOW, self.REFUSAL))
                       for kind, n in (("phone", per_phone), ("address", per_address)) if n > 0]
        self.secret = secret.encode()

    def _keys(self, phone: str, address: str) -> dict[str, str]:
        digits = phone_digits(phone)  # "+86 138…" is the same phone as "138…"
        mac = hmac.new(self.secret, digits.encode(), hashlib.sha256).hexdigest()[:32]
        return {"phone": f"submit:phone:{mac}", "address": f"submit:address:{address[:64]}"}

    def check(self, phone: str, address: str, now: datetime) -> None:
        """Raise TooManyAttempts when this phone or address has sent its share already."""
        keys = self._keys(phone, address)
        for kind, limiter in self.limits:
            limiter.check(keys[kind], now)

    def record(self, phone: str, address: str, now: datetime) -> None:
        keys = self._keys(phone, address)
        for kind, limiter in self.limits:
            limiter.failed(keys[kind], now)


class ItemRatingLimit:
    """The service-item rating's limit per client address (JIESU_ITEM_RATINGS_PER_ADDRESS): so
    many ratings of one item from one address within an hour; 0 turns it off. Generous: the
    residents of a service hall rate from one address (its Wi-Fi), while one phone rates an
    item once a day anyway; this stops one client making up numbers. `check` before storing a
    rating, `record` after."""

    REFUSAL = "评价过于频繁，请 {minutes} 分钟后再试"

    def __init__(self, db: Database, *, per_address: int) -> None:
        self.limiter = (AttemptLimiter(db, per_address, ITEM_RATING_WINDOW, self.REFUSAL)
                        if per_address > 0 else None)

    @staticmethod
    def _key(item_id: int, address: str) -> str:
        return f"{ITEM_RATING_PREFIX}{item_id}:{address[:64]}"

    def check(self, item_id: int, address: str, now: datetime) -> None:
        """Raise TooManyAttempts when this address has rated this item its share already."""
        if self.limiter is not None:
            self.limiter.check(self._key(item_id, address), now)

    def record(self, item_id: int, address: str, now: datetime) -> None:
        if self.limiter is not None:
            self.limiter.failed(self._key(item_id, address), now)


def _key(key: str) -> str:
    return key[: store.KEY_LENGTH]
