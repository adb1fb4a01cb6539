"""A dispatcher grants fewer extension days than asked, with the reason, from the 延期申请 tab;
the handler reads the days and the reason on the inbox, on a phone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser

WHY = "电缆已到货，两个工作日可完成更换。"


def _extension_asked(server: Server) -> str:
    """An appeal of 东城区 in progress whose handler asked for 5 working days: its code."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store import lookups

    with as_admin(server) as (rt, units, _):
        with rt.db.uow(write=False) as uow:
            ids = {u.username: u.id for u in lookups.all_users(uow.session)}
            scope = uow.units.subtree_ids(units["D1"])
        reg = rt.appeals.register(Actor(role=Role.OPERATOR, user_id=ids["operator"]), NewAppeal(
            kind="complaint", title="多福巷路灯不亮",
            content="多福巷路口的路灯连续一周不亮，晚上出行不安全。"), utcnow())
        handler = Actor(role=Role.HANDLER, user_id=ids["handler_d1"], unit_id=units["D1"],
                        unit_scope=scope)
        for actor, action, args in (
                (Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"]), "dispatch",
                 {"unit_id": units["D1"]}),
                (handler, "sign", {}),
                (handler, "request_extension", {"days": 5, "reason": "需等待供电公司更换电缆"})):
            rt.appeals.act(actor, reg.appeal_id, action, utcnow(), args)
        return reg.code


def test_fewer_extension_days_are_granted_with_a_reason_the_unit_reads(
        visitor: Callable[..., Visitor], server: Server) -> None:
    code = _extension_asked(server)
    dispatcher = visitor("dispatcher")
    dispatcher.login("dispatcher")
    dispatcher.goto("/staff/dispatch?tab=extensions")
    row = dispatcher.page.locator(f'.work-item[data-code="{code}"]')
    row.get_by_text("部分批准…").click()
    row.get_by_label("批准工作日数").fill("2")
    row.get_by_label("部分批准理由").fill(WHY)
    dispatcher.shot("50-dispatch-partial-extension")
    row.get_by_role("button", name="确认部分批准").click()
    dispatcher.page.wait_for_load_state()
    assert f"已同意延期：{code}" in dispatcher.page.content()

    handler = visitor("handler_d1", phone=True)
    handler.login("handler_d1")
    handler.goto("/staff/inbox")
    said = handler.page.locator(f'.work-item[data-code="{code}"] '
                                '[data-decision="approve_extension"]')
    text = said.inner_text()
    assert "延期申请部分批准" in text and "申请 5 个工作日，批准 2 个工作日" in text
    assert f"部分批准理由：{WHY}" in text
    said.scroll_into_view_if_needed()
    handler.shot("51-inbox-partial-extension")
