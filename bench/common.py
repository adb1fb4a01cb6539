"""Shared helpers for the store/API benchmarks: scratch databases, a seeded city, a server.

Benchmark databases are named `jiesu_bench_*` on PostgreSQL (dropped by the benchmark that made
them unless told to keep them) and live in a temporary directory on SQLite.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PG_ADMIN_URL = os.environ.get("JIESU_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-pass-123"
REPO = Path(__file__).resolve().parents[1]

# A city big enough that unit scopes mean something: 16 districts x 8 streets x 4 communities,
# plus 30 city departments. Handlers sit on districts, streets and departments.
DISTRICTS = 16
STREETS = 8
COMMUNITIES = 4
DEPARTMENTS = 30
CATEGORIES = [
    ("城乡建设", "市政设施", "路灯"), ("城乡建设", "市政设施", "道路"),
    ("城乡建设", "市政设施", "井盖"), ("城乡建设", "物业管理", "电梯"),
    ("城乡建设", "物业管理", "停车"), ("环境保护", "噪音污染", "施工噪音"),
    ("环境保护", "噪音污染", "商业噪音"), ("环境保护", "大气污染", "油烟"),
    ("劳动社保", "劳动关系", "拖欠工资"), ("劳动社保", "社会保险", "医保报销"),
    ("交通运输", "公共交通", "公交线路"), ("交通运输", "道路交通", "信号灯"),
    ("水电气热", "供水", "停水"), ("水电气热", "供热", "暖气不热"),
    ("市场监管", "食品安全", "餐饮卫生"), ("教育", "义务教育", "入学"),
]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- databases ------------------------------------------------------------------------------


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


def pg_exec(sql: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(sql)


def pg_exists(dbname: str) -> bool:
    import psycopg

    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (dbname,)).fetchone() is not None


def create_database(kind: str, name: str, *, migrate: bool = True) -> str:
    """A fresh, migrated database; `name` gets the jiesu_bench_ prefix. Returns its URL."""
    from jiesu.store.migrate import upgrade

    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="jiesu_bench_")) / f"jiesu_bench_{name}.db"
        url = f"sqlite:///{path}"
    elif kind == "postgresql":
        db = f"jiesu_bench_{name}"
        pg_exec(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        pg_exec(f'CREATE DATABASE "{db}"')
        url = pg_url(db)
    else:
        raise SystemExit(f"unknown database kind {kind!r}")
    if migrate:
        upgrade(url, "heads")
    return url


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()
        return
    name = url.rpartition("/")[2]
    assert name.startswith("jiesu_bench_"), name
    pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a seeded city --------------------------------------------------------------------------


@dataclass
class CityIds:
    units: dict[str, int] = field(default_factory=dict)  # code -> id
    paths: dict[str, str] = field(default_factory=dict)  # code -> path
    users: dict[str, int] = field(default_factory=dict)  # username -> id
    categories: list[str] = field(default_factory=list)  # leaf codes


def seed_city(url: str, *, handlers: bool = True) -> CityIds:
    """Units, staff users (password PASSWORD), the 2025–2026 calendar and a taxonomy."""
    from sqlalchemy import select

    from jiesu.adapters.calendar_source import official_year
    from jiesu.config import Settings
    from jiesu.runtime import Runtime
    from jiesu.services.admin import AdminService
    from jiesu.services.clock import utcnow
    from jiesu.store.tables import CategoryRow, UnitRow

    rt = Runtime.create(Settings(database_url=url, environment="test"))
    try:
        admin = AdminService(rt.db, rt.rules)
        ids = CityIds()
        now = utcnow()

        def unit(code: str, name: str, parent: str | None, group: str) -> None:
            ids.units[code] = admin.add_unit(code, name, parent_code=parent, group=group).id

        unit("C", "示范市", None, "city")
        for d in range(1, DISTRICTS + 1):
            unit(f"D{d}", f"第{d}区", "C", "district")
            for s in range(1, STREETS + 1):
                unit(f"D{d}S{s}", f"第{d}区第{s}街道", f"D{d}", "street")
                for c in range(1, COMMUNITIES + 1):
                    unit(f"D{d}S{s}C{c}", f"第{d}区第{s}街道第{c}社区", f"D{d}S{s}", "community")
        for k in range(1, DEPARTMENTS + 1):
            unit(f"W{k}", f"市第{k}局", "C", "department")
        for username, role in [("operator", "operator"), ("dispatcher", "dispatcher"),
                               ("analyst", "analyst"), ("admin", "admin")]:
            ids.users[username] = admin.add_user(username, PASSWORD, role, now=now).id
        if handlers:
            for code in ("D1", "D1S1", "W1"):
                name = f"handler_{code.lower()}"
                ids.users[name] = admin.add_user(name, PASSWORD, "handler", unit_code=code,
                                                 now=now).id
        for year in (2025, 2026):
            admin.load_calendar_year(year, official_year(year), source="bench", now=now)
        admin.import_categories([list(c) for c in CATEGORIES])
        with rt.db.uow(write=False) as uow:
            ids.paths = {c: p for c, p in uow.session.execute(select(UnitRow.code, UnitRow.path))}
            ids.categories = list(uow.session.scalars(
                select(CategoryRow.code).where(CategoryRow.level == 3).order_by(CategoryRow.id)))
        return ids
    finally:
        rt.close()


# --- a server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`jiesu serve` in a subprocess (own process group, so workers die with it)."""

    def __init__(self, url: str, *, workers: int = 1, port: int | None = None,
                 pool_size: int | None = None) -> None:
        self.url = url
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JIESU_DATABASE_URL": url, "JIESU_ENVIRONMENT": "test",
               "PYTHONUNBUFFERED": "1"}
        if pool_size:
            env["JIESU_DB_POOL_SIZE"] = str(pool_size)
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="jiesu_bench_server_", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jiesu.cli", "serve", "--port", str(self.port),
             "--workers", str(workers), "--no-jobs"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not become ready")

    def token(self, username: str, password: str = PASSWORD) -> str:
        req = urllib.request.Request(
            f"{self.base}/api/v1/auth/token",
            data=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return str(json.loads(r.read())["access_token"])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (q in 0–100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
