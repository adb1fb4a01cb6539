"""Engine creation: SQLite in WAL mode with foreign keys, or PostgreSQL via psycopg 3."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["DatabaseError", "Session", "createdb_command", "display_url", "make_engine",
           "make_session_factory", "missing_database", "normalise_url", "ping"]

# Whatever the database layer raises (SQLAlchemy's base error, not its narrower DatabaseError):
# an entry point that turns a failed read into a one-line message catches this, and services
# name the session type they hand to store functions as `Session` from here, so neither
# imports SQLAlchemy itself.
DatabaseError = SQLAlchemyError


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


# What PostgreSQL says when the URL names a database that was never created, in English and
# in the Chinese of a server whose lc_messages is zh_CN; libpq gives a refused connection no
# SQLSTATE, so the words are all there is to tell it from an outage.
_NO_DATABASE = re.compile(r'database "([^"]+)" does not exist|数据库 "([^"]+)" 不存在')


def missing_database(exc: BaseException | None) -> str | None:
    """The name of the database when `exc` (or what it wraps) says it does not exist: a
    setting to correct or a database to create, which waiting does not mend; else None."""
    seen = 0
    while exc is not None and seen < 5:
        found = _NO_DATABASE.search(str(getattr(exc, "orig", None) or exc))
        if found:
            return found.group(1) or found.group(2)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def createdb_command(url: str, name: str) -> str:
    """PostgreSQL's `createdb` command that makes database `name` on the server of `url`
    (its host, port and user; never its password)."""
    try:
        parts = make_url(normalise_url(url))
    except Exception:  # an unparsable URL: the bare command still helps
        return f"createdb {name}"
    options = [f"{flag} {value}" for flag, value in
               (("-h", parts.host), ("-p", parts.port), ("-U", parts.username)) if value]
    return " ".join(["createdb", *options, name])


def ping(session: Session) -> None:
    """One round trip to the database (raises DatabaseError when it cannot answer)."""
    session.execute(text("SELECT 1"))


def display_url(url: str) -> str:
    """A database URL with its password hidden (for the console, logs and model metadata)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is still worth showing, minus any credentials
        return url.rpartition("@")[2]


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """Create an engine; on SQLite turn on WAL, foreign keys and a busy timeout. Statement
    parameters (phone numbers, names, appeals' text) are never written into error messages or
    logs (`hide_parameters`)."""
    url = normalise_url(url)
    try:
        make_url(url)
    except ValueError as exc:  # e.g. a port that is not a number: one line, not a traceback
        raise ArgumentError(f"database URL cannot be parsed: {exc}") from None
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, hide_parameters=True,
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's BEGIN be the real transaction start (pysqlite quirk).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # FULL: every commit reaches the disk before the caller hears of it, so an appeal
            # acknowledged to a resident survives a power cut (NORMAL may lose the last
            # commits then); it costs about a tenth of SQLite's registration throughput
            # (bench/intake.py --db sqlite: 264–277/s against 298–305/s with NORMAL)
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A writing unit of work takes the write lock up front (IMMEDIATE), so two writers
            # queue on busy_timeout instead of failing when a read lock cannot be upgraded.
            if conn.get_execution_options().get("sqlite_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    # JIT off: the app runs short OLTP queries; on a big table a capped count crossed
    # jit_above_cost and spent ~180 ms compiling for a query that runs in a few ms.
    return create_engine(
        # No pre-ping: it costs a round trip on every checkout of the intake hot path. After a
        # database restart the first statement on a dead connection fails, SQLAlchemy then
        # invalidates the whole pool, and the client's retry (with its idempotency key) succeeds.
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False,
        pool_recycle=3600, connect_args={"options": "-c jit=off"}, hide_parameters=True,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
