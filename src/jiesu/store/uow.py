"""Unit of work: one transaction per use case; services are the only place that commit."""

from __future__ import annotations

import logging
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from jiesu.domain.errors import Busy, ConcurrencyConflict, InvalidArguments, Unavailable
from jiesu.store.db import make_engine, make_session_factory, missing_database
from jiesu.store.repositories import AppealIds, AppealRepository, UnitRepository

log = logging.getLogger(__name__)

_CANNOT_STORE = "数值超出允许范围，或内容含有无法保存的字符"
_BUSY = "系统繁忙，请稍后重试"
_UNAVAILABLE = "暂时无法访问数据库，请稍后重试"
_RACED = "数据刚被另一项操作修改，未作任何修改，请重试"


class WriteRaced(ConcurrencyConflict):
    """A unique key or foreign key refused the write because another transaction changed the
    same rows first (the database's IntegrityError); nothing of this unit of work was saved.
    Services catch it where a race has a better answer (replay an idempotent request)."""


def _locked(exc: BaseException | None) -> bool:
    """SQLite gave up waiting for another process's write lock (busy_timeout)."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


class Database:
    """The engine and session factory of one process (made by the app or CLI, never at import)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine: Engine = make_engine(url, pool_size=pool_size)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self.appeal_ids = AppealIds()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def uow(self, *, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self, write=write)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """`with db.uow() as uow: ...; uow.commit()` — leaving without commit rolls back."""

    session: Session
    appeals: AppealRepository
    units: UnitRepository

    def __init__(self, db: Database, *, write: bool = True) -> None:
        self.db = db
        self.write = write

    def __enter__(self) -> UnitOfWork:
        self.session = self.db.sessions()
        if self.db.dialect == "sqlite":
            try:  # a writer takes the write lock here (BEGIN IMMEDIATE)
                self.session.connection(execution_options={"sqlite_write": self.write})
            except OperationalError as exc:
                self.session.close()
                if _locked(exc):
                    raise Busy(_BUSY) from exc
                raise
        self.appeals = AppealRepository(self.session, self.db.appeal_ids)
        self.units = UnitRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()
        if isinstance(exc, OverflowError | DataError):
            # a number or text the database cannot hold came from outside (an id of 30
            # digits, a NUL character): the caller's mistake, and nothing was written; the
            # log keeps what the database said, in case a value of ours was the cause
            log.warning("refused as bad input: %s: %s", type(exc).__name__, exc)
            raise InvalidArguments(_CANNOT_STORE) from exc
        if _locked(exc):
            raise Busy(_BUSY) from exc
        if isinstance(exc, OperationalError) and self.db.dialect == "postgresql":
            # the server is down or restarting, a connection was cut (SQLAlchemy then renews
            # the whole pool, so the next request connects afresh), or a deadlock was broken:
            # a 503 the client may retry, not a server fault. A cut during COMMIT leaves the
            # outcome unknown, so the message does not claim that nothing was saved.
            name = missing_database(exc)
            if name is not None:  # no outage: waiting will not create it
                log.error('database "%s" does not exist: create it (createdb %s, then '
                          "`jiesu db upgrade`) or correct JIESU_DATABASE_URL", name, name)
            else:
                log.warning("database unavailable: %s", exc.orig)
            raise Unavailable(_UNAVAILABLE) from exc
        if isinstance(exc, IntegrityError):
            # normally a race on a unique key; logged in case a bug of ours broke a constraint
            log.warning("write refused by a constraint: %s", exc.orig)
            raise WriteRaced(_RACED) from exc

    @property
    def dialect(self) -> str:
        return self.db.dialect

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
