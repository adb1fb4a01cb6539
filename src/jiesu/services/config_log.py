"""Recording an administrator's change in the configuration-change log (配置变更记录), inside
the use case's own unit of work: the change and its record commit together or not at all."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jiesu.domain.appeal import Actor
from jiesu.domain.config_events import (
    AREAS,
    ConfigChange,
    difference,
    entry_hash,
    without_secrets,
)
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.store import config_store
from jiesu.store.config_tables import SUMMARY_LENGTH, ConfigEventRow
from jiesu.store.uow import UnitOfWork

COMMAND_LINE_ROLE = "command_line"  # `jiesu ...` run on the server: no user signed in


def record_change(uow: UnitOfWork, by: CurrentUser | Actor | None, area: str, action: str,
                  summary: str, details: dict[str, Any] | None = None, *,
                  now: datetime | None = None) -> None:
    """Append one entry for a change made in `uow` by `by` (None: the command line). Secrets
    in `details` (passwords, their hashes, API key secrets) are left out."""
    if area not in AREAS:
        raise ValueError(f"unknown configuration area {area!r}")
    at = now or utcnow()
    who = by.user_id if isinstance(by, Actor) else (by.id if by is not None else None)
    actor_id, role = ((None, COMMAND_LINE_ROLE) if by is None or not who
                      else (who, by.role.value))
    change = ConfigChange(area=area, action=action, at=at, actor_id=actor_id, actor_role=role,
                          summary=summary[:SUMMARY_LENGTH],
                          details=_plain(without_secrets(dict(details or {}))))
    head = config_store.locked_head(uow.session)
    seq = head.count + 1
    digest = entry_hash(head.head, seq, change)
    config_store.add(uow.session, ConfigEventRow(
        seq=seq, at=at, actor_id=actor_id, actor_role=role, area=area, action=action,
        summary=change.summary, details=change.details, prev_hash=head.head, hash=digest))
    head.count, head.head = seq, digest


def record_update(uow: UnitOfWork, by: CurrentUser | Actor | None, area: str, what: str,
                  names: Mapping[str, str], before: dict[str, Any], after: dict[str, Any],
                  details: dict[str, Any] | None = None, *, now: datetime | None = None) -> None:
    """One `update` entry for an edit of `what` (e.g. 知识库文章 #3《…》) naming the parts that
    changed by their Chinese `names`, with their values before and after; none when nothing
    changed."""
    was, now_is = difference(before, after)
    if now_is:
        record_change(uow, by, area, "update",
                      f"修改{what}：" + "、".join(names[k] for k in now_is),
                      {**(details or {}), "before": was, "after": now_is}, now=now)


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """Details as the database gives them back (JSON types only), so the hash stays true."""
    plain: dict[str, Any] = json.loads(json.dumps(details, ensure_ascii=False, default=str))
    return plain


def hold_log(uow: UnitOfWork) -> None:
    """Take the log's lock now, before reading what a change edits: a change made of a read
    and a write (a rule added to a stored list) then never loses another administrator's
    change made at the same moment, since every recorded change takes this lock."""
    config_store.locked_head(uow.session)
