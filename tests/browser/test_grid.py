"""A grid worker on patrol, on a phone in a real browser: reports a problem with the phone's
position and solves it on the spot, reports another that needs a unit, follows both under
我的上报, and the dispatcher finds the second one waiting."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

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


def _returned_by_the_grid(server: Server) -> str:
    """A patrol report dispatched to the grid, signed, and asked to be returned: its code."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store import lookups

    with as_admin(server) as (rt, units, _):
        with rt.db.uow(write=False) as uow:
            ids = {u.username: u.id for u in lookups.all_users(uow.session)}
        grid = units["D1S1C1"]
        worker = Actor(role=Role.GRID_WORKER, user_id=ids["grid"], unit_id=grid,
                       unit_scope=frozenset({grid}))
        reg = rt.appeals.register(worker, NewAppeal(
            kind="help", title="楼道堆物", content=LITTER, channel="grid_patrol"), utcnow())
        for actor, action, args in (
                (Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"]), "dispatch",
                 {"unit_id": grid}),
                (worker, "sign", {}),
                (worker, "request_return", {"reason": "需物业清理，不属网格职责"})):
            rt.appeals.act(actor, reg.appeal_id, action, utcnow(), args)
        return reg.code


def test_a_grid_worker_reads_why_a_return_was_refused_on_the_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """The dispatcher refuses the grid's 退单 with a reason on the 退单申请 tab; the grid
    worker's home lists the report with what was refused, what to do and why, as the inbox
    does."""
    code = _returned_by_the_grid(server)
    dispatcher = visitor("dispatcher")
    dispatcher.login("dispatcher")
    dispatcher.goto("/staff/dispatch?tab=returns")
    row = dispatcher.page.locator(f'.work-item[data-code="{code}"]')
    row.get_by_text("驳回…").click()
    row.get_by_label("驳回理由").fill("楼道堆物属网格巡查处置范围，请协调物业清理。")
    row.get_by_role("button", name="确认驳回").click()
    dispatcher.page.wait_for_load_state()
    assert f"已驳回退单(强制派单)：{code}" in dispatcher.page.content()

    worker = visitor("grid", phone=True)
    worker.login("grid")
    item = worker.page.locator("[data-reports] li").filter(has_text=code)
    said = item.locator('[data-decision="deny_return"]')
    assert said.count() == 1
    text = said.inner_text()
    assert "退单申请未获同意" in text and "请继续办理" in text
    assert "驳回理由：楼道堆物属网格巡查处置范围，请协调物业清理。" in text
    item.scroll_into_view_if_needed()
    worker.shot("49-grid-refused-return")


def test_a_report_sent_without_signal_stays_on_the_page(visitor: Callable[..., Visitor],
                                                        server: Server) -> None:
    """In the street the signal comes and goes: 提交 without a connection keeps the grid worker
    on the form with what was typed and says why (not the browser's error page, which loses
    the chosen photo and the position); back online, the same press sends it."""
    worker = visitor("grid", phone=True)
    page = worker.page
    worker.login("grid")
    page.get_by_label("标题").fill("路灯不亮")
    page.get_by_label("发现的问题").fill("多福巷8号楼北侧路灯连续三晚不亮，夜间行人看不清路。")
    page.context.set_offline(True)
    page.get_by_role("button", name="提交").click()
    note = page.locator("[data-offline-note]")
    note.wait_for()
    assert "当前没有网络连接，未提交" in note.inner_text()
    assert page.url.endswith("/staff/grid")
    assert page.get_by_label("标题").input_value() == "路灯不亮"
    worker.shot("49-grid-patrol-offline")
    page.context.set_offline(False)
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("[data-reported]")
    assert "路灯不亮" in page.locator("[data-reports] li").nth(0).inner_text()
