"""The dispatcher's queue (/staff/dispatch) and appeal page in a city of thousands of units.

A fresh SQLite database gets bench/unit_suggest.py's city (16 districts × 20 streets × 20
communities, 40 departments: 6,777 units), a dispatcher, a taxonomy and N registered appeals
(default 40, so the queue's first page holds its 20 rows); `jiesu serve` runs on it. Measured,
for the queue and for one registered appeal's page (/staff/appeals/{id}, whose dispatch form
picks among the units): the page's size in bytes and gzipped, its server time (median of
`--fetches` GETs with the dispatcher's session, through HTTP), and how long headless Chromium
(390×844, a phone) takes to load it (`load` event after `goto`, median of `--loads`) and the
<option>s in its DOM; the time a queue row's select takes to take in the full unit list at its
first touch (jiesu.js); and the full list's own fragment (/staff/units/options.html, when the
server has it): bytes, gzip bytes, server ms of a 200 and of a 304 (If-None-Match).

    python bench/queue_page.py [--appeals 40] [--fetches 20] [--loads 5]

The last lines are
`queue: bytes=N gzip_bytes=N server_ms=N server_min_ms=N chromium_load_ms=N options=N
expand_ms=N expand_later_ms=N`,
`appeal: bytes=N gzip_bytes=N server_ms=N server_min_ms=N chromium_load_ms=N options=N` and
`fragment: bytes=N gzip_bytes=N server_ms=N first_ms=N not_modified_ms=N
not_modified_min_ms=N not_modified_bytes=N` (server_ms: the kept copy's; first_ms: the first
GET, which reads the tree; *_min_ms: the fastest GET, the least disturbed on a shared machine)
(`fragment: none` on a server without it).
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PASSWORD, CATEGORIES, Server, create_database, drop_database, load_average  # noqa: E402, I001
from unit_suggest import city  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]


def seed(url: str, appeals: int) -> int:
    """The generated city, a dispatcher and an operator, the taxonomy, `appeals` appeals;
    returns the number of units."""
    from jiesu.adapters.calendar_source import official_year
    from jiesu.config import Settings
    from jiesu.domain.appeal import Actor, Role
    from jiesu.runtime import Runtime
    from jiesu.services.admin import AdminService
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store.tables import UnitRow

    units, _, _, _ = city()
    rows = []
    for uid, code, name, path, group in units:
        ids = [int(p) for p in path.strip("/").split("/")]
        rows.append({"id": uid, "code": code, "name": name, "parent_id": ids[-2] if
                     len(ids) > 1 else None, "unit_group": group, "path": path,
                     "depth": len(ids) - 1, "active": True})
    rt = Runtime.create(Settings(database_url=url, environment="test"))
    try:
        with rt.db.engine.begin() as conn:
            conn.execute(UnitRow.__table__.insert(), rows)
        admin = AdminService(rt.db, rt.rules)
        now = utcnow()
        operator = admin.add_user("operator", PASSWORD, "operator", now=now).id
        admin.add_user("dispatcher", PASSWORD, "dispatcher", now=now)
        for year in (2025, 2026):
            admin.load_calendar_year(year, official_year(year), source="bench", now=now)
        admin.import_categories([list(c) for c in CATEGORIES])
        actor = Actor(role=Role.OPERATOR, user_id=operator)
        for i in range(appeals):
            rt.appeals.register(actor, NewAppeal(
                kind="help", title=f"路灯不亮{i}", content="小区门口路灯不亮，晚上出行不安全。"),
                utcnow())
    finally:
        rt.close()
    return len(rows)


def login(base: str) -> urllib.request.OpenerDirector:
    """An opener holding the dispatcher's session cookie."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base}/login") as r:
        token = re.search(r'name="csrf_token" value="([^"]+)"', r.read().decode())
    assert token
    data = urllib.parse.urlencode({"username": "dispatcher", "password": PASSWORD,
                                   "csrf_token": token.group(1)}).encode()
    with opener.open(f"{base}/login", data=data) as r:
        assert r.status == 200, r.status
    return opener


@dataclass
class Fetched:
    body: bytes
    server_ms: float  # median, the first GET (warming the caches) left out
    first_ms: float  # that first GET
    min_ms: float  # the fastest of the others: on a shared machine, the least disturbed
    status: int
    headers: Message  # looked up by any case (the server sends "etag")


def fetch(opener: urllib.request.OpenerDirector, url: str, n: int,
          headers: dict[str, str] | None = None) -> Fetched:
    """`n` + 1 GETs of `url`: the last body and the median time (a 304 is an answer too)."""
    times: list[float] = []
    body, status, got = b"", 0, Message()
    for _ in range(n + 1):
        t0 = time.perf_counter()
        try:
            with opener.open(urllib.request.Request(url, headers=headers or {})) as r:
                body, status, got = r.read(), r.status, r.headers
        except urllib.error.HTTPError as e:
            body, status, got = e.read(), e.code, e.headers
        times.append((time.perf_counter() - t0) * 1000)
    return Fetched(body, statistics.median(times[1:]), times[0], min(times[1:]), status, got)


