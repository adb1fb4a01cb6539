"""Housekeeping that deletes many rows: one short transaction per batch, so a large backlog
never holds a long write lock (SQLite has one writer) nor one huge transaction."""

from __future__ import annotations

from collections.abc import Callable

from jiesu.store.uow import Database, UnitOfWork

BATCH = 5000  # the store's purge functions delete at most this many rows a call


def in_batches(db: Database, step: Callable[[UnitOfWork], int], *, batch: int = BATCH,
               max_batches: int = 20) -> int:
    """Run `step` (which handles at most `batch` rows and says how many) in its own
    transaction until it handles fewer than `batch`, at most `max_batches` times; the total."""
    done = 0
    for _ in range(max_batches):
        with db.uow() as uow:
            n = step(uow)
            uow.commit()
        done += n
        if n < batch:
            break
    return done
