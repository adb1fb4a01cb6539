"""The embedded SQLite database is opened for several processes and for durability: WAL, foreign
keys, a busy timeout, and every commit synced to disk before it is acknowledged."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from jiesu.store.db import make_engine


def test_every_connection_is_durable_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'jiesu.db'}")
    try:
        with engine.connect() as conn:
            pragma = {name: conn.execute(text(f"PRAGMA {name}")).scalar_one()
                      for name in ("journal_mode", "synchronous", "foreign_keys",
                                   "busy_timeout")}
    finally:
        engine.dispose()
    # synchronous 2 is FULL: an acknowledged appeal survives a power cut (NORMAL, 1, may not)
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                      "busy_timeout": 30000}
