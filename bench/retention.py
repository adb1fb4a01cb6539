"""Erasing personal data past the retention period (jiesu.services.retention): how long the
periodic job takes for N ended appeals.

    python bench/retention.py [--db postgresql|sqlite|both] [--appeals 20000] [--others 20000]

A fresh database with N appeals that ended 400 days ago (closed or rejected), each with a
requester's name and phone, text made of the real messages (when /work/shared/data is there,
else generated) with a phone number and a house number written in, an address, two requester
text messages in the outbox; 30 % rated with a comment, 10 % with a photo file; and M open
appeals that must not be touched. Then `jiesu privacy erase --dry-run`'s count and one full
erasure (batches of 500, one transaction each), timed. The last line per database is

    db=... appeals=N erase_s=N appeals_per_s=N dry_run_s=N
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import create_database, drop_database, log  # noqa: E402

DATA = Path("/work/shared/data/messages_with_votes.csv")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛"]
CHUNK = 2000


def texts(n: int, rng: random.Random) -> list[tuple[str, str]]:
    if DATA.exists():
        with DATA.open(encoding="utf-8") as f:
            rows = [(r["title"][:150], r["detail"][:1500]) for r in csv.DictReader(f)]
    else:
        rows = [("小区路灯不亮", "小区门口的路灯坏了一个多月，晚上出行不安全，请尽快修复。" * 3)]
    return [rng.choice(rows) for _ in range(n)]


def seed(url: str, due: int, others: int, upload: Path) -> None:
    from sqlalchemy import insert

    from jiesu.config import Settings
    from jiesu.runtime import Runtime
    from jiesu.services.admin import AdminService
    from jiesu.services.clock import utcnow
    from jiesu.store.feedback_tables import RatingRow
    from jiesu.store.notify_tables import NotificationRow
    from jiesu.store.tables import AppealRow

    rng = random.Random(7)
    rt = Runtime.create(Settings(database_url=url, environment="test"), with_intelligence=False)
    try:
        unit = AdminService(rt.db, rt.rules).add_unit("C", "示范市", group="city").id
        now = utcnow()
        ended = now - timedelta(days=400)
        words = texts(due + others, rng)
        upload.mkdir(parents=True, exist_ok=True)
        for start in range(0, due + others, CHUNK):
            appeals: list[dict[str, Any]] = []
            for i in range(start, min(start + CHUNK, due + others)):
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                phone = f"13{rng.randrange(10**9):09d}"
                title, detail = words[i]
                is_due = i < due
                extra: dict[str, Any] = {}
                if is_due and i % 10 == 0:
                    photo = f"{i:032x}.jpg"
                    (upload / photo).write_bytes(b"\xff\xd8\xff" + b"0" * 2000)
                    extra["attachments"] = [{"name": photo, "content_type": "image/jpeg",
                                             "size": 2003, "original": "p.jpg"}]
                appeals.append({
                    "id": i + 1, "code": f"B{i + 1:08d}",
                    "status": ("closed" if i % 5 else "rejected") if is_due else "in_progress",
                    "kind": "complaint", "urgency": "normal", "channel": "hotline",
                    "title": title, "content": f"我是{name}，电话{phone}。{detail}",
                    "requester_name": name, "requester_phone": phone,
                    "address": f"幸福路{i % 300}号{i % 6 + 1}单元{i % 30 + 101}室",
                    "created_at": ended - timedelta(days=10), "updated_at": ended,
                    "closed_at": ended if is_due else None, "lead_unit_id": unit,
                    "reply_text": f"{name}您好，已处理。", "extra": extra, "version": 3,
                    "event_count": 0, "chain_head": "0" * 64})
            with rt.db.uow() as uow:
                conn = uow.session.connection()
                conn.execute(insert(AppealRow.__table__), appeals)
                conn.execute(insert(RatingRow.__table__), [
                    {"appeal_id": a["id"], "unit_id": unit, "stars": 2,
                     "comment": f"{a['requester_name']}：太慢了", "source": "requester",
                     "rater_phone": a["requester_phone"], "created_at": ended,
                     "excluded": False} for a in appeals if a["id"] % 10 < 3])
                conn.execute(insert(NotificationRow.__table__), [
                    {"channel": "sms", "recipient": a["requester_phone"], "subject": "",
                     "body": "您的诉求已受理", "kind": "requester_notice",
                     "ref": f"appeal:{a['id']}:{step}", "status": "sent", "attempts": 1,
                     "created_at": ended, "sent_at": ended}
                    for a in appeals for step in ("register", "reply")])
                uow.commit()
        if url.startswith("postgresql"):
            with rt.db.engine.connect() as conn:
                from sqlalchemy import text

                conn.execute(text("SELECT setval(pg_get_serial_sequence('appeals', 'id'), "
                                  "(SELECT max(id) FROM appeals))"))
                conn.execute(text("ANALYZE"))
                conn.commit()
    finally:
        rt.close()


def run(kind: str, due: int, others: int) -> str:
    from jiesu.config import Settings
    from jiesu.runtime import Runtime
    from jiesu.services.clock import utcnow
    from jiesu.services.retention import erase_due

    url = create_database(kind, "retention")
    upload = Path(tempfile.mkdtemp(prefix="jiesu_bench_uploads_"))
    try:
        started = time.perf_counter()
        seed(url, due, others, upload)
        log(f"{kind}: seeded {due} ended + {others} open appeals in "
            f"{time.perf_counter() - started:.1f} s")
        rt = Runtime.create(Settings(database_url=url, environment="test"),
                            with_intelligence=False)
        try:
            args: dict[str, Any] = {"days": 365, "reopen_window_days": 15,
                                    "upload_dir": upload}
            started = time.perf_counter()
            dry = erase_due(rt.db, utcnow(), dry_run=True, **args)
            dry_s = time.perf_counter() - started
            assert dry.appeals == due, (dry.appeals, due)
            started = time.perf_counter()
            done = erase_due(rt.db, utcnow(), max_batches=10**6, **args)
            seconds = time.perf_counter() - started
            again = erase_due(rt.db, utcnow(), **args)
            assert (done.appeals, again.appeals) == (due, 0), (done.appeals, again.appeals)
            assert done.photos == len([i for i in range(due) if i % 10 == 0])
            log(f"{kind}: erased {done.appeals} appeals, {done.photos} photos, "
                f"{done.ratings} ratings, {done.messages} messages in {seconds:.1f} s")
        finally:
            rt.close()
        load = Path("/proc/loadavg").read_text().split()[0]
        return (f"db={kind} appeals={due} erase_s={seconds:.1f} "
                f"appeals_per_s={due / seconds:.0f} dry_run_s={dry_s:.2f} load={load}")
    finally:
        drop_database(url)
        for f in upload.iterdir():
            f.unlink()
        upload.rmdir()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="both")
    p.add_argument("--appeals", type=int, default=20_000)
    p.add_argument("--others", type=int, default=20_000)
    a = p.parse_args()
    kinds = ["sqlite", "postgresql"] if a.db == "both" else [a.db]
    for kind in kinds:
        print(run(kind, a.appeals, a.others), flush=True)


if __name__ == "__main__":
    main()
