"""Personal data kept only as long as the city's retention period (个人信息保存期限,
JIESU_PERSONAL_DATA_DAYS; 个人信息保护法 第十九条): once an appeal has been over for that long,
its requester's name and phone number are cleared, its texts de-identified with the redaction
every public output uses, its position rounded to about 100 m, the requester's photos deleted
and the requester's text messages taken out of the outbox. Statistics and the audit log stay
as they were: no status, category, unit, time, rating's stars or event is touched
(docs/operations.md, "Personal data retention").

One transaction per batch; safe with several processes on PostgreSQL (claimed with
FOR UPDATE SKIP LOCKED, like the deadline sweeper)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from jiesu.domain import notices, retention
from jiesu.nlp.pii import redact
from jiesu.store import retention_store as rs
from jiesu.store.db import Session
from jiesu.store.uow import Database

log = logging.getLogger("jiesu.retention")

BATCH = 500  # appeals a transaction erases (about a second of work; bench/retention.py)

# The requester's text messages (受理, 直接答复, 不予受理, 合并, 答复, 重办, and the survey
# link), by the refs jiesu.domain.notices gives them: its list of the steps it texts a
# requester about is the one the texts are sent by. A unit's messages stay until
# JIESU_NOTIFY_KEEP_DAYS (they name the unit's duty phone, not the requester).
REQUESTER_MESSAGE_KINDS = notices.REQUESTER_KINDS
REQUESTER_MESSAGE_STEPS = (*notices.REQUESTER_STEPS, notices.SURVEY_STEP)
# Columns cut to their size: a mask is never longer than what it hides, but be sure
_LIMITS = {"title": 200, "address": 500}


@dataclass
class ErasureResult:
    """What one run erased (or, in a dry run, would erase)."""

    appeals: int = 0
    photos: int = 0  # photo files deleted
    ratings: int = 0  # ratings whose rater's phone was cleared (of the appeals and items)
    messages: int = 0  # requester messages deleted from the outbox
    item_ratings: int = 0  # of those ratings, the service items' (no appeal)
    ended_before: datetime | None = None  # the cutoff; None when erasure is off
    dry_run: bool = False
    more: bool = False  # stopped (max_batches or the time budget) with more due


def erase_due(db: Database, now: datetime, *, days: int, reopen_window_days: int,
              upload_dir: Path, dry_run: bool = False, batch: int = BATCH,
              max_batches: int = 40, budget: timedelta | None = None) -> ErasureResult:
    """Erase the personal data of the appeals that ended more than `days` (and the requester's
    reopen window) ago, a batch per transaction, at most `max_batches` and no batch begun once
    `budget` (wall time) is spent; with `dry_run`, only count them. Does nothing when `days`
    is 0 (the default: kept)."""
    before = retention.ended_before(now, days, reopen_window_days)
    result = ErasureResult(ended_before=before, dry_run=dry_run)
    if before is None:
        return result
    if dry_run:
        with db.uow(write=False) as uow:
            result.appeals = rs.count_due(uow.session, before)
            result.item_ratings = rs.count_item_ratings_due(uow.session, before)
        return result
    started = time.monotonic()
    for i in range(max_batches):
        if budget is not None and i and time.monotonic() - started >= budget.total_seconds():
            result.more = True
            break
        with db.uow() as uow:
            due = rs.due(uow.session, before, batch)
            if due:
                _erase_appeals(uow.session, due, before, now, Path(upload_dir), result)
            items = rs.claim_item_ratings(uow.session, before, batch)
            if items:
                # their 申诉 and 整改 too, which may quote the rater (locked after the ratings)
                texts = _lock_rating_texts(uow.session, {r: (c, x) for r, c, x in items})
                _erase_rating_texts(uow.session, texts, {r: () for r, _, _ in items})
                result.item_ratings += len(items)
                result.ratings += len(items)
            uow.commit()
        if len(due) < batch and len(items) < batch:
            break
        result.more = i == max_batches - 1
    if result.appeals or result.item_ratings:
        log.info("personal data erased: %d appeals (ended before %s), %d photos, %d ratings, "
                 "%d messages", result.appeals, before.isoformat(), result.photos,
                 result.ratings, result.messages)
    return result


def _erase_appeals(session: Session, due: list[int], before: datetime, now: datetime,
                   upload_dir: Path, result: ErasureResult) -> None:
    # Lock order: rating, then its 申诉 (rating appeal), then its rectification (整改), then
    # the appeal. Every rating, 申诉 and 整改 step takes them so (jiesu.services.feedback:
    # filing and deciding a 申诉 and publishing lock the rating first; deciding then writes the
    # 申诉 and the rectification; each step writes the rectification, then the appeal's event).
    # Erasure once claimed the appeals first and then waited for a rectification a step held,
    # which waited for the appeal: a deadlock (PostgreSQL failed one, a 503). Deciding a 申诉
    # once wrote the 申诉 before it locked the rating, while erasure, holding the rating, would
    # wait for that 申诉: the same. So the due appeals' ratings, their 申诉 and rectifications
    # are locked first, waiting for a step in flight, then the appeals claimed (SKIP LOCKED).
    ratings = rs.ratings_of(session, due)
    texts = _lock_rating_texts(session, {r: (c, x) for r, _, c, x in ratings})
    ids = rs.claim_due(session, before, due)
    if not ids:
        return
    rows = rs.appeals(session, ids)
    names: dict[int, tuple[str, ...]] = {}
    photos: list[str] = []
    for row in rows:
        given = (row["requester_name"],) if row["requester_name"] else ()
        names[row["id"]] = given
        clean = partial(erased_text, names=given)
        for column in ("title", "content", "address", "reply_text", "reject_note"):
            value = clean(row[column])
            limit = _LIMITS.get(column)
            row[column] = value[:limit] if value is not None and limit else value
        if row["content"] is None:  # NOT NULL
            row["content"] = ""
        # a grid worker's patrol is the grid's work: its photos and position are no one's
        patrol = row["channel"] == "grid_patrol"
        if not patrol:
            row["latitude"] = retention.coarse(row["latitude"])
            row["longitude"] = retention.coarse(row["longitude"])
        row["extra"], files = retention.erased_extra(
            row["extra"], keep_photos=patrol, redact=partial(redact, names=given))
        photos += files
        row["suggestions"] = _erased_suggestions(row["suggestions"])
    rs.erase(session, rows, now)
    # of the appeals claimed, each with its requester's name
    raters = {r: names[a] for r, a, _, _ in ratings if a in names}
    _erase_rating_texts(session, texts, raters)
    refs = [notices.requester_ref(i, step) for i in ids for step in REQUESTER_MESSAGE_STEPS]
    result.messages += rs.delete_messages(session, refs, REQUESTER_MESSAGE_KINDS)
    # The files go before the commit: should it fail, the rows still list photos that are
    # gone (and the next pass erases them again); after it, a failure would leave photos that
    # nothing lists any more, kept for ever.
    result.photos += _delete_photos(upload_dir, photos)
    result.appeals += len(rows)
    result.ratings += len(raters)


@dataclass
class _RatingTexts:
    """The texts about some ratings that erasure redacts, read under their locks."""

    # rating id: (comment, why it was excluded: an upheld 申诉's decision)
    ratings: dict[int, tuple[str | None, str | None]]
    # the 申诉: (id, rating id, reason, the decision's reason)
    appeals: list[tuple[int, int, str, str | None]]
    # (id, rating id, 整改报告, why it was cancelled: an upheld 申诉's decision)
    rectifications: list[tuple[int, int, str | None, str | None]]


def _lock_rating_texts(session: Session, ratings: dict[int, tuple[str | None, str | None]]
                       ) -> _RatingTexts:
    """The ratings' (locked by the caller) 申诉, then their rectifications, locked in that
    order (the one order: see `_erase_appeals`)."""
    ids = list(ratings)
    return _RatingTexts(ratings, rs.rating_appeal_texts(session, ids),
                        rs.rectification_texts(session, ids))


def _erase_rating_texts(session: Session, texts: _RatingTexts,
                        names: dict[int, tuple[str, ...]]) -> None:
    """Clear the raters' phones of the ratings in `names` (rating id: the requester's names)
    and redact every text about them: the comment, the 申诉's reason and its decision, which
    is also the reason a rating is excluded and its rectification cancelled, and the 整改报告
    (which may quote the rater)."""
    def clean(rating: int, text: str | None) -> str | None:
        return erased_text(text, names[rating])

    rs.erase_ratings(session, {r: (clean(r, c), clean(r, x))
                               for r, (c, x) in texts.ratings.items() if r in names})
    rs.set_rating_appeal_texts(session, {i: (clean(r, t) or "", clean(r, d))
                                         for i, r, t, d in texts.appeals if r in names})
    rs.set_rectification_texts(session, {i: (clean(r, t), clean(r, c))
                                         for i, r, t, c in texts.rectifications if r in names})


def erased_text(text: str | None, names: tuple[str, ...] = ()) -> str | None:
    """`text` de-identified as erasure leaves every text it keeps: with the redaction of every
    public output, and the requester's `names` while they are still known. Whatever is
    written about an appeal (or a service-item rating) after its erasure goes through this
    too (`jiesu.services.feedback`), so nothing written later brings the data back."""
    return None if text is None else redact(text, names=names)


def _erased_suggestions(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Intake's suggestions keep the title of each likely duplicate, another requester's
    text: redacted (that requester's own name is not known here)."""
    if not data or not isinstance(data.get("duplicates"), list):
        return data
    out = dict(data)
    out["duplicates"] = [
        {**d, "title": redact(d["title"])} if isinstance(d, dict)
        and isinstance(d.get("title"), str) else d for d in data["duplicates"]]
    return out


def _delete_photos(folder: Path, names: list[str]) -> int:
    """Delete the stored photos; a name that is not a plain file name is never followed."""
    done = 0
    for name in names:
        if not name or Path(name).name != name or name.startswith("."):
            continue
        try:
            (folder / name).unlink()
            done += 1
        except FileNotFoundError:
            pass
    return done
