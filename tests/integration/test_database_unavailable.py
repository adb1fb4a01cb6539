"""When PostgreSQL restarts or cannot be reached, a request gets 503 with a message a person
understands and a Retry-After, never a server error; the next request after a restart works,
and a resident's typed appeal is kept on the form (PostgreSQL only: SQLite is a file in the
process, its one failure of this kind, a held write lock, is tested as 系统繁忙 elsewhere)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from jiesu.domain.errors import Unavailable
from jiesu.store.db import ping
from jiesu.store.uow import Database
from tests.integration.test_web_pages import _login, _token
from tests.support.city import City
from tests.support.databases import _pg_exec, _pg_url

APPEAL = {"title": "路灯不亮", "content": "多福巷路灯坏了三天，晚上很黑", "channel": "hotline",
          "kind": "complaint", "requester_phone": "13800138000"}


def _cut(name: str) -> None:
    """What a restart does to the app: every open connection to its database is gone."""
    _pg_exec(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
             " AND pid <> pg_backend_pid()")


# PostgreSQL only (no SQLite copy to skip): the db_url fixture gets just this parameter
pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
def pg_name(db_url: str) -> str:
    return db_url.rsplit("/", 1)[1].split("?")[0]


def test_after_a_restart_one_request_gets_503_and_the_next_one_works(city: City,
                                                                     pg_name: str) -> None:
    c, operator = city.client, city.headers("operator")
    assert c.get("/api/v1/appeals", headers=operator).status_code == 200  # pooled connections
    _cut(pg_name)
    r = c.post("/api/v1/appeals", json=APPEAL, headers=operator)
    assert r.status_code == 503, r.text
    assert r.json()["error"] == {"code": "unavailable", "message": "暂时无法访问数据库，请稍后重试"}
    assert r.headers["retry-after"] == "5"
    # the pool was renewed: the client's retry is registered
    r = c.post("/api/v1/appeals", json=APPEAL, headers=operator)
    assert r.status_code == 201, r.text


def test_an_operators_call_is_kept_on_the_form_while_the_database_is_down(
        city: City, pg_name: str) -> None:
    with TestClient(city.client.app) as desk:
        _login(desk, "operator")
        token = _token(desk, "/staff/operator")
        _pg_exec(f'ALTER DATABASE "{pg_name}" ALLOW_CONNECTIONS false')
        try:
            _cut(pg_name)
            r = desk.post("/staff/operator", data={
                "csrf_token": token, "requester_phone": "13800138000", "kind": "complaint",
                "urgency": "normal", "title": APPEAL["title"], "content": APPEAL["content"]})
        finally:
            _pg_exec(f'ALTER DATABASE "{pg_name}" ALLOW_CONNECTIONS true')
    assert r.status_code == 503
    assert "暂时无法访问数据库，请稍后重试" in r.text
    assert APPEAL["content"] in r.text and "13800138000" in r.text


def test_while_the_database_is_down_pages_and_api_say_so_and_the_form_keeps_the_text(
        city: City, pg_name: str) -> None:
    c, operator = city.client, city.headers("operator")
    token = _token(c)  # the resident opened /submit while the database was up
    _pg_exec(f'ALTER DATABASE "{pg_name}" ALLOW_CONNECTIONS false')
    try:
        _cut(pg_name)
        r = c.post("/api/v1/appeals", json=APPEAL, headers=operator)
        assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
        r = c.post("/submit", data={"kind": "complaint", "content": APPEAL["content"],
                                    "requester_phone": "13800138000", "csrf_token": token})
        assert r.status_code == 503
        assert "暂时无法访问数据库，请稍后重试" in r.text
        assert APPEAL["content"] in r.text  # nothing typed is lost: the form is shown again
        r = c.get("/board")
        assert r.status_code == 503 and "暂时无法访问数据库" in r.text
        assert c.get("/readyz").status_code == 503
    finally:
        _pg_exec(f'ALTER DATABASE "{pg_name}" ALLOW_CONNECTIONS true')
    r = c.post("/api/v1/appeals", json=APPEAL, headers=operator)
    assert r.status_code == 201, r.text


def test_a_database_that_does_not_exist_is_named_in_the_log(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """The pages answer it as any outage (503, 暂时无法访问数据库，请稍后重试: residents cannot
    mend it), but the log says what the administrator must do instead of `database
    unavailable`, which sent them waiting."""
    db = Database(_pg_url("jiesu_cli_never_created"), pool_size=1)
    try:
        with caplog.at_level(logging.WARNING, logger="jiesu.store.uow"), \
                pytest.raises(Unavailable) as refused, db.uow(write=False) as uow:
            ping(uow.session)
    finally:
        db.dispose()
    assert refused.value.message == "暂时无法访问数据库，请稍后重试"
    assert refused.value.http_status == 503
    said = caplog.text
    assert 'database "jiesu_cli_never_created" does not exist' in said, said
    assert "JIESU_DATABASE_URL" in said and "database unavailable" not in said
