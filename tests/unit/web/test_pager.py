"""The shared pager's arithmetic (`web.core.pager`): the last page it offers, whether a 下一页
follows, and when it says the list is longer than the pages a list opens."""

from __future__ import annotations

import pytest

from jiesu.web import core
from jiesu.web.core import Pager, pager


def test_a_list_the_pages_hold_is_paged_whole() -> None:
    assert pager(0, 20, 1) == Pager(last=1, more=False, shown=None)
    assert pager(41, 20, 2) == Pager(last=3, more=True, shown=None)
    assert pager(200_000, 20, core.MAX_PAGE) == Pager(last=10_000, more=False, shown=None)


def test_a_longer_list_stops_at_the_last_page_it_opens_and_says_how_much_it_shows() -> None:
    assert pager(500_001, 50, 1) == Pager(last=10_000, more=True, shown="500,000")
    assert pager(500_001, 50, 10_000) == Pager(last=10_000, more=False, shown="500,000")


@pytest.mark.parametrize(("page", "more", "shown"), [(50, True, None), (9_999, True, None),
                                                      (10_000, False, "200,000")])
def test_a_capped_count_pages_on_until_the_last_page_a_list_opens(
        page: int, more: bool, shown: str | None) -> None:
    """The work lists count to 1000+: past their 50th page they still page on, up to the last
    page a list opens, which says the rows beyond it are not shown."""
    p = pager(1000, 20, page, capped=True)
    assert (p.last, p.more, p.shown) == (50, more, shown)


def test_a_page_is_full_when_it_holds_a_page_of_rows() -> None:
    """The work lists and the board (seven routes) build the pager's context in one place
    (`core.page_of`): a short page of a stopped count is where the list ends."""
    assert core.page_of([1, 2], 1000, True, 3, 2) == {
        "total": 1000, "capped": True, "page": 3, "per_page": 2, "page_full": True}
    assert core.page_of([1], 1000, True, 3, 2)["page_full"] is False
    assert core.page_of([], 0, False, 1, 20)["page_full"] is False
