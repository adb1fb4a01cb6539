"""Root test configuration: only what every test layer needs (see also tests/support/)."""

from __future__ import annotations

import os

# Tests never read a developer's .env or ./jiesu.db by accident.
os.environ.setdefault("JIESU_ENVIRONMENT", "test")
