"""Figures a process computed lately, kept for a minute (per process, one per `Runtime`).

The dashboard, the public figures and 万人诉求比 aggregate a month of appeals (0.2–5 s of SQL at
a million appeals); figures a minute old are fine on a big screen, on the public pages and in
the API, so each process computes each of them at most once a minute and other requests (of
the page or of the API alike) get the kept copy. One lock per figure: concurrent requests after
it expired wait for one computation instead of each starting their own. Tests get a fresh
runtime, hence an empty store, each; `clear` empties it at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

FIGURES_TTL = timedelta(seconds=60)
MAX_KEPT = 64  # figures kept at once (a key names the question: a figure, a period, a group)

T = TypeVar("T")


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    at: datetime | None = None
    value: Any = None


class KeptFigures:
    """`get(key, now, compute)`: `compute()`'s value, kept under `key` for `ttl`; the
    `max_kept` least recently asked keys are kept, so memory stays bounded whatever is asked."""

    def __init__(self, ttl: timedelta = FIGURES_TTL, max_kept: int = MAX_KEPT) -> None:
        self.ttl = ttl
        self.max_kept = max_kept
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()

    def get(self, key: Hashable, now: datetime, compute: Callable[[], T], *,
            ttl: timedelta | None = None) -> T:
        """The value kept under `key` if it was computed less than `ttl` (this store's unless
        given: a figure that changes little may be kept longer) before `now`, else
        `compute()` (kept from `now` on)."""
        ttl = self.ttl if ttl is None else ttl
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
                while len(self._entries) > self.max_kept:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        with entry.lock:
            if entry.at is not None and timedelta(0) <= now - entry.at < ttl:
                kept: T = entry.value
                return kept
            value = compute()
            entry.at, entry.value = now, value
            return value

    def clear(self) -> None:
        """Forget every kept figure (the next request of each computes it)."""
        with self._lock:
            self._entries.clear()