# After `wait` ms, a first touch of the page's first fetched-list select: ms until it holds more
# than it did (0: no such select; -1: not within 10 s).
TOUCH = """wait => new Promise(done => setTimeout(() => {
    const s = document.querySelector('select[data-unit-options]');
    if (!s) { done(0); return; }
    const before = s.options.length, t = performance.now();
    s.dispatchEvent(new PointerEvent('pointerdown', {bubbles: true}));
    (function check() {
      if (s.options.length > before) { done(performance.now() - t); }
      else if (performance.now() - t > 10000) { done(-1); }
      else { requestAnimationFrame(check); }
    })(); }, wait))"""


def browser_load(base: str, paths: list[str],
                 loads: int) -> list[tuple[float, int, float, float]]:
    """Per path: median ms from goto to the load event at 390×844, the <option>s in the DOM,
    and the ms a unit select takes to take in the full unit list at its first touch at the
    load event and a second after it (0 when the page has none to take in)."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    headless=True)
        ctx = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
        page = ctx.new_page()
        page.goto(f"{base}/login")
        page.get_by_label("用户名").fill("dispatcher")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        for path in paths:
            times = []
            for _ in range(loads):
                t0 = time.perf_counter()
                page.goto(f"{base}{path}", wait_until="load")
                times.append((time.perf_counter() - t0) * 1000)
            options = int(page.evaluate("document.querySelectorAll('option').length"))
            # a select whose whole list comes at the first touch (jiesu.js): how long until it
            # holds it (from the page's <template>, or fetched, or kept from the prefetch), for
            # a touch at the load event and for one a second later (a person's first tap)
            expand = []
            for wait in (0, 1000):
                page.goto(f"{base}{path}", wait_until="load")
                expand.append(float(page.evaluate(TOUCH, wait)))
            out.append((statistics.median(times), options, expand[0], expand[1]))
        browser.close()
    return out


def first_appeal(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "select min(id) from appeals where status = 'registered'")).scalar_one())
    finally:
        engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--appeals", type=int, default=40)
    ap.add_argument("--fetches", type=int, default=20)
    ap.add_argument("--loads", type=int, default=5)
    args = ap.parse_args()
    url = create_database("sqlite", "queue")
    try:
        n_units = seed(url, args.appeals)
        appeal = f"/staff/appeals/{first_appeal(url)}"
        with Server(url) as server:
            opener = login(server.base)
            queue = fetch(opener, f"{server.base}/staff/dispatch", args.fetches)
            page = fetch(opener, f"{server.base}{appeal}", args.fetches)
            whole = fetch(opener, f"{server.base}/staff/units/options.html", args.fetches)
            etag = whole.headers.get("ETag") if whole.status == 200 else None
            same = fetch(opener, f"{server.base}/staff/units/options.html", args.fetches,
                         {"If-None-Match": etag}) if etag else None
            (q_load, q_options, expand_ms, later_ms), (a_load, a_options, _, _) = browser_load(
                server.base, ["/staff/dispatch", appeal], args.loads)
    finally:
        drop_database(url)
    rows = queue.body.count(b'class="work-item"')
    q_zip, a_zip = len(gzip.compress(queue.body, 6)), len(gzip.compress(page.body, 6))
    print(f"{n_units:,} units, {rows} queue rows; load {load_average()}")
    print(f"queue {len(queue.body):,} bytes, gzip {q_zip:,}; server {queue.server_ms:.0f} ms "
          f"(median of {args.fetches}); Chromium 390×844 load {q_load:.0f} ms (median of "
          f"{args.loads}), {q_options:,} <option>s, a row's full list in {expand_ms:.0f} ms at "
          f"its first touch at the load event, {later_ms:.0f} ms a second later")
    print(f"appeal page {len(page.body):,} bytes, gzip {a_zip:,}; server {page.server_ms:.0f} ms;"
          f" Chromium load {a_load:.0f} ms, {a_options:,} <option>s")
    print(f"queue: bytes={len(queue.body)} gzip_bytes={q_zip} server_ms={queue.server_ms:.0f} "
          f"server_min_ms={queue.min_ms:.0f} "
          f"chromium_load_ms={q_load:.0f} options={q_options} expand_ms={expand_ms:.0f} "
          f"expand_later_ms={later_ms:.0f}")
    print(f"appeal: bytes={len(page.body)} gzip_bytes={a_zip} server_ms={page.server_ms:.0f} "
          f"server_min_ms={page.min_ms:.0f} "
          f"chromium_load_ms={a_load:.0f} options={a_options}")
    if same is None:
        print("fragment: none")
    else:
        print(f"fragment: bytes={len(whole.body)} "
              f"gzip_bytes={len(gzip.compress(whole.body, 6))} "
              f"server_ms={whole.server_ms:.0f} first_ms={whole.first_ms:.0f} "
              f"not_modified_ms={same.server_ms:.0f} not_modified_min_ms={same.min_ms:.0f} "
              f"not_modified_bytes={len(same.body)} status={same.status}")


if __name__ == "__main__":
    main()
