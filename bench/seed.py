"""Seed a database with N (default 1,000,000) realistic appeals and their event chains, fast.

A city of 16 districts x 8 streets x 4 communities plus 30 departments is created through the
admin service (bench/common.py); appeals are built in Python and written with PostgreSQL
`COPY ... FROM STDIN` (psycopg `cursor.copy`) or one big `executemany` transaction on SQLite.

Spread: created over the last year (more recent days busier); older appeals mostly closed,
the last 30 days mostly open; lead units skewed (a few streets and departments get most);
deadlines by kind (sign 1 day, handle 3/7/14/21 calendar days), some overdue with warnings;
5 % with co-units. Every appeal has its `register` event, dispatched ones also their `dispatch`
event, hashed with jiesu.domain.events so `jiesu audit verify` passes.

    python bench/seed.py                           # PostgreSQL database jiesu_bench_1m (kept)
    python bench/seed.py --n 100000 --name 100k    # jiesu_bench_100k
    python bench/seed.py --db sqlite --path /tmp/jiesu_bench_1m.db
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    CityIds,
    create_database,
    load_average,
    log,
    pg_url,
    seed_city,
)

from jiesu.domain.events import GENESIS_HASH, DomainEvent, canonical, chain_hash  # noqa: E402
from jiesu.store.tables import AppealRow  # noqa: E402

COLUMNS = [c.name for c in AppealRow.__table__.columns]
EVENT_COLUMNS = ["appeal_id", "seq", "type", "at", "actor_id", "actor_role", "data",
                 "prev_hash", "hash"]
KINDS = [("complaint", 40), ("help", 25), ("consult", 20), ("report", 7), ("suggestion", 6),
         ("praise", 2)]
HANDLE_DAYS = {"consult": 3, "help": 7, "complaint": 21, "report": 21, "suggestion": 14,
               "praise": 7}
CHANNELS = [("hotline", 70), ("web", 10), ("mobile", 12), ("grid_patrol", 5), ("open311", 3)]
TEXTS = [
    "小区门口的路灯坏了一个多月，晚上出行不安全", "楼下烧烤店每天营业到凌晨两点，油烟和噪音扰民",
    "单位拖欠三个月工资至今未发", "学校附近的十字路口没有红绿灯，学生过马路危险",
    "自来水水质发黄有异味，已经持续一周", "小区电梯经常故障停运，物业一直拖着不修",
    "建筑工地夜间施工噪音太大", "公交站台拆除后一直没有恢复", "暖气不热，室温只有十四度",
    "咨询孩子入学需要准备哪些材料", "小区井盖缺失，存在安全隐患", "医保报销比例咨询",
]
RECENT = [("registered", 5), ("dispatched", 15), ("in_progress", 40), ("replied", 15),
          ("closed", 20), ("rejected", 3), ("merged", 2)]
OLD = [("closed", 88), ("rejected", 5), ("merged", 3), ("replied", 1), ("in_progress", 3)]


def weighted(pairs: list[tuple[str, int]]) -> list[str]:
    return [v for v, w in pairs for _ in range(w)]


class Generator:
    """Builds appeal rows as dicts of column -> text (COPY text format or SQLite text)."""

    def __init__(self, city: CityIds, n: int, now: datetime, seed: int, *, pg: bool) -> None:
        self.rng = random.Random(seed)
        self.pg = pg
        self.now = now
        self.n = n
        self.kinds = weighted(KINDS)
        self.channels = weighted(CHANNELS)
        self.recent = weighted(RECENT)
        self.old = weighted(OLD)
        self.categories = city.categories
        u = city.units
        streets = [c for c in u if c.startswith("D") and "S" in c and "C" not in c[1:]]
        districts = [c for c in u if c.startswith("D") and "S" not in c]
        departments = [c for c in u if c.startswith("W")]
        # Lead units: streets 60 %, departments 25 %, districts 15 %, each list Zipf-skewed.
        self.leads: list[int] = []
        for codes, share in ((streets, 60), (departments, 25), (districts, 15)):
            codes = sorted(codes, key=lambda c: (len(c), c))
            weights = [1 / (i + 1) ** 0.8 for i in range(len(codes))]
            total = sum(weights)
            for code, w in zip(codes, weights, strict=True):
                self.leads += [u[code]] * max(1, round(share * 40 * w / total))
        self.children: dict[int, list[int]] = {}
        for code, uid in u.items():
            parent = code[: code.rfind("C")] if "C" in code[1:] else None
            if parent and parent in u:
                self.children.setdefault(u[parent], []).append(uid)
        self.all_units = list(u.values())
        self.operator = city.users["operator"]
        self.dispatcher = city.users["dispatcher"]
        self.span = 365 * 86400

    def appeal(self, appeal_id: int) -> tuple[dict[str, object], list[DomainEvent], list[int]]:
        r = self.rng
        age = self.span * (r.random() ** 1.6)  # more recent days are busier
        created = self.now - timedelta(seconds=age)
        status = r.choice(self.recent if age < 30 * 86400 else self.old)
        kind = r.choice(self.kinds)
        urgency = "normal" if r.random() < 0.93 else ("urgent" if r.random() < 0.85
                                                      else "emergency")
        channel = r.choice(self.channels)
        text = r.choice(TEXTS)
        v: dict[str, object] = {
            "id": appeal_id, "code": f"{created + timedelta(hours=8):%Y%m%d}{appeal_id:07d}",
            "status": status, "kind": kind,
            "urgency": urgency, "channel": channel, "title": text[:12],
            "content": f"{text}（第{appeal_id}件）",
            "category": r.choice(self.categories) if r.random() < 0.9 else None,
            "requester_name": f"市民{appeal_id % 9973}",
            "requester_phone": f"13{r.randrange(10**9):09d}",
            "requester_type": "resident" if r.random() < 0.95 else "enterprise",
            "address": f"第{r.randint(1, 16)}区第{r.randint(1, 8)}街道{r.randint(1, 300)}号",
            "confidential": r.random() < 0.01, "created_at": created, "updated_at": created,
            "registered_by": self.operator,
        }  # columns not set here take DEFAULTS
        events = [DomainEvent("register", created, self.operator, "operator",
                              {"kind": kind, "urgency": urgency, "channel": channel})]
        co: list[int] = []
        if status in ("rejected", "merged") and r.random() < 0.7 or status == "registered":
            if status == "rejected":
                v["reject_reason"] = r.choice(["duplicate", "invalid", "petition", "litigation"])
                v["closed_at"] = created + timedelta(minutes=r.randint(5, 600))
            elif status == "merged":
                v["merged_into_id"] = r.randint(1, appeal_id - 1) if appeal_id > 1 else None
                if v["merged_into_id"] is None:
                    v["status"] = status = "rejected"
                    v["reject_reason"] = "duplicate"
                v["closed_at"] = created + timedelta(minutes=r.randint(5, 600))
            v["updated_at"] = v.get("closed_at") or created
            return v, events, co
        # dispatched (or later)
        dispatched = created + timedelta(minutes=r.randint(2, 240))
        lead = r.choice(self.leads)
        handling = lead
        kids = self.children.get(lead)
        if kids and r.random() < 0.3:
            handling = r.choice(kids)
        if r.random() < 0.05:
            co = r.sample([u for u in self.all_units if u != lead], k=r.randint(1, 2))
        days = HANDLE_DAYS[kind] if urgency == "normal" else 1
        handle_due = dispatched + timedelta(days=days)
        sign_due = dispatched + timedelta(days=1 if urgency == "normal" else 0.1)
        v.update(lead_unit_id=lead, handling_unit_id=handling, dispatched_at=dispatched,
                 handle_started_at=dispatched, sign_due_at=sign_due, handle_due_at=handle_due,
                 return_due_at=dispatched + timedelta(days=2), updated_at=dispatched)
        events.append(DomainEvent("dispatch", dispatched, self.dispatcher, "dispatcher", {
            "from": "registered", "to": "dispatched", "unit_id": lead, "co_unit_ids": co,
            "category": v["category"], "auto": False, "sign_due_at": sign_due.isoformat(),
            "handle_due_at": handle_due.isoformat()}))
        if status == "dispatched":
            v["next_check_at"] = sign_due
            if self.now > sign_due:
                v["sign_warning"] = "red"
            return v, events, co
        signed = min(dispatched + timedelta(hours=r.uniform(0.5, 30)), self.now)
        v.update(signed_at=signed, first_contact_at=signed + timedelta(hours=r.uniform(0, 20)))
        if status in ("rejected", "merged"):  # returned and then rejected / merged later
            v.update(closed_at=signed, sign_due_at=None, handle_due_at=None,
                     return_due_at=None, handle_started_at=None)
            if status == "rejected":
                v["reject_reason"] = "duplicate"
            else:
                v["merged_into_id"] = r.randint(1, appeal_id - 1)
            return v, events, co
        if status == "in_progress":
            v["next_check_at"] = handle_due - timedelta(days=1)
            if self.now > handle_due:
                v["handle_warning"] = "red"
                v["supervision_level"] = "yellow"
                v["supervision_count"] = 1
            elif self.now > handle_due - timedelta(days=1):
                v["handle_warning"] = "yellow"
            return v, events, co
        late = r.random() < 0.08
        replied = handle_due + timedelta(hours=r.uniform(1, 72)) if late else \
            dispatched + (handle_due - dispatched) * r.uniform(0.1, 0.95)
        replied = min(replied, self.now - timedelta(minutes=1))
        v.update(replied_at=replied, reply_text="已处理，并与诉求人沟通",
                 reply_claim=r.choice(["solved", "solved", "solved", "explained",
                                       "cannot_solve"]),
                 followup_due_at=replied + timedelta(days=1), updated_at=replied)
        if status == "replied":
            v["next_check_at"] = replied + timedelta(days=1)
            return v, events, co
        closed = replied + timedelta(hours=r.uniform(1, 30))
        v.update(closed_at=closed, followup_attempts=1, followup_reached=True,
                 followup_resolved=r.choice(["yes", "yes", "yes", "partly", "no"]),
                 followup_satisfaction=r.choice(["satisfied", "satisfied", "basically",
                                                 "dissatisfied"]),
                 updated_at=closed, sign_due_at=None, handle_due_at=None, return_due_at=None,
                 followup_due_at=None)
        return v, events, co


_REGISTER_DATA: dict[tuple[str, str, str], str] = {}
DEFAULTS: dict[str, object] = {
    "handle_extra_days": 0, "deadlines_provisional": False, "sign_warning": "none",
    "handle_warning": "none", "followup_warning": "none", "supervision_level": "none",
    "supervision_count": 0, "return_pending": False, "returned_count": 0, "extension_count": 0,
    "reopened_count": 0, "followup_attempts": 0, "extra": "{}", "version": 0,
}
INDEX = {c: i for i, c in enumerate(COLUMNS)}


def _register_canonical(appeal_id: int, e: DomainEvent) -> str:
    """canonical() of a register event, built by hand (checked against it once per batch)."""
    d = e.data
    return (f'{{"actor_id":{e.actor_id},"actor_role":"{e.actor_role}","appeal_id":{appeal_id},'
            f'"at":"{e.at.isoformat(timespec="microseconds")}","data":{{"channel":'
            f'"{d["channel"]}","kind":"{d["kind"]}","urgency":"{d["urgency"]}"}},"seq":1,'
            f'"type":"register"}}')


def chain(appeal_id: int, events: list[DomainEvent]) -> tuple[list[list[object]], str]:
    """Event rows (without id: the database numbers them) and the chain head."""
    head = GENESIS_HASH
    rows: list[list[object]] = []
    for seq, e in enumerate(events, start=1):
        if e.type == "register" and seq == 1:
            text = _register_canonical(appeal_id, e)
        else:
            text = canonical(appeal_id, seq, e)
        digest = chain_hash(head, text)
        if e.type == "register":
            key = (e.data["kind"], e.data["urgency"], e.data["channel"])
            data = _REGISTER_DATA.get(key)
            if data is None:
                data = _REGISTER_DATA[key] = json.dumps(e.data, ensure_ascii=False)
        else:
            data = json.dumps(e.data, ensure_ascii=False)
        rows.append([appeal_id, seq, e.type, e.at, e.actor_id, e.actor_role, data, head,
                     digest])
        head = digest
    return rows, head


def _pg_text(v: object) -> str:
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    return str(v)  # generated text holds no tab, newline or backslash


def _sqlite_value(v: object) -> object:
    if isinstance(v, datetime):
        return f"{v:%Y-%m-%d %H:%M:%S.%f}"
    if isinstance(v, bool):
        return int(v)
    return v


def make_batch(job: tuple[int, int]) -> tuple[int, object, object, object, int]:
    """Rows for appeals first..last (a worker process); text for COPY or tuples for SQLite."""
    first, last = job
    gen = _WORKER["gen"]
    gen.rng.seed(_WORKER["seed"] * 1_000_003 + first)
    pg = gen.pg
    v0, evs0, _ = Generator.appeal(gen, first)  # the hand-built canonical must match
    assert _register_canonical(first, evs0[0]) == canonical(first, 1, evs0[0])
    gen.rng.seed(_WORKER["seed"] * 1_000_003 + first)
    template = [_pg_text(DEFAULTS.get(c)) for c in COLUMNS] if pg else \
        [_sqlite_value(DEFAULTS.get(c)) for c in COLUMNS]
    appeals: list[str] | list[list[object]] = []
    events: list[str] | list[list[object]] = []
    co_rows: list[str] | list[tuple[int, int]] = []
    n_events = 0
    for appeal_id in range(first, last + 1):
        v, evs, co = gen.appeal(appeal_id)
        rows, head = chain(appeal_id, evs)
        n_events += len(rows)
        v["event_count"], v["chain_head"] = len(rows), head
        row = template[:]
        if pg:
            for k, val in v.items():
                row[INDEX[k]] = val if val.__class__ is str else _pg_text(val)
            appeals.append("\t".join(row))  # type: ignore[arg-type]
            events += ["\t".join(map(_pg_text, r)) for r in rows]  # type: ignore[arg-type]
            co_rows += [f"{appeal_id}\t{u}" for u in co]  # type: ignore[misc]
        else:
            for k, val in v.items():
                row[INDEX[k]] = _sqlite_value(val)
            appeals.append(row)  # type: ignore[arg-type]
            events += [[_sqlite_value(x) for x in r] for r in rows]  # type: ignore[arg-type]
            co_rows += [(appeal_id, u) for u in co]  # type: ignore[misc]
    if pg:
        return (last - first + 1, "\n".join(appeals) + "\n", "\n".join(events) + "\n",  # type: ignore[arg-type]
                "\n".join(co_rows) + "\n" if co_rows else "", n_events)  # type: ignore[arg-type]
    return last - first + 1, appeals, events, co_rows, n_events


_WORKER: dict[str, object] = {}


def _init_worker(city: CityIds, n: int, now: datetime, seed_value: int, pg: bool) -> None:
    _WORKER["gen"] = Generator(city, n, now, seed_value, pg=pg)
    _WORKER["seed"] = seed_value


def seed(url: str, city: CityIds, n: int, *, batch: int, seed_value: int,
         processes: int) -> None:
    import multiprocessing as mp

    now = datetime.now(UTC).replace(microsecond=0)
    pg = not url.startswith("sqlite")
    if pg:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        conn.execute("SET synchronous_commit = off")
    else:
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-400000")
    jobs = [(first, min(n, first + batch - 1)) for first in range(1, n + 1, batch)]
    done = events_total = 0
    waited = copied = 0.0
    restore: list[str] = []
    if pg:
        restore = _drop_constraints_and_indexes(conn)
    started = time.perf_counter()
    mark = started
    ctx = mp.get_context("fork")
    with ctx.Pool(processes, initializer=_init_worker,
                  initargs=(city, n, now, seed_value, pg)) as pool:
        for count, appeals, events, co_rows, n_events in pool.imap(make_batch, jobs):
            t = time.perf_counter()
            waited += t - mark
            if pg:
                with conn.cursor() as cur:  # type: ignore[union-attr]
                    with cur.copy(f"COPY appeals ({', '.join(COLUMNS)}) FROM STDIN") as cp:
                        cp.write(appeals)
                    with cur.copy(f"COPY events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as cp:
                        cp.write(events)
                    if co_rows:
                        with cur.copy("COPY appeal_co_units (appeal_id, unit_id) FROM STDIN"
                                      ) as cp:
                            cp.write(co_rows)
            else:
                _insert_sqlite(conn, "appeals", COLUMNS, appeals)  # type: ignore[arg-type]
                _insert_sqlite(conn, "events", EVENT_COLUMNS, events)  # type: ignore[arg-type]
                _insert_sqlite(conn, "appeal_co_units", ["appeal_id", "unit_id"],
                               co_rows)  # type: ignore[arg-type]
            conn.commit()
            mark = time.perf_counter()
            copied += mark - t
            done += count
            events_total += n_events
            dt = time.perf_counter() - started
            if done % (batch * 10) == 0 or done == n:
                log(f"  {done:>9,} appeals, {events_total:>9,} events  "
                    f"{done / dt:,.0f} appeals/s (waiting for rows {waited:.0f}s, "
                    f"writing {copied:.0f}s)")
    if pg:
        t = time.perf_counter()
        for sql in restore:
            conn.execute(sql)
            conn.commit()
        log(f"  indexes and constraints rebuilt in {time.perf_counter() - t:.0f}s")
        conn.execute("SELECT setval(pg_get_serial_sequence('appeals', 'id'), %s)", (n,))
        conn.commit()
        conn.autocommit = True  # type: ignore[union-attr]
        for table in ("appeals", "events", "appeal_co_units"):
            conn.execute(f"VACUUM ANALYZE {table}")
    else:
        conn.execute("ANALYZE")
        conn.commit()
    conn.close()


def _drop_constraints_and_indexes(conn: object) -> list[str]:
    """Bulk-load trick: drop secondary indexes, unique and foreign keys of the loaded tables
    (appeals, events, appeal_co_units) and return the statements that rebuild them exactly."""
    tables = ("appeals", "events", "appeal_co_units")
    cur = conn.execute(  # type: ignore[attr-defined]
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype "
        "FROM pg_constraint c WHERE c.contype IN ('u', 'f') AND "
        "(c.conrelid::regclass::text = ANY(%s) OR c.confrelid::regclass::text = ANY(%s))",
        (list(tables), list(tables)))
    constraints = cur.fetchall()
    cur = conn.execute(  # type: ignore[attr-defined]
        "SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conname = i.indexname)", (list(tables),))
    indexes = cur.fetchall()
    drop, restore = [], []
    for table, name, _def, _kind in sorted(constraints, key=lambda c: c[3]):  # f before u
        drop.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table, name, definition, _kind in sorted(constraints, key=lambda c: c[3], reverse=True):
        restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _table, name, definition in indexes:
        drop.append(f'DROP INDEX "{name}"')
        restore.append(definition)
    for sql in drop:
        conn.execute(sql)  # type: ignore[attr-defined]
    conn.commit()  # type: ignore[attr-defined]
    return restore


def _insert_sqlite(conn: object, table: str, columns: list[str], rows: list[object]) -> None:
    if not rows:
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    conn.executemany(sql, rows)  # type: ignore[attr-defined]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    p.add_argument("--name", default="1m", help="PostgreSQL database jiesu_bench_<name>")
    p.add_argument("--path", help="SQLite file (default: a temp dir)")
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--processes", type=int, default=2, help="row-building processes")
    p.add_argument("--seed", type=int, default=12345)
    args = p.parse_args()
    t0 = time.perf_counter()
    if args.db == "sqlite" and args.path:
        from jiesu.store.migrate import upgrade

        Path(args.path).unlink(missing_ok=True)
        url = f"sqlite:///{args.path}"
        upgrade(url, "heads")
    else:
        url = create_database(args.db, args.name)
    city = seed_city(url)
    t1 = time.perf_counter()
    log(f"schema + city in {t1 - t0:.1f}s; writing {args.n:,} appeals to {url}")
    seed(url if args.db == "sqlite" else pg_url(f"jiesu_bench_{args.name}"), city, args.n,
         batch=args.batch, seed_value=args.seed, processes=args.processes)
    t2 = time.perf_counter()
    print(f"database={url}")
    print(f"appeals={args.n} seconds={t2 - t1:.1f} appeals_per_s={args.n / (t2 - t1):.0f} "
          f"total_seconds={t2 - t0:.1f} load={load_average()}")


if __name__ == "__main__":
    main()
