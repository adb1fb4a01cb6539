"""The retention rules (个人信息保存期限): when an ended appeal is due, what of its extra data
goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jiesu.domain.retention import MIN_DAYS, ended_before, erased_extra, minimum_days

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def test_the_period_and_the_reopen_window_whichever_is_longer() -> None:
    assert ended_before(NOW, 0, 15) is None  # off
    assert ended_before(NOW, 200, 15) == NOW - timedelta(days=200)
    assert ended_before(NOW, 200, 365) == NOW - timedelta(days=365)


def test_the_floor_follows_the_rating_window() -> None:
    assert minimum_days(7) == MIN_DAYS == 180
    assert minimum_days(120) == 210


def test_a_requesters_photos_and_open311_identity_go_a_patrol_photo_stays() -> None:
    photo = {"name": "ab12.jpg", "content_type": "image/jpeg"}
    extra = {"attachments": [photo, {"name": "cd34.png"}],
             "open311": {"email": "a@b.cn", "device_id": "d", "account_id": "x",
                         "media_url": "https://x.cn/p.jpg", "client": "app", "address_id": "7"},
             "source": {"来电人": "张三", "件数": 2}, "import": {"mapping": "m"},
             "hotspot": {"key": "k"}}
    out, photos = erased_extra(extra, keep_photos=False, redact=lambda s: f"<{s}>")
    assert photos == ["ab12.jpg", "cd34.png"]
    assert out == {"attachments_erased": 2, "open311": {"client": "app", "address_id": "7"},
                   "source": {"来电人": "<张三>", "件数": 2}, "import": {"mapping": "m"},
                   "hotspot": {"key": "k"}}
    assert extra["attachments"] == [photo, {"name": "cd34.png"}]  # the argument is not changed
    kept, none = erased_extra({"attachments": [photo]}, keep_photos=True, redact=str)
    assert (kept, none) == ({"attachments": [photo]}, [])
    assert erased_extra(None, keep_photos=False, redact=str) == ({}, [])


def test_coordinates_keep_about_a_hundred_metres() -> None:
    from jiesu.domain.retention import coarse

    assert coarse(39.912345) == 39.912 and coarse(None) is None
