"""Run Alembic migrations from code (CLI `jiesu db upgrade`, tests, demo), and tell whether a
database has every migration this code knows (`missing_migrations`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from jiesu.store.db import make_engine, normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at `url` to `revision` (default: every feature branch's newest)."""
    command.upgrade(alembic_config(url), revision)


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def missing_migrations(conn: Connection) -> list[str]:
    """The migrations of this code that the database has not had, oldest first: all of them
    for an empty database, none when it is current, or from a newer version of jiesu (its
    revisions unknown here: a process not yet restarted after an upgrade stays usable)."""
    scripts = _scripts()
    current = MigrationContext.configure(conn).get_current_heads()
    known = {r.revision for r in scripts.walk_revisions()}
    if any(rev not in known for rev in current):
        return []
    applied = ({r.revision for r in scripts.iterate_revisions(current, "base")}
               if current else set())
    wanted = [r.revision for r in scripts.iterate_revisions("heads", "base")]
    return [rev for rev in reversed(wanted) if rev not in applied]


def missing_migrations_at(url: str) -> list[str]:
    """`missing_migrations` of the database at `url` (raises DatabaseError when unreachable)."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return missing_migrations(conn)
    finally:
        engine.dispose()


def revision(url: str, message: str, *, rev_id: str | None = None,
             head: str = "head") -> None:
    """Autogenerate a new migration (developers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id,
                     head=head)
