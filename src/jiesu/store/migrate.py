"""Run Alembic migrations from code (CLI `jiesu db upgrade`, tests, demo)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from jiesu.store.db import normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at `url` to `revision` (default: every feature branch's newest)."""
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str, *, rev_id: str | None = None,
             head: str = "head") -> None:
    """Autogenerate a new migration (developers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id,
                     head=head)
