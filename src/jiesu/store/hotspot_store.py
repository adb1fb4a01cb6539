"""Store side of hotspots (热点预警): the recent appeals `services/hotspots.py` clusters, and the
governance tasks (治理任务) already created for hotspots.

A governance task is an appeal of channel `supervisor` (上级交办) whose `extra` holds a
`hotspot` entry. `extra` is read in Python over the window's supervisor-channel appeals, not
with JSON operators, so that SQLite and PostgreSQL answer alike.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiesu.store.hotspot_tables import HotspotAlertRow
from jiesu.store.tables import AppealRow, UserRow

SKIPPED_STATUSES = ("rejected", "merged")  # not appeals of their own
# Kinds that ask nothing of anyone: many thanks (表扬) for one place are no problem to govern.
SKIPPED_KINDS = ("praise",)
TASK_CHANNEL = "supervisor"
# The clustering reads the start of an appeal; the rest of a long text is not loaded.
CONTENT_CHARS = 500


@dataclass(frozen=True)
class RecentAppeal:
    """What clustering and a governance task need of one recent appeal."""

    appeal_id: int
    code: str | None
    kind: str
    category: str | None
    title: str
    content: str  # its first CONTENT_CHARS characters
    address: str
    area_unit_id: int | None
    created_at: datetime
    requester_phone: str | None
    dissatisfied: bool  # follow-up 不满意, or reopened (重办)


@dataclass(frozen=True)
class GovernanceTask:
    """A governance task created for a hotspot."""

    appeal_id: int
    code: str | None
    key: str  # the hotspot's key
    created_at: datetime
    appeal_ids: frozenset[int] = frozenset()  # the hotspot's appeals when the task was made


def governance_tasks(session: Session, since: datetime) -> list[GovernanceTask]:
    """The governance tasks created since `since`, oldest first."""
    rows = session.execute(
        select(AppealRow.id, AppealRow.code, AppealRow.extra, AppealRow.created_at)
        .where(AppealRow.created_at >= since, AppealRow.channel == TASK_CHANNEL)
        .order_by(AppealRow.created_at, AppealRow.id))
    out = []
    for appeal_id, code, extra, created_at in rows:
        entry = extra.get("hotspot") if isinstance(extra, dict) else None
        key = entry.get("key") if isinstance(entry, dict) else None
        if isinstance(entry, dict) and isinstance(key, str):
            ids = entry.get("appeal_ids")
            members = frozenset(i for i in ids if isinstance(i, int)) if isinstance(
                ids, list) else frozenset()
            out.append(GovernanceTask(appeal_id, code, key, created_at, members))
    return out


def hotspot_inputs(session: Session, since: datetime, tasks: Collection[int],
                   limit: int = 20_000) -> list[RecentAppeal]:
    """The appeals created since `since`, newest first, at most `limit`: without rejected and
    merged ones, without praise, and without the governance tasks `tasks` (ids; a task must
    not feed the hotspot it came from)."""
    rows = session.execute(
        select(AppealRow.id, AppealRow.code, AppealRow.kind, AppealRow.category,
               AppealRow.title, func.substr(AppealRow.content, 1, CONTENT_CHARS),
               AppealRow.address, AppealRow.area_unit_id, AppealRow.created_at,
               AppealRow.requester_phone, AppealRow.followup_satisfaction,
               AppealRow.reopened_count)
        .where(AppealRow.created_at >= since, AppealRow.status.not_in(SKIPPED_STATUSES),
               AppealRow.kind.not_in(SKIPPED_KINDS))
        .order_by(AppealRow.created_at.desc(), AppealRow.id.desc())
        .limit(limit + len(tasks)))
    out = []
    for (appeal_id, code, kind, category, title, content, address, area, created_at, phone,
         satisfaction, reopened) in rows:
        if appeal_id in tasks:
            continue
        out.append(RecentAppeal(
            appeal_id=appeal_id, code=code, kind=kind, category=category, title=title or "",
            content=content or "", address=address or "", area_unit_id=area, created_at=created_at,
            requester_phone=phone,
            dissatisfied=satisfaction == "dissatisfied" or (reopened or 0) > 0))
    return out[:limit]


def user_label(session: Session, user_id: int | None) -> str | None:
    """A user's display name, else their username (None for no such user)."""
    if user_id is None:
        return None
    row = session.execute(select(UserRow.display_name, UserRow.username)
                          .where(UserRow.id == user_id)).first()
    return (row[0] or row[1]) if row else None


@dataclass(frozen=True)
class SentAlert:
    """A hotspot warning sent: when, the appeals it named and how many people they were."""

    at: datetime
    appeal_ids: frozenset[int]
    requesters: int


def alerted_since(session: Session, since: datetime) -> list[SentAlert]:
    """The hotspot warnings sent since `since`, oldest first."""
    rows = session.execute(select(HotspotAlertRow.created_at, HotspotAlertRow.appeal_ids,
                                  HotspotAlertRow.requesters)
                           .where(HotspotAlertRow.created_at >= since)
                           .order_by(HotspotAlertRow.id))
    return [SentAlert(at, frozenset(int(i) for i in ids), people) for at, ids, people in rows]


def add_alert(session: Session, row: HotspotAlertRow) -> None:
    session.add(row)
    session.flush()
