"""Real databases for integration tests: SQLite files and PostgreSQL databases.

The schema is built once per session by `alembic upgrade` into a template; every test gets a
fresh copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).

Creating and dropping a PostgreSQL database waits on the server's disk (a checkpoint for the
drop: a second or two on a busy machine, longer than most tests), so one thread per process
makes the next copies ahead and drops the used ones while the tests run. SQLite copies live in
memory (/dev/shm) where there is one, so that their commits do not wait on the disk either;
`JIESU_TEST_SQLITE_DIR` chooses another directory.

Every database and directory made here is named after this machine and process
(`jiesu_t_<host>_<pid>_…`, `jiesu-test-<host>-<pid>-…`), so that the first factory of a run can
remove what a killed run on this machine left behind (its process gone) without touching a
run still going, or one of another machine sharing the PostgreSQL server.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import tempfile
import threading
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


HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
_LEFT_PG = re.compile(rf"jiesu_(?:t|tpl|t_empty)_{HOST}_(\d+)_[0-9a-f]+")
_LEFT_DIR = re.compile(rf"jiesu-test-{HOST}-(\d+)-.*")


def scratch_db_name(kind: str = "t") -> str:
    """A PostgreSQL database name for this process: `jiesu_<kind>_<host>_<pid>_<random>`."""
    return f"jiesu_{kind}_{HOST}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


def _sqlite_base() -> str | None:
    return os.environ.get("JIESU_TEST_SQLITE_DIR") or (
        "/dev/shm" if os.access("/dev/shm", os.W_OK) else None)


def _sqlite_dir(fallback: Path) -> Path:
    """A fresh directory for this session's SQLite files: in memory when the machine has it."""
    base = _sqlite_base()
    return (Path(tempfile.mkdtemp(prefix=f"jiesu-test-{HOST}-{os.getpid()}-", dir=base))
            if base else fallback)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def left_behind(names: list[str], pattern: re.Pattern[str]) -> list[str]:
    """The names made by processes of this machine that have since gone."""
    return [n for n in names if (m := pattern.fullmatch(n)) and _gone(int(m.group(1)))]


_swept: set[str] = set()


def sweep_left_behind(kind: str) -> None:
    """Remove the databases (or SQLite directories) that killed runs on this machine left;
    once per process and kind. Two workers sweeping at once may race on a name: harmless."""
    if kind in _swept:
        return
    _swept.add(kind)
    if kind == "sqlite":
        base = _sqlite_base()
        if base:
            for name in left_behind(os.listdir(base), _LEFT_DIR):
                shutil.rmtree(Path(base) / name, ignore_errors=True)
        return
    import psycopg

    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'jiesu\\_t%'")]
        for name in left_behind(names, _LEFT_PG):
            with contextlib.suppress(psycopg.Error):  # another worker's sweep got there first
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class DatabaseFactory:
    """Hands out fresh, migrated databases of one kind."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        sweep_left_behind(kind)
        self.tmp = _sqlite_dir(tmp) if kind == "sqlite" else tmp
        self._own_dir = self.tmp != tmp  # made here (in memory): removed by close()
        self.created: list[str] = []
        tag = uuid.uuid4().hex[:8]
        if kind == "sqlite":
            self.template = self.tmp / f"template-{tag}.db"
            upgrade(f"sqlite:///{self.template}", "heads")
            return
        self.template_name = scratch_db_name("tpl")
        _pg_exec(f'CREATE DATABASE "{self.template_name}"')
        self.created.append(self.template_name)
        upgrade(_pg_url(self.template_name), "heads")
        # PostgreSQL copies are made ahead and dropped afterwards by one thread, so that a
        # test waits for neither while the server is busy
        self._cv = threading.Condition()
        self._ready: list[str] = []
        self._to_drop: list[str] = []
        self._failed: Exception | None = None
        self._closing = False
        self._worker = threading.Thread(target=self._keep_ready, daemon=True,
                                        name="test-databases")
        self._worker.start()

    def fresh(self) -> str:
        if self.kind == "sqlite":
            path = self.tmp / f"test-{uuid.uuid4().hex[:10]}.db"
            shutil.copyfile(self.template, path)
            return f"sqlite:///{path}"
        with self._cv:
            while not self._ready and self._failed is None:
                self._cv.wait()
            if not self._ready:
                raise RuntimeError("could not create a test database") from self._failed
            name = self._ready.pop(0)
            self._cv.notify_all()
        return _pg_url(name)

    def drop(self, url: str) -> None:
        """Forget a test's database: removed now (SQLite) or soon, by the worker thread."""
        if self.kind == "sqlite":
            path = url.removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(path + suffix).unlink(missing_ok=True)
            return
        with self._cv:
            self._to_drop.append(url.rpartition("/")[2])
            self._cv.notify_all()
        with self._cv:  # a slow server makes the tests wait rather than pile up old copies
            while len(self._to_drop) > 4 and self._failed is None:
                self._cv.wait()

    def _keep_ready(self) -> None:
        while True:
            with self._cv:
                while not self._closing and not self._to_drop and len(self._ready) >= READY:
                    self._cv.wait()
                if self._closing:
                    return
                # a waiting test first, then the drops, then the spare copy
                drop = self._to_drop.pop(0) if self._ready and self._to_drop else None
            try:
                if drop is not None:
                    _pg_exec(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
                    self.created.remove(drop)
                else:
                    name = scratch_db_name()
                    self.created.append(name)
                    _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"')
            except Exception as exc:  # noqa: BLE001 - handed to the waiting test
                with self._cv:
                    self._failed = exc
                    self._cv.notify_all()
                return
            with self._cv:
                if drop is None:
                    self._ready.append(name)
                self._cv.notify_all()

    def close(self) -> None:
        if self.kind == "sqlite":
            if self._own_dir:
                shutil.rmtree(self.tmp, ignore_errors=True)
            return
        with self._cv:
            self._closing = True
            self._cv.notify_all()
        self._worker.join()
        for name in list(self.created):
            _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


READY = 2  # PostgreSQL copies kept ready for the next tests of one process
