"""Liveness and readiness endpoints, as a load balancer uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jiesu.app import create_app
from jiesu.config import Settings
from jiesu.store.migrate import upgrade


def test_a_process_with_its_database_is_live_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:1/none",
                                 "sqlite:///{tmp}/no/such/dir/jiesu.db"])
def test_a_process_without_its_database_is_live_but_not_ready(
        url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(database_url=url.format(tmp=tmp_path), environment="test",
                        model_dir=tmp_path / "models", sweep_interval_seconds=3600)
    with TestClient(create_app(settings, run_jobs=True)) as c:  # as `jiesu serve` starts
        assert c.get("/healthz").status_code == 200
        ready = c.get("/readyz")
    assert ready.status_code == 503, ready.text
    assert ready.json() == {"status": "unavailable", "database": "unreachable"}
    assert "not ready" in caplog.text
    _no_traceback(caplog)


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """An outage or a missing upgrade is said in one line each: the jobs thread's start (the
    knowledge index) logged a page of traceback for it."""
    traced = [r.getMessage() for r in caplog.records if r.exc_info]
    assert not traced, traced


def test_a_process_on_a_database_not_yet_upgraded_is_not_ready_until_it_is(
        empty_db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The new version started before `jiesu db upgrade` answered every page with a 500 while
    /readyz said ok, so the load balancer kept sending traffic to it."""
    upgrade(empty_db_url, "0001")
    settings = Settings(database_url=empty_db_url, environment="test",
                        model_dir=tmp_path / "models", sweep_interval_seconds=3600)
    with TestClient(create_app(settings, run_jobs=True)) as c:
        assert "run `jiesu db upgrade`" in caplog.text  # said once at start
        ready = c.get("/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.json() == {"status": "unavailable", "database": "schema not current"}
        upgrade(empty_db_url)
        ready = c.get("/readyz")  # no restart needed
        assert ready.status_code == 200 and ready.json()["database"] == "ok", ready.text
    _no_traceback(caplog)
