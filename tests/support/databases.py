"""Real databases for integration tests: SQLite files and PostgreSQL databases.

The schema is built once per session by `alembic upgrade` into a template; every test gets a
fresh copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from jiesu.store.migrate import upgrade

PG_ADMIN_URL = os.environ.get("JIESU_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(_libpq(PG_ADMIN_URL), connect_timeout=3):
            return True
    except Exception:
        return False


def require_pg() -> None:
    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable (set JIESU_TEST_PG_URL); skipped outside CI")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


def _pg_exec(sql: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(sql)


class DatabaseFactory:
    """Hands out fresh, migrated databases of one kind."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.tmp = tmp
        self.created: list[str] = []
        tag = uuid.uuid4().hex[:8]
        if kind == "sqlite":
            self.template = tmp / f"template-{tag}.db"
            upgrade(f"sqlite:///{self.template}", "heads")
        else:
            self.template_name = f"jiesu_tpl_{os.getpid()}_{tag}"
            _pg_exec(f'CREATE DATABASE "{self.template_name}"')
            self.created.append(self.template_name)
            upgrade(_pg_url(self.template_name), "heads")

    def fresh(self) -> str:
        tag = uuid.uuid4().hex[:10]
        if self.kind == "sqlite":
            path = self.tmp / f"test-{tag}.db"
            shutil.copyfile(self.template, path)
            return f"sqlite:///{path}"
        name = f"jiesu_t_{os.getpid()}_{tag}"
        _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')
        self.created.append(name)
        return _pg_url(name)

    def drop(self, url: str) -> None:
        if self.kind == "postgresql":
            name = url.rpartition("/")[2]
            _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if name in self.created:
                self.created.remove(name)

    def close(self) -> None:
        if self.kind == "postgresql":
            for name in list(self.created):
                _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
