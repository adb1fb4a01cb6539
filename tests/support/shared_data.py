"""Where the shared evaluation data lives: ../shared/data beside the checkout (as on the
developers' machines and in CI), or $JIESU_SHARED_DATA. Tests that need it skip without it."""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DATA = Path(os.environ.get(
    "JIESU_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
