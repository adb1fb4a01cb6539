"""SIGKILL the server in the middle of a stream of registrations, restart it, and find every
appeal that was acknowledged with 201; retrying the unacknowledged requests with their
idempotency keys creates each at most once; the audit chain still verifies.

The server is the real `jiesu serve` (one process, no background jobs) in a subprocess on a free
port, against a fresh SQLite file (WAL) or PostgreSQL database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from jiesu.store.db import normalise_url
from jiesu.store.tables import AppealRow
from tests.support.city import PASSWORD, City

STREAMS = 4  # concurrent clients, so several requests are in flight at the kill
ACKED_BEFORE_KILL = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, db_url: str, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JIESU_DATABASE_URL": db_url, "JIESU_ENVIRONMENT": "test"}
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jiesu.cli", "serve", "--port", str(self.port),
             "--workers", "1", "--no-jobs"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


@pytest.fixture
def server_log(tmp_path: Path) -> Path:
    return tmp_path / "server.log"


@dataclass
class Stream:
    acked: dict[str, dict[str, object]] = field(default_factory=dict)  # key -> 201 body
    unacked: dict[str, str] = field(default_factory=dict)  # key -> content sent
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _content(key: str) -> str:
    return f"崩溃测试：{key} 小区门口的路灯坏了，晚上出行不安全"


def _stream(base: str, token: str, worker: int, out: Stream, stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=30) as client:
        i = 0
        while not stop.is_set():
            i += 1
            key = f"crash-{worker}-{i}"
            body = {"kind": "complaint", "content": _content(key),
                    "requester_phone": f"1380000{worker:02d}{i:02d}"[:11]}
            try:
                r = client.post("/api/v1/appeals", json=body,
                                headers={**headers, "Idempotency-Key": key})
            except httpx.HTTPError:
                with out.lock:
                    out.unacked[key] = body["content"]
                return  # the server is gone
            with out.lock:
                if r.status_code == 201:
                    out.acked[key] = r.json()
                else:
                    out.unacked[key] = body["content"]
                    out.errors.append(f"{r.status_code} {r.text[:200]}")


def test_sigkill_mid_stream_loses_no_acknowledged_appeal(
    db_url: str, city: City, server_log: Path, tmp_path: Path
) -> None:
    first = ServerProcess(db_url, server_log)
    try:
        token = httpx.post(f"{first.base}/api/v1/auth/token",
                           json={"username": "operator", "password": PASSWORD},
                           timeout=30).json()["access_token"]
        out = Stream()
        stop = threading.Event()
        threads = [threading.Thread(target=_stream, args=(first.base, token, w, out, stop))
                   for w in range(STREAMS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 180
        while len(out.acked) < ACKED_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.02)
        first.kill()  # SIGKILL while the streams are still sending
        for t in threads:
            t.join(timeout=60)
        stop.set()
    finally:
        first.stop()
    assert len(out.acked) >= ACKED_BEFORE_KILL, (len(out.acked), out.errors)
    assert not out.errors, out.errors
    assert len(out.unacked) == STREAMS  # each stream's in-flight request died with the server

    second = ServerProcess(db_url, server_log)
    try:
        # a token signed before the crash is still good (same secret)
        h = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=second.base, timeout=30, headers=h) as client:
            for key, body in out.acked.items():
                r = client.get(f"/api/v1/appeals/{body['id']}")
                assert r.status_code == 200, (key, r.text)
                got = r.json()
                assert got["code"] == body["code"] and got["content"] == _content(key)
                assert [e["type"] for e in got["events"]] == ["register"]
            # retrying an acknowledged request replays it
            key, body = next(iter(out.acked.items()))
            r = client.post("/api/v1/appeals", json={"kind": "complaint", "content": _content(key)},
                            headers={"Idempotency-Key": key})
            assert r.status_code == 200 and r.json()["id"] == body["id"]
            # retrying the unacknowledged ones creates each at most once (twice to be sure)
            replayed = 0
            for _ in range(2):
                for key, content in out.unacked.items():
                    r = client.post("/api/v1/appeals", json={"kind": "complaint",
                                                             "content": content},
                                    headers={"Idempotency-Key": key})
                    assert r.status_code in (200, 201), r.text
                    replayed += r.status_code == 200
            assert replayed >= len(out.unacked)
    finally:
        second.stop()

    engine = create_engine(normalise_url(db_url))
    try:
        with engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(AppealRow))
            keys = conn.execute(select(AppealRow.idempotency_key, func.count())
                                .group_by(AppealRow.idempotency_key)).all()
    finally:
        engine.dispose()
    assert all(n == 1 for _, n in keys)
    assert total == len(out.acked) + len(out.unacked)

    env = {**os.environ, "JIESU_DATABASE_URL": db_url, "JIESU_ENVIRONMENT": "test"}
    r = subprocess.run([sys.executable, "-m", "jiesu.cli", "audit", "verify"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{total} 件诉求" in r.stdout
