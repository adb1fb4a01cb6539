"""A limit on wrong guesses at the public lookups that a code plus a phone number open
(诉求查询 by tracking code, 企业服务 by 统一社会信用代码): codes are printed on receipts and
public registers, so without a limit someone could try phone numbers until one fits.

Failures are counted per identifier in a sliding window, in this process's memory: with
several app processes each counts its own, so the effective limit is that many times higher,
which still keeps guessing a phone number out of reach (five tries per quarter hour).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

from jiesu.domain.errors import TooManyAttempts

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
MAX_KEYS = 100_000  # identifiers remembered; the oldest are forgotten first


class AttemptLimiter:
    """Counts failed lookups per identifier; `check` refuses once `max_failures` fell within
    `window`. Thread-safe; time is passed in."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW,
                 max_keys: int = MAX_KEYS) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str, now: datetime) -> None:
        """Raise TooManyAttempts while `key` has had too many recent failures."""
        with self._lock:
            recent = self._recent(key, now)
            if recent is not None and len(recent) >= self.max_failures:
                wait = recent[0] + self.window - now
                minutes = max(1, -(-int(wait.total_seconds()) // 60))
                raise TooManyAttempts(f"尝试次数过多，请 {minutes} 分钟后再试",
                                      retry_after=int(wait.total_seconds()) + 1)

    def failed(self, key: str, now: datetime) -> None:
        with self._lock:
            recent = self._recent(key, now)
            if recent is None:
                recent = self._failures[key] = deque(maxlen=self.max_failures)
                while len(self._failures) > self.max_keys:
                    self._failures.popitem(last=False)
            recent.append(now)
            self._failures.move_to_end(key)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: datetime) -> deque[datetime] | None:
        recent = self._failures.get(key)
        if recent is None:
            return None
        while recent and now - recent[0] >= self.window:
            recent.popleft()
        if not recent:
            del self._failures[key]
            return None
        return recent
