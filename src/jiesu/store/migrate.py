"""Run Alembic migrations from code (CLI `jiesu db upgrade`, tests, demo), and tell whether a
database has every migration this code knows (`missing_migrations`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

from jiesu.domain.errors import InvalidArguments
from jiesu.store.db import make_engine, normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads", *,
            on_step: Callable[[str, float], None] | None = None) -> None:
    """Bring the database at `url` to `revision` (default: every feature branch's newest).
    `on_step(revision, seconds)` hears of each migration as it is done; a revision Alembic
    cannot resolve raises InvalidArguments."""
    cfg = alembic_config(url)
    if on_step is not None:
        started = [time.monotonic()]

        def applied(*, step: Any, **_: Any) -> None:
            now = time.monotonic()
            on_step(", ".join(step.up_revision_ids if step.is_upgrade
                              else step.down_revision_ids), now - started[0])
            started[0] = now

        cfg.attributes["on_version_apply"] = applied
    try:
        command.upgrade(cfg, revision)
    except CommandError as exc:
        raise InvalidArguments(f"无法升级到 {revision}：{exc}") from None


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
    # by number, which is creation order: with one branch per feature the walk's order among
    # branches changes whenever a migration is added
    return sorted(rev for rev in wanted if rev not in applied)


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
