"""The dispatch forms' whole unit list is fetched once (/staff/units/options.html) and copied
into a select at its first touch: a queue row's select and the appeal page's (in a city past
`INLINE_UNIT_LIMIT` units) offer a unit that was not on the page, and the choice is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser


def _registered(server: Server, title: str) -> tuple[int, str]:
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store import lookups

    with as_admin(server) as (rt, _, _):
        with rt.db.uow(write=False) as uow:
            operator = next(u.id for u in lookups.all_users(uow.session)
                            if u.username == "operator")
        reg = rt.appeals.register(Actor(role=Role.OPERATOR, user_id=operator), NewAppeal(
            kind="help", title=title, content=f"{title}，已经一周了，请尽快处理。"), utcnow())
        return reg.appeal_id, reg.code


def _lead_and_co_units(server: Server, appeal_id: int) -> tuple[int | None, list[int]]:
    with as_admin(server) as (rt, _, _), rt.db.uow(write=False) as uow:
        appeal, row = uow.appeals.get(appeal_id)
        return row.lead_unit_id, sorted(appeal.co_unit_ids)


def test_a_queue_row_takes_the_fetched_list_at_its_first_tap(
        visitor: Callable[..., Visitor], server: Server) -> None:
    appeal_id, code = _registered(server, "路口信号灯不亮")
    fetched: list[int] = []
    dispatcher = visitor("unit-list-queue", phone=True)
    page = dispatcher.page
    page.on("response", lambda r: fetched.append(r.status)  # type: ignore[attr-defined]
            if r.url.endswith("/staff/units/options.html") else None)
    dispatcher.login("dispatcher")
    dispatcher.goto("/staff/dispatch")
    assert "lead-units" not in page.content()  # type: ignore[attr-defined]
    row = page.locator(f'.work-item[data-code="{code}"]')  # type: ignore[attr-defined]
    unit = row.get_by_label("主办单位")
    # no suggestion, no area: the top levels only, until the first tap
    assert unit.locator("option", has_text="西长安街街道").count() == 0
    unit.tap()
    row.locator("select[data-unit-full]").wait_for()
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert unit.locator("optgroup[label='西城区'] option", has_text="西长安街街道").count() == 1
    assert fetched and fetched[0] == 200
    unit.select_option(label="　西长安街街道")
    row.scroll_into_view_if_needed()
    dispatcher.shot("unit-list-queue-row")
    row.get_by_role("button", name="派单").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    with as_admin(server) as (_, units, _):
        assert _lead_and_co_units(server, appeal_id) == (units["D2S1"], [])


def test_the_appeal_page_of_a_big_city_takes_the_fetched_list(
        visitor: Callable[..., Visitor], server: Server,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the limit the lead and co-unit selects hold the units near the appeal; the first
    touch brings in the rest, keeping what was already chosen in the co-unit list."""
    from jiesu.web import staff

    monkeypatch.setattr(staff, "INLINE_UNIT_LIMIT", 3)  # the test city has a dozen units
    appeal_id, _ = _registered(server, "小区垃圾无人清运")
    dispatcher = visitor("unit-list-appeal")
    dispatcher.login("dispatcher")
    dispatcher.goto(f"/staff/appeals/{appeal_id}")
    page = dispatcher.page
    form = page.locator("#act-dispatch")  # type: ignore[attr-defined]
    lead = form.get_by_label("主办单位", exact=True)
    co = form.get_by_label("协办单位", exact=True)
    assert lead.get_attribute("data-unit-options") == "/staff/units/options.html"
    assert lead.locator("option", has_text="多福巷社区").count() == 0
    # a co-unit chosen from the short list stays chosen when the whole list comes in
    co.select_option(label="市水务局")
    co.focus()
    form.locator("select[name='co_unit_ids'][data-unit-full]").wait_for()
    assert co.locator("option", has_text="多福巷社区").count() == 1
    assert [o.strip() for o in co.evaluate(
        "s => Array.from(s.selectedOptions).map(o => o.textContent)")] == ["市水务局"]
    lead.focus()
    form.locator("select[name='unit_id'][data-unit-full]").wait_for()
    lead.select_option(label="　　多福巷社区")
    form.scroll_into_view_if_needed()
    dispatcher.shot("unit-list-appeal-page")
    form.get_by_role("button", name="派单").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    with as_admin(server) as (_, units, _):
        assert _lead_and_co_units(server, appeal_id) == (units["D1S1C1"], [units["W"]])


def test_a_list_that_cannot_be_fetched_leaves_the_link_to_every_unit(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """Offline or blocked, a queue row keeps its short list and shows the link a browser
    without script shows (the appeal page, every unit on it) instead of nothing."""
    _, code = _registered(server, "桥下积水无法通行")
    dispatcher = visitor("unit-list-failed", phone=True)
    page = dispatcher.page
    dispatcher.login("dispatcher")
    asked: list[str] = []

    def refuse(route: Any) -> None:
        asked.append(route.request.url)
        route.abort()

    page.route("**/staff/units/options.html", refuse)  # type: ignore[attr-defined]
    dispatcher.goto("/staff/dispatch")
    row = page.locator(f'.work-item[data-code="{code}"]')  # type: ignore[attr-defined]
    unit = row.get_by_label("主办单位")
    unit.focus()
    link = row.locator("[data-units-fallback] a[data-other-units]")
    link.wait_for()
    assert "units=all" in (link.get_attribute("href") or "")
    assert row.locator("select[data-unit-full]").count() == 0
    # working on with the short list does not ask again at every focus and key (it did:
    # five requests in one walk); a pause first (jiesu.js UNIT_LIST_RETRY_MS)
    for _ in range(3):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        unit.focus()
        page.keyboard.press("ArrowDown")  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    assert len(asked) <= 2, asked  # the idle prefetch, and the first focus if it came first
