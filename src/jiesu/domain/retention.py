"""How long a requester's personal data (个人信息) is kept after the appeal ended (保存期限,
个人信息保护法 第十九条): when it is due for erasure and what of the appeal's extra data goes.
Pure rules, standard library only; time is passed in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

# The statuses in which an appeal has ended (办结, 不予受理, 合并): its closed_at is when.
ENDED_STATUSES = ("closed", "rejected", "merged")

# The shortest period a city may set. Half a year covers what may still need the requester
# after the end: a lawsuit against the handling (行政诉讼法 第四十六条: six months), 行政复议
# (sixty days), the requester's 重办 window and the follow-up and rating windows (days to
# weeks), the duplicate detector's 30-day window and the hotspots' at most 90 days.
MIN_DAYS = 180
# The default rating (JIESU_RATING_DEFAULT_STARS) is given to appeals closed up to this many
# days before the rating window's end; an appeal erased before then would not be found.
DEFAULT_RATING_LOOKBACK_DAYS = 90

# What an Open311 client sent about the person (kept in extra["open311"]): e-mail, device and
# account ids, and a link to their photo. The client's name and a place id stay.
OPEN311_PERSONAL = ("email", "device_id", "account_id", "media_url")


# Decimal places a requester's coordinates keep (about 100 m): the street, not the door, as
# the redacted address keeps it.
COORDINATE_DECIMALS = 3


def coarse(value: float | None) -> float | None:
    """A requester's latitude or longitude to about 100 m."""
    return None if value is None else round(value, COORDINATE_DECIMALS)


def minimum_days(rating_window_days: int) -> int:
    """The shortest JIESU_PERSONAL_DATA_DAYS accepted with this rating window."""
    return max(MIN_DAYS, rating_window_days + DEFAULT_RATING_LOOKBACK_DAYS)


def ended_before(now: datetime, days: int, reopen_window_days: int) -> datetime | None:
    """Appeals that ended before this time are due for erasure; None when erasure is off
    (0 days). The requester's reopen window (an administrator's rule, up to a year) is waited
    out too, so that nobody who may still ask to reopen loses the way to."""
    if days <= 0:
        return None
    return now - timedelta(days=max(days, reopen_window_days))


def erased_extra(extra: dict[str, Any] | None, *, keep_photos: bool,
                 redact: Callable[[str], str]) -> tuple[dict[str, Any], list[str]]:
    """The appeal's extra data without the requester's personal data, and the names of the
    photo files to delete. Photos a grid worker took on patrol (`keep_photos`) are the grid's
    work record, not a requester's, and stay; a requester's go and their number is kept
    (extra["attachments_erased"]). Values copied from a source system by `jiesu import`
    (extra["source"]) go through `redact`."""
    out = dict(extra or {})
    photos: list[str] = []
    if not keep_photos and "attachments" in out:
        items = out.pop("attachments") or []
        photos = [str(a["name"]) for a in items if isinstance(a, dict) and a.get("name")]
        if items:
            out["attachments_erased"] = len(items)
    open311 = out.get("open311")
    if isinstance(open311, dict):
        out["open311"] = {k: v for k, v in open311.items() if k not in OPEN311_PERSONAL}
    source = out.get("source")
    if isinstance(source, dict):
        out["source"] = {k: redact(v) if isinstance(v, str) else v for k, v in source.items()}
    return out, photos
