"""The limit on wrong guesses at the public code + phone lookups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jiesu.domain.errors import TooManyAttempts
from jiesu.services.throttle import AttemptLimiter

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def test_five_failures_in_the_window_refuse_the_sixth_try_until_the_first_ages_out() -> None:
    limiter = AttemptLimiter(max_failures=5, window=timedelta(minutes=15))
    for i in range(5):
        limiter.check("track:A", T0 + timedelta(minutes=i))
        limiter.failed("track:A", T0 + timedelta(minutes=i))
    with pytest.raises(TooManyAttempts) as refused:
        limiter.check("track:A", T0 + timedelta(minutes=5))
    assert refused.value.http_status == 429
    assert refused.value.message == "尝试次数过多，请 10 分钟后再试"
    limiter.check("track:B", T0 + timedelta(minutes=5))  # other codes are not affected
    limiter.check("track:A", T0 + timedelta(minutes=15))  # the first failure aged out
    limiter.failed("track:A", T0 + timedelta(minutes=15))
    with pytest.raises(TooManyAttempts):
        limiter.check("track:A", T0 + timedelta(minutes=15, seconds=1))


def test_a_success_forgets_the_failures_and_memory_is_bounded() -> None:
    limiter = AttemptLimiter(max_failures=2, max_keys=3)
    limiter.failed("a", T0)
    limiter.succeeded("a")
    limiter.failed("a", T0)
    limiter.check("a", T0)  # one failure since the success
    for key in "bcd":
        limiter.failed(key, T0)
        limiter.failed(key, T0)
    limiter.check("a", T0)  # the oldest key was forgotten to keep three
    with pytest.raises(TooManyAttempts):
        limiter.check("d", T0)
