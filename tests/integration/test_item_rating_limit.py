"""Service-item ratings (好差评 at a unit's window) against stuffing, SQLite and PostgreSQL:
one phone rates an item once a day (test_rate_item_page, test_feedback), and one client
address rates one item JIESU_ITEM_RATINGS_PER_ADDRESS (60) times an hour, then 429 (page and
API) and nothing stored; a service hall's residents, many phones on one Wi-Fi, stay under it;
the count lives in the database, counts only stored ratings and leaves with its hour."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jiesu.domain.errors import IllegalTransition
from jiesu.runtime import Runtime
from jiesu.services.clock import utcnow
from jiesu.services.feedback import FeedbackService
from jiesu.services.throttle import ItemRatingLimit
from jiesu.store import feedback_store as fq
from jiesu.store.feedback_tables import RatingRow
from jiesu.store.throttle_tables import LookupFailureRow
from tests.integration.test_web_pages import _token
from tests.support.city import City


def _item(city: City, code: str) -> int:
    r = city.client.post("/api/v1/feedback/service-items",
                         json={"unit_code": "W", "code": code, "name": f"供水报装{code}"},
                         headers=city.headers("admin"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _rate(c: TestClient, item: int, phone: str, stars: int = 4) -> int:
    r = c.post("/api/v1/feedback/ratings",
               json={"service_item_id": item, "phone": phone, "stars": stars})
    return int(r.status_code)


def _stored(runtime: Runtime, item: int) -> int:
    with runtime.db.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(RatingRow).where(
            RatingRow.service_item_id == item)) or 0


def test_a_hall_rates_sixty_an_hour_from_one_address_then_waits(city: City,
                                                                runtime: Runtime) -> None:
    """Sixty residents on the hall's Wi-Fi, each with their own phone, all rate the item;
    the 61st rating of that item from that address within the hour is refused with 429 and
    stores nothing, while another item and another address are not held up."""
    item, other = _item(city, "W-101"), _item(city, "W-102")
    hall = city.client
    for i in range(60):
        assert _rate(hall, item, f"1380000{i:04d}", stars=5) == 201, i
    r = hall.post("/api/v1/feedback/ratings",
                  json={"service_item_id": item, "phone": "13900009999", "stars": 1})
    assert r.status_code == 429, r.text
    assert "评价过于频繁，请 60 分钟后再试" in r.text
    assert 3500 <= int(r.headers["Retry-After"]) <= 3601
    assert _stored(runtime, item) == 60  # the refused one is not stored, opens no 整改
    assert _rate(hall, other, "13900009999") == 201  # another item from the hall may
    with TestClient(hall.app, client=("198.51.100.7", 50000)) as elsewhere:
        assert _rate(elsewhere, item, "13900009999") == 201  # and another address
    assert _stored(runtime, item) == 61


def test_refused_ratings_do_not_count(city: City, runtime: Runtime) -> None:
    """Only stored ratings count: bad input (422) and a phone's second rating (409) leave the
    address's count as it was."""
    runtime.extras["item_rating_limit"] = ItemRatingLimit(runtime.db, per_address=2)
    item = _item(city, "W-201")
    c = city.client
    assert _rate(c, item, "13800000001") == 201
    assert _rate(c, item, "13800000001") == 409  # once a day per phone
    assert _rate(c, item, "12") == 422
    assert _rate(c, item, "13800000002") == 201
    assert _rate(c, item, "13800000003") == 429
    assert _stored(runtime, item) == 2


def test_the_page_says_to_wait_as_typed_in_chinese_and_english(city: City,
                                                               runtime: Runtime) -> None:
    runtime.extras["item_rating_limit"] = ItemRatingLimit(runtime.db, per_address=2)
    item = _item(city, "W-301")
    url = f"/rate/item/{item}"
    with TestClient(city.client.app) as c:
        token = _token(c, url)
        for phone in ("13800000001", "13800000002"):
            r = c.post(url, data={"csrf_token": token, "stars": "5", "phone": phone},
                       follow_redirects=False)
            assert r.status_code == 303, r.text
        r = c.post(url, data={"csrf_token": token, "stars": "2", "phone": "13800000003",
                              "comment": "窗口没人"})
        assert r.status_code == 429 and "评价过于频繁，请 60 分钟后再试" in r.text
        assert "窗口没人</textarea>" in r.text and 'name="stars"' in r.text  # kept as typed
        c.get(url + "?lang=en")
        r = c.post(url, data={"csrf_token": token, "stars": "2", "phone": "13800000003"})
        assert "Too many ratings in a short time: please try again in 60 minutes" in r.text
    assert _stored(runtime, item) == 2


def test_zero_turns_the_limit_off(city: City, runtime: Runtime) -> None:
    runtime.extras["item_rating_limit"] = ItemRatingLimit(runtime.db, per_address=0)
    item = _item(city, "W-401")
    for i in range(5):
        assert _rate(city.client, item, f"1380000{i:04d}") == 201


def test_the_count_is_kept_an_hour_by_the_purge(city: City, runtime: Runtime) -> None:
    """The periodic purge deletes a wrong lookup guess after the lookup limiter's 15
    minutes, but a rating's count only once its hour has passed; then the address rates
    again. The address is kept, no phone."""
    runtime.extras["item_rating_limit"] = ItemRatingLimit(runtime.db, per_address=1)
    item = _item(city, "W-501")
    assert _rate(city.client, item, "13800000001") == 201
    assert _rate(city.client, item, "13800000002") == 429
    runtime.lookup_limiter.failed("track:X", utcnow())
    with runtime.db.uow(write=False) as uow:
        keys = set(uow.session.scalars(select(LookupFailureRow.key)))
    assert keys == {"track:X", f"rate:item:{item}:testclient"}
    assert runtime.lookup_limiter.purge(utcnow() + timedelta(minutes=30)) == 1  # track:X
    assert _rate(city.client, item, "13800000002") == 429
    assert runtime.lookup_limiter.purge(utcnow() + timedelta(minutes=61)) == 1
    assert _rate(city.client, item, "13800000002") == 201


def test_one_phone_rating_twice_at_once_is_stored_once(city: City, runtime: Runtime,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two ratings of one item from one phone at the same moment (a double tap, a script):
    both used to read "not rated today" before either stored and both were kept. The item's
    row is locked before the check now, so the second waits, then is refused (409)."""
    if runtime.db.dialect == "sqlite":
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE: two writers cannot overlap")
    item = _item(city, "W-601")
    barrier, checked = threading.Barrier(2), fq.rated_item_since

    def both_check_first(*args: Any) -> Any:
        # both at the check before either stores; with the lock only one gets here
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return checked(*args)

    monkeypatch.setattr(fq, "rated_item_since", both_check_first)
    svc = FeedbackService(runtime.db, runtime.rules, runtime.settings)
    outcome: list[object] = [None, None]

    def rate(i: int) -> None:
        try:
            outcome[i] = svc.rate_service_item(item, "13800000001", 1, utcnow())
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcome[i] = exc

    threads = [threading.Thread(target=rate, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    refused = [o for o in outcome if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], IllegalTransition), outcome
    assert "该号码已评价过这项服务" in refused[0].message
    assert _stored(runtime, item) == 1
