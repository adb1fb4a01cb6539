"""A URL naming a database that does not exist is told apart from an outage by what the
server says, in English or in the Chinese of a zh_CN server (libpq gives it no SQLSTATE)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from jiesu.domain.errors import Unavailable
from jiesu.store.db import createdb_command, missing_database


def _refused(message: str) -> OperationalError:
    return OperationalError("connect", {}, Exception(message))


@pytest.mark.parametrize("said", [
    'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
    'database "jiesu_city" does not exist',
    'connection failed: 致命错误:  数据库 "jiesu_city" 不存在',
])
def test_the_database_named_in_the_refusal(said: str) -> None:
    assert missing_database(_refused(said)) == "jiesu_city"
    # as the pages and commands meet it: the unit of work's 503 error, caused by the refusal
    try:
        raise Unavailable("暂时无法访问数据库，请稍后重试") from _refused(said)
    except Unavailable as exc:
        assert missing_database(exc) == "jiesu_city"


def test_an_outage_is_not_a_missing_database() -> None:
    assert missing_database(_refused(
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection '
        "refused")) is None
    assert missing_database(Unavailable("暂时无法访问数据库，请稍后重试")) is None
    assert missing_database(None) is None


def test_the_command_that_creates_it_names_the_server_never_the_password() -> None:
    assert createdb_command("postgresql://jiesu:s3cret@db.example:6432/city?sslmode=require",
                            "city") == "createdb -h db.example -p 6432 -U jiesu city"
    assert createdb_command("postgres:///city", "city") == "createdb city"
