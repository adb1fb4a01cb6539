"""Two app processes doing the same work at the same moment, as far as the database can tell."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from jiesu.runtime import Runtime

T = TypeVar("T")


def side_by_side(runtime: Runtime, work: Callable[[Runtime], T]) -> list[T]:
    """Run `work` at once in `runtime` and in a second runtime on the same database (its own
    connection pool, like another process); the results in the order they finished. An
    exception in either is raised here."""
    other = Runtime.create(runtime.settings)
    barrier = threading.Barrier(2)
    results: list[T] = []
    errors: list[BaseException] = []

    def run(rt: Runtime) -> None:
        try:
            barrier.wait()
            results.append(work(rt))
        except BaseException as exc:  # raised again below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(rt,)) for rt in (runtime, other)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.close()
    if errors:
        raise errors[0]
    return results
