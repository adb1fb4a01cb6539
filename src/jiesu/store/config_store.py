"""Store side of the configuration-change log: append under the locked chain head, walk the
chain in order for the audit check, and list entries for the auditor's page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiesu.domain.events import GENESIS_HASH
from jiesu.store.config_tables import ConfigChainRow, ConfigEventRow

HEAD_ID = 1


def locked_head(session: Session) -> ConfigChainRow:
    """The chain's head row, locked until the transaction ends (made on first use; two first
    uses at once: the primary key refuses the later one, which is then retried)."""
    row = session.scalar(select(ConfigChainRow).where(ConfigChainRow.id == HEAD_ID)
                         .with_for_update())
    if row is None:
        row = ConfigChainRow(id=HEAD_ID, count=0, head=GENESIS_HASH)
        session.add(row)
        session.flush()
    return row


def add(session: Session, row: ConfigEventRow) -> None:
    session.add(row)
    session.flush()


def head(session: Session) -> tuple[int, str] | None:
    """(entry count, head hash) as recorded; None before the first entry."""
    row = session.get(ConfigChainRow, HEAD_ID)
    return None if row is None else (row.count, row.head)


def in_chain_order(session: Session, chunk: int) -> Iterator[ConfigEventRow]:
    """Every entry by seq, streamed `chunk` rows at a time."""
    return session.execute(select(ConfigEventRow).order_by(ConfigEventRow.seq)
                           .execution_options(yield_per=chunk)).scalars()


def recent(session: Session, *, area: str | None, since: datetime | None,
           until: datetime | None, limit: int, offset: int = 0) -> list[ConfigEventRow]:
    """Entries newest first, optionally of one area and within [since, until)."""
    stmt = select(ConfigEventRow)
    if area:
        stmt = stmt.where(ConfigEventRow.area == area)
    if since is not None:
        stmt = stmt.where(ConfigEventRow.at >= since)
    if until is not None:
        stmt = stmt.where(ConfigEventRow.at < until)
    return list(session.scalars(stmt.order_by(ConfigEventRow.at.desc(), ConfigEventRow.id.desc())
                                .limit(limit).offset(offset)))
