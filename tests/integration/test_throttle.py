"""The limit on wrong guesses at the public code + phone lookups, counted in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jiesu.domain.errors import TooManyAttempts
from jiesu.jobs.sweeper import run_all
from jiesu.runtime import Runtime
from jiesu.services.throttle import AttemptLimiter
from jiesu.store.throttle_tables import LookupFailureRow
from jiesu.store.uow import Database
from tests.support.city import City

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _rows(db: Database) -> int:
    with db.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(LookupFailureRow)) or 0


def test_five_failures_in_the_window_refuse_the_sixth_try_until_the_first_ages_out(
        runtime: Runtime) -> None:
    limiter = AttemptLimiter(runtime.db, max_failures=5, window=timedelta(minutes=15))
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
    assert _rows(runtime.db) == 5  # the aged-out failure was dropped when the next came


def test_a_success_forgets_the_failures(runtime: Runtime) -> None:
    limiter = AttemptLimiter(runtime.db, max_failures=2)
    limiter.failed("a", T0)
    limiter.succeeded("a", limiter.check("a", T0))
    limiter.failed("a", T0)
    limiter.check("a", T0)  # one failure since the success
    limiter.failed("a", T0)
    with pytest.raises(TooManyAttempts):
        limiter.check("a", T0)


def test_every_process_sees_the_same_count(runtime: Runtime) -> None:
    """Two app processes (`serve --workers 2`) each have their own engine and limiter; a
    guesser spreading tries over both still meets one limit."""
    other = Database(runtime.db.url)
    try:
        here, there = AttemptLimiter(runtime.db), AttemptLimiter(other)
        for i in range(5):
            (here if i % 2 else there).failed("uscc:X", T0 + timedelta(seconds=i))
        for limiter in (here, there):
            with pytest.raises(TooManyAttempts):
                limiter.check("uscc:X", T0 + timedelta(seconds=5))
    finally:
        other.dispose()


def test_the_periodic_jobs_purge_failures_that_left_the_window(runtime: Runtime) -> None:
    limiter = runtime.lookup_limiter
    for i, key in enumerate("abc"):
        limiter.failed(f"track:{key}", T0 + timedelta(minutes=i * 10))
    result = run_all(runtime, T0 + timedelta(minutes=25))  # a (0) and b (10) are out
    assert result.lookup_failures_purged == 2
    assert _rows(runtime.db) == 1


def test_ten_wrong_passwords_refuse_that_username_from_that_address(city: City) -> None:
    """Staff sign-in (API and page): after ten wrong passwords for one username from one
    address within 15 minutes even the right one is refused (429), other usernames and other
    addresses are not; a right password before that clears the count."""
    from tests.support.city import PASSWORD

    c = city.client

    def token(username: str, password: str) -> int:
        return c.post("/api/v1/auth/token",
                      json={"username": username, "password": password}).status_code

    for _ in range(9):
        assert token("operator", "wrong-guess") == 401
    assert token("operator", PASSWORD) == 200  # clears the nine
    for _ in range(10):
        assert token("operator", "wrong-guess") == 401
    r = c.post("/api/v1/auth/token", json={"username": "operator", "password": PASSWORD})
    assert r.status_code == 429 and "尝试次数过多" in r.json()["error"]["message"]
    assert int(r.headers["Retry-After"]) > 0
    assert token("dispatcher", PASSWORD) == 200  # another username
    # the page says the same, in words
    page = c.get("/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post("/login", data={"username": "operator", "password": PASSWORD,
                               "csrf_token": csrf})
    assert r.status_code == 429 and "尝试次数过多" in r.text
    # the same username from another address still signs in
    city.runtime.auth.login("operator", PASSWORD, client="10.0.0.8")


def test_guessing_the_current_password_of_a_session_is_limited(city: City) -> None:
    from tests.support.city import PASSWORD

    headers = city.headers("operator")
    for _ in range(10):
        r = city.client.post("/api/v1/auth/password", headers=headers,
                             json={"current_password": "guess-123", "new_password": "new-pass-1"})
        assert r.status_code == 422 and "当前密码不正确" in r.json()["error"]["message"]
    r = city.client.post("/api/v1/auth/password", headers=headers,
                         json={"current_password": PASSWORD, "new_password": "new-pass-1"})
    assert r.status_code == 429
