"""Store side of the configuration-change log: append under the locked chain head, walk the
chain in order for the audit check, and list entries for the auditor's page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
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
           until: datetime | None, page: int = 1, per_page: int = 50
           ) -> tuple[list[ConfigEventRow], int]:
    """One page of entries, newest first by time, optionally of one area and within
    [since, until); with how many match (administrators' changes are few: counted in full)."""
    where: list[ColumnElement[bool]] = []
    if area:
        where.append(ConfigEventRow.area == area)
    if since is not None:
        where.append(ConfigEventRow.at >= since)
    if until is not None:
        where.append(ConfigEventRow.at < until)
    rows = list(session.scalars(select(ConfigEventRow).where(*where)
                                .order_by(ConfigEventRow.at.desc(), ConfigEventRow.id.desc())
                                .limit(per_page).offset((page - 1) * per_page)))
    total = session.scalar(select(func.count()).select_from(ConfigEventRow).where(*where)) or 0
    return rows, total
