"""好差评 of a service item on a phone (390 px): a resident scans the QR code at a unit's window,
picks the stars, writes a comment and the phone, and is thanked; the rating is stored. Every
tap target is 44 px (as test_tap_targets measures the other public pages)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin
from tests.browser.test_tap_targets import _too_small

pytestmark = pytest.mark.browser


def test_a_resident_rates_a_service_item_on_a_phone(visitor: Callable[..., Visitor],
                                                    server: Server) -> None:
    from jiesu.services.clock import utcnow
    from jiesu.services.feedback import FeedbackService

    with as_admin(server) as (rt, _, admin):
        svc = FeedbackService(rt.db, rt.rules, rt.settings)
        item = svc.add_service_item(admin, "W", "W-QR-1", "户表报装", utcnow())
    v = visitor("resident-at-window", phone=True)
    v.goto(f"/rate/item/{item}")
    page = v.page
    assert "户表报装" in page.locator("[data-item]").inner_text()  # type: ignore[attr-defined]
    assert "市水务局" in page.locator("[data-unit]").inner_text()  # type: ignore[attr-defined]
    v.shot("rate-item-form")
    assert _too_small(page) == []  # every star, field and the button is a finger's size
    page.locator('input[name="stars"][value="4"]').check()  # type: ignore[attr-defined]
    page.get_by_label("评价说明（选填）").fill("窗口办理很快")  # type: ignore[attr-defined]
    page.get_by_label("联系电话").fill("13912340000")  # type: ignore[attr-defined]
    page.get_by_role("button", name="提交评价").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "感谢您的评价" in page.locator("[data-thanks]").inner_text()  # type: ignore[attr-defined]
    v.shot("rate-item-thanks")
    assert _too_small(page) == []
    with as_admin(server) as (rt, _, _admin):
        from jiesu.services.reporting import ReportingService

        ratings = ReportingService(rt.db, rt.rules, rt.settings).ratings()
    mine = [(r["stars"], r["comment"]) for r in ratings if r["service_item_id"] == item]
    assert mine == [(4, "窗口办理很快")]
