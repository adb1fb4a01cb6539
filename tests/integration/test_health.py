"""Liveness and readiness endpoints, as a load balancer uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jiesu.app import create_app
from jiesu.config import Settings


def test_a_process_with_its_database_is_live_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("url", ["postgresql+psycopg://postgres@127.0.0.1:1/none",
                                 "sqlite:///{tmp}/no/such/dir/jiesu.db"])
def test_a_process_without_its_database_is_live_but_not_ready(
        url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(database_url=url.format(tmp=tmp_path), environment="test",
                        model_dir=tmp_path / "models")
    with TestClient(create_app(settings)) as c:
        assert c.get("/healthz").status_code == 200
        ready = c.get("/readyz")
    assert ready.status_code == 503, ready.text
    assert ready.json() == {"status": "unavailable", "database": "unreachable"}
    assert "not ready" in caplog.text
