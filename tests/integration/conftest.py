"""Integration fixtures: every test here runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jiesu.app import create_app
from jiesu.config import Settings
from jiesu.runtime import Runtime
from tests.support import pii_guard
from tests.support.city import City, make_city
from tests.support.databases import (
    DatabaseFactory,
    _pg_exec,
    _pg_url,
    require_pg,
    scratch_db_name,
)

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def _db_factories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, DatabaseFactory]]:
    made: dict[str, DatabaseFactory] = {}
    yield made
    for f in made.values():
        f.close()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, _db_factories: dict[str, DatabaseFactory],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    kind = request.param
    if kind == "postgresql":
        require_pg()
    if kind not in _db_factories:
        _db_factories[kind] = DatabaseFactory(kind, tmp_path_factory.mktemp(kind))
    factory = _db_factories[kind]
    url = factory.fresh()
    yield url
    factory.drop(url)


@pytest.fixture
def settings(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # photos of its own: a test can count what it stored (var/uploads was shared by all)
    return Settings(database_url=db_url, environment="test", sweep_interval_seconds=3600,
                    model_dir=tmp_path_factory.mktemp("models"),
                    upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.create(settings)
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        pii_guard.install(c)  # every public response of every test is checked for PII
        yield c


@pytest.fixture
def city(runtime: Runtime, client: TestClient) -> City:
    return make_city(runtime, client)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (what `jiesu db upgrade` starts from)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    require_pg()
    name = scratch_db_name("t_empty")
    _pg_exec(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
