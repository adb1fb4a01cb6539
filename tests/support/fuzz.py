"""What the fuzz tests record of one request: nothing when the answer is below 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def server_error(send: Callable[..., Any], *args: Any, **kwargs: Any) -> str | None:
    """None when `send(*args, **kwargs)` answers with a status below 500; else what went
    wrong. The test client re-raises what the app did not catch, which a server would answer
    with a 500."""
    try:
        status = send(*args, **kwargs).status_code
    except Exception as exc:  # noqa: BLE001 - every uncaught error is the finding
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    return f"HTTP {status}" if status >= 500 else None
