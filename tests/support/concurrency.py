"""Two app processes doing the same work at the same moment, as far as the database can tell."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TypeVar

from fastapi.testclient import TestClient

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


@contextmanager
def app_clients(runtime: Runtime, n: int = 2) -> Iterator[list[TestClient]]:
    """`n` app instances on `runtime` (two apps serving one database, as two processes), each
    with a started client that has answered one request, so a race starts on the handlers.

    FastAPI (0.165) builds an app's routes at its first request, each parameter's validator
    inside `warnings.catch_warnings()` to hide pydantic's UnsupportedFieldAttributeWarning
    about the alias FastAPI itself gives every parameter. Those filters are process-wide, not
    per thread: two apps' first requests at once undid each other's and the warning leaked
    (an error under this suite's filterwarnings). One request per app first, one app at a time.
    """
    from jiesu.app import create_app

    with ExitStack() as stack:
        clients = [stack.enter_context(TestClient(create_app(runtime.settings, runtime=runtime)))
                   for _ in range(n)]
        for client in clients:
            # a path no route has: matching it walks, hence builds, every route of the app
            assert client.get("/api/v1/no-such-route").status_code == 404
        yield clients
