"""Root test configuration: only what every test layer needs (see also tests/support/)."""

from __future__ import annotations

import os

# Tests never read a developer's .env or ./jiesu.db by accident.
os.environ.setdefault("JIESU_ENVIRONMENT", "test")

# Passwords in tests are hashed with argon2's cheapest parameters, as Django's docs advise for
# test settings: every test city adds about a dozen accounts and signs several of them in, and at
# the production cost (about 60 ms a hash or a check) that was minutes of CI. Still real argon2:
# a wrong password still fails, and a hash carries its own parameters, so checking is unchanged.
# (Servers that browser tests start in their own process keep the production cost.)
from argon2 import PasswordHasher  # noqa: E402

import jiesu.services.auth as _auth  # noqa: E402

_auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
