"""The shared pager (partials/pagination.html, `web.core.pager`): a list opens at most
`core.MAX_PAGE` pages; one longer than that says it shows only the first of them and offers no
下一页 on the last page it opens (which would open that page again)."""

from __future__ import annotations

import re

import pytest

from jiesu.web import core
from jiesu.web.routes import dispatcher
from tests.integration.test_web_pages import _login
from tests.support.city import City


def test_a_list_longer_than_the_last_page_says_so_and_stops_there(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    # 2 pages of 2 rows stand for the 10,000 pages of 20 a list opens, with fewer appeals
    monkeypatch.setattr(core, "MAX_PAGE", 2)
    monkeypatch.setattr(dispatcher, "PER_PAGE", 2)
    for n in range(5):
        city.register(content=f"第{n}号楼前的路灯坏了，晚上出行不安全")
    c = city.client
    _login(c, "dispatcher")
    first = c.get("/staff/dispatch").text
    assert "data-pager-capped" in first and "只显示前 4 条（2 页）" in first
    assert "第 1 / 2 页" in first and "page=2" in first
    last = c.get("/staff/dispatch?page=2").text
    assert "第 2 / 2 页" in last and "下一页" not in last and "data-pager-capped" in last
    assert "第 2 / 2 页" in c.get("/staff/dispatch?page=3").text  # the last it opens
    english = c.get("/staff/dispatch?lang=en").text
    assert "only the first 4 are shown (2 pages)" in english
    # the pager's name is read in the page's language (it said "pagination" on Chinese pages)
    assert '<nav class="pager" aria-label="分页">' in first
    assert '<nav class="pager" aria-label="Pages">' in english
    # a list the pages hold whole says nothing of the kind
    monkeypatch.setattr(dispatcher, "PER_PAGE", 3)
    whole = c.get("/staff/dispatch?lang=zh").text
    assert "data-pager-capped" not in whole and "第 1 / 2 页" in whole


def test_the_boards_pager_keeps_the_search_and_only_a_status_it_offers(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """The board's 下一页 carries the words and the status filter; a status the board does not
    offer (it is ignored) is not copied into the links (?status=x%26page%3D9 made them
    '?q=…&status=x&page=9&page=2')."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    from jiesu.web.routes import public

    monkeypatch.setattr(public, "PER_PAGE", 2)
    for n in range(3):
        a = city.register(content=f"第{n}号楼前的路灯坏了，晚上出行不安全")
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    c = city.client

    def next_query(url: str) -> dict[str, list[str]]:
        found = re.search(r'<a href="([^"]+)">下一页', c.get(url).text)
        assert found, url
        return parse_qs(urlsplit(unescape(found.group(1))).query)

    assert next_query("/board?q=路灯&status=dispatched") == {
        "q": ["路灯"], "status": ["dispatched"], "page": ["2"]}
    assert next_query("/board?q=路灯&status=x%26page%3D9") == {"q": ["路灯"], "page": ["2"]}


def test_a_list_whose_count_stopped_ends_its_pages_where_its_rows_do(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list counted only up to queries.COUNT_CAP ("1000+") pages on past the count; the page
    where its rows end (short or empty) offers no 下一页. It did, to page 10,000: the QA walk
    followed the board's 下一页 onto empty pages (第 137 / 50+ 页)."""
    from jiesu.store import queries
    from jiesu.web.routes import public

    monkeypatch.setattr(queries, "COUNT_CAP", 3)  # "3+" stands for "1000+"
    monkeypatch.setattr(public, "PER_PAGE", 2)
    for n in range(5):
        a = city.register(content=f"第{n}号楼前的路灯坏了，晚上出行不安全")
        city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    c = city.client
    for page, more in ((1, True), (2, True), (3, False), (4, False)):
        board = c.get(f"/board?page={page}").text
        assert "共 3+ 条" in board
        assert ("下一页" in board) is more, page
