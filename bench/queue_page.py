"""The dispatcher's queue (/staff/dispatch) in a city of thousands of units.

A fresh SQLite database gets bench/unit_suggest.py's city (16 districts × 20 streets × 20
communities, 40 departments: 6,777 units), a dispatcher, a taxonomy and N registered appeals
(default 40, so the queue's first page holds its 20 rows); `jiesu serve` runs on it. Measured:
the page's size in bytes and gzipped, its server time (median of `--fetches` GETs with the
dispatcher's session, through HTTP), and how long headless Chromium (390×844, a phone) takes to
load it (`load` event after `goto`, median of `--loads`), the <option>s in its DOM, and the
time a row's select takes to copy in the page's full unit list at its first touch (jiesu.js).

    python bench/queue_page.py [--appeals 40] [--fetches 20] [--loads 5]

The last line is
`bytes=N gzip_bytes=N server_ms=N chromium_load_ms=N options=N expand_ms=N`.
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
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


def browser_load(base: str, loads: int) -> tuple[float, int, float]:
    """Median ms from goto to the load event at 390×844, the <option>s in the DOM, and the ms
    a row's select takes to take in the page's full unit list at its first touch."""
    from playwright.sync_api import sync_playwright

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
        times = []
        for _ in range(loads):
            t0 = time.perf_counter()
            page.goto(f"{base}/staff/dispatch", wait_until="load")
            times.append((time.perf_counter() - t0) * 1000)
        options = int(page.evaluate("document.querySelectorAll('option').length"))
        # a row whose list the page copies in on the first touch (jiesu.js): how long it takes
        expand = float(page.evaluate("""() => {
            const s = document.querySelector('select[data-unit-options]');
            if (!s) { return 0; }
            const t = performance.now();
            s.dispatchEvent(new PointerEvent('pointerdown', {bubbles: true}));
            return s.options.length ? performance.now() - t : 0; }"""))
        browser.close()
    return statistics.median(times), options, expand


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--appeals", type=int, default=40)
    ap.add_argument("--fetches", type=int, default=20)
    ap.add_argument("--loads", type=int, default=5)
    args = ap.parse_args()
    url = create_database("sqlite", "queue")
    try:
        n_units = seed(url, args.appeals)
        with Server(url) as server:
            opener = login(server.base)
            times = []
            for _ in range(args.fetches + 1):
                t0 = time.perf_counter()
                with opener.open(f"{server.base}/staff/dispatch") as r:
                    body = r.read()
                times.append((time.perf_counter() - t0) * 1000)
            server_ms = statistics.median(times[1:])  # the first warms the caches
            rows = body.count(b'class="work-item"')
            zipped = len(gzip.compress(body, 6))
            load_ms, options, expand_ms = browser_load(server.base, args.loads)
    finally:
        drop_database(url)
    print(f"{n_units:,} units, {rows} queue rows; page {len(body):,} bytes, gzip {zipped:,}; "
          f"server {server_ms:.0f} ms (median of {args.fetches}); Chromium 390×844 load "
          f"{load_ms:.0f} ms (median of {args.loads}), {options:,} <option>s, a row's full "
          f"list in {expand_ms:.0f} ms at its first touch; "
          f"load {load_average()}")
    print(f"bytes={len(body)} gzip_bytes={zipped} server_ms={server_ms:.0f} "
          f"chromium_load_ms={load_ms:.0f} options={options} expand_ms={expand_ms:.0f}")


if __name__ == "__main__":
    main()
