"""The test databases' own housekeeping: what a killed run left behind is removed by the next
run on the same machine, and nothing of a run still going is touched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import databases
from tests.support.databases import HOST, _pg_exec, require_pg


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _pg_names() -> set[str]:
    import psycopg

    with psycopg.connect(databases._libpq(databases.PG_ADMIN_URL)) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}


def test_a_killed_runs_postgresql_databases_are_dropped_and_a_live_runs_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    require_pg()
    dead, alive = _dead_pid(), databases.os.getpid()
    left = f"jiesu_t_{HOST}_{dead}_0123456789"
    left_template = f"jiesu_tpl_{HOST}_{dead}_0123456789"
    live = f"jiesu_t_{HOST}_{alive}_0123456789"
    elsewhere = f"jiesu_t_{'0' * 6 if HOST != '0' * 6 else '1' * 6}_{dead}_0123456789"
    names = (left, left_template, live, elsewhere)
    for name in names:
        _pg_exec(f'CREATE DATABASE "{name}"')
    try:
        monkeypatch.setattr(databases, "_swept", set())
        databases.sweep_left_behind("postgresql")
        present = _pg_names()
        assert left not in present and left_template not in present
        assert live in present  # this very process: a run still going
        assert elsewhere in present  # another machine's run on a shared server
    finally:
        for name in names:
            _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_killed_runs_sqlite_directory_is_removed_and_a_live_runs_kept(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JIESU_TEST_SQLITE_DIR", str(tmp_path))
    monkeypatch.setattr(databases, "_swept", set())
    left = tmp_path / f"jiesu-test-{HOST}-{_dead_pid()}-abc123"
    live = databases._sqlite_dir(tmp_path / "unused")
    other = tmp_path / "someone-elses"
    for d in (left, other):
        d.mkdir()
    (left / "test-1.db").write_bytes(b"x")
    databases.sweep_left_behind("sqlite")
    assert not left.exists()
    assert live.exists() and live.parent == tmp_path
    assert other.exists()
