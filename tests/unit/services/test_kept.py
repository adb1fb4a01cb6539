"""The process's kept figures (`jiesu.services.kept`): a value per key for a minute, bounded,
one computation at a time per key (pure: no database)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from jiesu.services.kept import FIGURES_TTL, KeptFigures

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_a_value_is_kept_for_a_minute_per_key() -> None:
    kept, compute = KeptFigures(), Counting()
    assert timedelta(seconds=60) == FIGURES_TTL
    assert kept.get("a", NOW, compute) == 1
    assert kept.get("a", NOW + timedelta(seconds=59), compute) == 1
    assert kept.get("b", NOW, compute) == 2  # another question is computed on its own
    assert kept.get("a", NOW + FIGURES_TTL, compute) == 3
    assert kept.get("a", NOW - timedelta(seconds=1), compute) == 4  # a clock set back
    kept.clear()
    assert kept.get("a", NOW - timedelta(seconds=1), compute) == 5


def test_a_figure_that_changes_little_may_be_kept_longer() -> None:
    """A unit's trend keeps earlier months an hour (reporting.EARLIER_MONTH_TTL)."""
    kept, compute = KeptFigures(), Counting()
    hour = timedelta(hours=1)
    assert kept.get("march", NOW, compute, ttl=hour) == 1
    assert kept.get("march", NOW + timedelta(minutes=59), compute, ttl=hour) == 1
    assert kept.get("march", NOW + hour, compute, ttl=hour) == 2
    assert kept.get("march", NOW + hour + FIGURES_TTL, compute) == 3  # the store's minute


def test_a_failed_computation_is_not_kept() -> None:
    kept, compute = KeptFigures(), Counting()

    def fail() -> int:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        kept.get("a", NOW, fail)
    assert kept.get("a", NOW, compute) == 1


def test_only_the_latest_keys_are_kept() -> None:
    kept, compute = KeptFigures(max_kept=2), Counting()
    kept.get("a", NOW, compute)
    kept.get("b", NOW, compute)
    kept.get("a", NOW, compute)  # a is asked again: b is now the oldest
    kept.get("c", NOW, compute)
    assert kept.get("a", NOW, compute) == 1
    assert kept.get("b", NOW, compute) == 4  # forgotten, computed again


def test_requests_at_once_wait_for_one_computation() -> None:
    kept = KeptFigures()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(kept.get("a", NOW, slow)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [42] * 4 and len(calls) == 1
