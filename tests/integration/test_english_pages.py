"""Every page in English, as every role and the public reach it from the navigation: no
Chinese of the page's own is left (SQLite and PostgreSQL). What people typed and the city's
names (units, users, categories, appeal texts, titles) stay as written; they are read from
the database, so the check needs no list of them. The area pages have their own, deeper
checks (test_web_policies, test_users, test_knowledge_web, test_hotspots, …); this one walks
them all, so that a page nobody checked in English is checked too."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import MetaData, String, Text, select

from jiesu.domain.appeal import Role
from jiesu.nlp import urgency
from jiesu.web.core import NAV, ROLE_HOME
from tests.integration.test_feedback import PHONE, closed, replied
from tests.integration.test_web_pages import _token
from tests.integration.test_web_policies import PHONE as ENTERPRISE_PHONE
from tests.integration.test_web_policies import build, lookup, uscc
from tests.support.city import USERS, City, page_login

CJK = re.compile(r"[\u3001-\u303f\u4e00-\u9fff\uff00-\uffef]+")  # not the ideographic space
# a page's Chinese in words and punctuation apart: a list of stored names joined by 、 or a
# stored sentence cut by a tag is still stored text
WORDS = re.compile(r"[\u4e00-\u9fff]+|[\u3001-\u303f\uff00-\uffef]+")
# Chinese an English page shows on purpose: the switch back to Chinese, and Chinese words it
# explains or that are typed as they are (a CSV header, the list separator 、, 调休)
SHOWN_ON_PURPOSE = {"中文", "、", "调休", "涉企诉求", "单位编码", "户数", "常住人口", "区", "街道",
                    "社区", "网格"}
# the texts the database gives back translated, not as written
TRANSLATED_COLUMNS = {("config_events", "summary"), ("admin_notices", "message")}
# what is shown as written even in English: examples and rules typed in Chinese
_SKIPPED = re.compile(r"<(script|style|textarea|pre|code)\b[^>]*>.*?</\1>", re.S)
_SHOWN = re.compile(r'<[^>]+?\b(?:title|aria-label)="([^"]*)"')
_SKIP_PATHS = ("/logout", "/static/", "/open-data/", "/open311/", "/api/", "/photos/")


def _stored_text(city: City) -> list[str]:
    """Every Chinese text the database holds (longest first): the city's names and what
    people typed; and the built-in rules a city edits as its own."""
    engine = city.runtime.db.engine
    meta = MetaData()
    meta.reflect(engine)
    found: set[str] = set()
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text))
                       and (table.name, c.name) not in TRANSLATED_COLUMNS]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for value in row:
                    found.update(CJK.findall(str(value or "")))
            json_columns = [c for c in table.columns if c.type.__class__.__name__ == "JSON"]
            if json_columns:
                for row in conn.execute(select(*json_columns)):
                    for value in row:
                        found.update(CJK.findall(str(value or "")))
    # and the built-in urgency rules, shown on the intake tab as the rules a city may edit
    found.update(CJK.findall(str(urgency.rules_to_dicts(urgency.DEFAULT_RULES))))
    return sorted(found, key=len, reverse=True)


def _leftovers(page: str, stored: list[str]) -> set[str]:
    page = _SKIPPED.sub(" ", page)
    shown = " ".join(html.unescape(v) for v in _SHOWN.findall(page))
    text = html.unescape(re.sub(r"<[^>]+>", " ", page)) + " " + shown
    runs = set(WORDS.findall(text))
    return {r for r in runs if r not in SHOWN_ON_PURPOSE
            and not any(r in s for s in stored)}


def _walk(c: TestClient, start: list[str], stored: list[str], *, staff: bool,
          limit: int = 60) -> tuple[dict[str, set[str]], set[str]]:
    """Pages reached from `start` by links (one page of each shape: /staff/appeals/N once),
    each read with ?lang=en: the Chinese left on each, and the pages read."""
    queue, shapes, found = list(start), set(), {}
    read: set[str] = set()
    while queue and len(shapes) < limit:
        path = queue.pop(0)
        shape = re.sub(r"/\d+", "/N", re.sub(r"[?&](lang|page|back)=[^&]*", "", path))
        if shape in shapes:
            continue
        shapes.add(shape)
        r = c.get(path + ("&" if "?" in path else "?") + "lang=en")
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        read.add(path)
        left = _leftovers(r.text, stored)
        if left:
            found[path] = left
        for href in re.findall(r'href="([^"#]+)"', r.text):
            target = urlsplit(urljoin(path, html.unescape(href)))
            if target.netloc or any(target.path.startswith(p) for p in _SKIP_PATHS) \
                    or target.path.endswith((".csv", ".xlsx", ".json")):
                continue
            if staff and not target.path.startswith(("/staff", "/reports")):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return found, read


def test_every_page_reads_in_english_for_every_role(city: City) -> None:
    # something on every page: appeals in several states, a bad rating and its
    # rectification, an enterprise with its policies, a rejected appeal
    made = build(city)
    city.client.cookies.clear()
    replied(city)
    rated = closed(city)
    assert city.client.post("/api/v1/feedback/ratings", json={
        "appeal_code": rated["code"], "phone": PHONE, "stars": 1}).status_code == 201
    waiting = city.register()
    city.act("dispatcher", waiting["id"], "dispatch", unit_id=city.unit_ids["D1"])
    city.register(content="咨询居住证怎么办理，需要什么材料")
    stored = _stored_text(city)

    found: dict[str, set[str]] = {}
    read: set[str] = set()

    def walk(who: str, start: list[str], *, staff: bool = False, limit: int = 60) -> None:
        left, pages = _walk(city.client, start, stored, staff=staff, limit=limit)
        found.update({f"{who} {p}": words for p, words in left.items()})
        read.update(f"{who} {p}" for p in pages)

    c = city.client
    for username, role, _ in USERS:
        c.cookies.clear()
        page_login(c, username)
        walk(username, [ROLE_HOME[Role(role)], *(url for url, _ in NAV[Role(role)]),
                        "/staff/password"], staff=True)
    c.cookies.clear()
    walk("public", ["/", "/submit", "/track", f"/track?code={rated['code']}", "/board",
                    "/stats", "/board/rectifications", "/enterprise", "/login", "/nope"])
    # the resident's own appeal, and the enterprise's policies, once each proved its phone
    r = c.post("/track", data={"csrf_token": _token(c, "/track"), "code": rated["code"],
                               "phone": PHONE}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert lookup(c, uscc(1), ENTERPRISE_PHONE).status_code == 303
    walk("resident", [f"/track/{rated['code']}", "/enterprise/policies"], limit=2)
    assert made["enterprise_id"] and len(read) > 100, sorted(read)  # the walk reaches them
    assert not found, "\n".join(f"{p}: {sorted(left)}" for p, left in found.items())


def test_a_sentence_and_the_link_after_it_have_a_space_between_them(city: City) -> None:
    """The admin page's calendar warning read "…marked provisional.Load calendar"; the test
    city loads 2025 and 2026 only, so next year's warning is shown."""
    page_login(city.client, "admin")
    page = city.client.get("/staff/admin?lang=en").text
    warning = re.search(r"<div[^>]*data-calendar-warning>(.*?)</div>", page, re.S)
    assert warning, page[:2000]
    assert re.search(r'provisional\. <a href="\?tab=calendar">Load calendar</a>',
                     warning.group(1)), warning.group(1)
    zh = city.client.get("/staff/admin?lang=zh").text
    assert "标记为“暂定”。<a" in zh  # Chinese runs on without a space
