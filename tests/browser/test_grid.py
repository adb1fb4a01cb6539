"""A grid worker on patrol, on a phone in a real browser: reports a problem with the phone's
position and solves it on the spot, reports another that needs a unit, follows both under
我的上报, and the dispatcher finds the second one waiting."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor

pytestmark = pytest.mark.browser

LITTER = "多福巷3号楼2单元楼道堆放纸箱和旧家具，影响通行，存在消防隐患。"
COVER = "多福巷与东四北大街路口一处井盖松动，踩上去晃动，夜间有绊倒风险。"


def test_a_grid_worker_reports_from_patrol_on_a_phone(visitor: Callable[..., Visitor],
                                                      server: Server) -> None:
    worker = visitor("grid", phone=True)
    page = worker.page
    page.context.grant_permissions(["geolocation"], origin=server.base_url)
    page.context.set_geolocation({"latitude": 39.9288, "longitude": 116.4166})
    worker.login("grid")
    assert page.url.endswith("/staff/grid")  # the grid worker's home
    page.get_by_label("标题").fill("楼道堆物")
    page.get_by_label("发现的问题").fill(LITTER)
    page.get_by_role("button", name="使用手机定位").click()
    page.locator("[data-locate-status]").filter(has_text="已定位").wait_for()
    assert page.locator("[data-lat]").input_value() == "39.928800"
    page.get_by_label("已就地解决（无需派单）").check()
    page.get_by_label("处置情况").fill("已联系楼门长和物业当场清理，通道已畅通。")
    worker.shot("47-grid-patrol-form")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("[data-reported]")
    assert "已就地解决" in page.locator("[data-reported]").inner_text()

    page.get_by_label("标题").fill("井盖松动")
    page.get_by_label("发现的问题").fill(COVER)
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("[data-reported]")
    assert "等待派单" in page.locator("[data-reported]").inner_text()
    reports = page.locator("[data-reports] li")
    assert reports.count() == 2
    assert "井盖松动" in reports.nth(0).inner_text() and "已登记" in reports.nth(0).inner_text()
    assert "楼道堆物" in reports.nth(1).inner_text() and "已办结" in reports.nth(1).inner_text()
    assert page.locator("[data-patrol]").inner_text() == "2"
    worker.shot("48-grid-my-reports")
    reports.nth(0).get_by_role("link").click()  # the report waiting for dispatch opens too
    page.wait_for_load_state()
    assert COVER in page.content()

    dispatcher = visitor("dispatcher")
    dispatcher.login("dispatcher")
    dispatcher.goto("/staff/dispatch")
    queued = dispatcher.page.locator(".work-item").filter(has_text="井盖松动")
    assert queued.count() == 1
    assert "楼道堆物" not in dispatcher.page.content()  # solved on the spot: never queued
