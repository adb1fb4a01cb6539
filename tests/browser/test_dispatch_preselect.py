"""A weak unit suggestion is not preselected (DESIGN §6): the dispatcher, on a phone, reads it
with its confidence (参考 5%) on the appeal's dispatch form and has to pick the unit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser


def _thin_history_appeal(server: Server) -> tuple[int, str]:
    """An appeal in 东华门街道 of a category whose one precedent, in 西城, its street led:
    (appeal id, code)."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.admin import AdminService
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store import lookups
    from jiesu.store.tables import CategoryRow

    with as_admin(server) as (rt, units, _):
        AdminService(rt.db, rt.rules).import_categories([["城乡建设", "市政设施", "井盖缺失"]])
        with rt.db.uow(write=False) as uow:
            ids = {u.username: u.id for u in lookups.all_users(uow.session)}
            scope = uow.units.subtree_ids(units["D2"])
            category = uow.session.scalars(
                select(CategoryRow.code).where(CategoryRow.name == "井盖缺失")).one()
        operator = Actor(role=Role.OPERATOR, user_id=ids["operator"])
        handler = Actor(role=Role.HANDLER, user_id=ids["handler_d2"], unit_id=units["D2"],
                        unit_scope=scope)
        before = rt.appeals.register(operator, NewAppeal(
            kind="help", title="井盖丢了", content="西长安街街道路口井盖丢失。",
            category=category, address="西城区西长安街街道"), utcnow())
        for actor, action, args in (
                (Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"]), "dispatch",
                 {"unit_id": units["D2S1"]}),
                (handler, "sign", {}),
                (handler, "reply", {"text": "已补装井盖", "claim": "solved"}),
                (Actor(role=Role.FOLLOWUP_AGENT, user_id=ids["followup"]), "follow_up",
                 {"reached": True, "resolved": "yes", "satisfaction": "satisfied"})):
            rt.appeals.act(actor, before.appeal_id, action, utcnow(), args)
        rt.intake.reload()
        reg = rt.appeals.register(operator, NewAppeal(
            kind="help", title="井盖缺失", content="东华门街道多福巷口的井盖不见了，很危险。",
            category=category, address="东城区东华门街道多福巷"), utcnow())
        return reg.appeal_id, reg.code


def test_a_weak_unit_suggestion_is_shown_not_preselected_on_a_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    appeal_id, code = _thin_history_appeal(server)
    dispatcher = visitor("dispatcher-preselect", phone=True)
    dispatcher.login("dispatcher")
    dispatcher.goto(f"/staff/appeals/{appeal_id}")
    page = dispatcher.page
    form = page.locator("#act-dispatch")  # type: ignore[attr-defined]
    unit = form.get_by_label("主办单位", exact=True)
    # the appeal's own street (属地), not 西长安街街道; named with its confidence, not picked
    assert unit.input_value() == ""
    hint = form.locator("[data-unit-reference]")
    assert hint.inner_text() == "系统建议：东华门街道（参考 5%），把握不足，未预选，请选择主办单位"
    shown = page.locator("[data-unit-confidence]")  # type: ignore[attr-defined]
    assert shown.inner_text() == "参考 5%"
    assert hint.bounding_box()["width"] <= 390
    form.scroll_into_view_if_needed()
    dispatcher.shot("dispatch-weak-suggestion")

    # the queue's row: the same, in one line of small print under the unit select
    dispatcher.goto("/staff/dispatch")
    row = page.locator(f'.work-item[data-code="{code}"]')  # type: ignore[attr-defined]
    assert row.get_by_label("主办单位").input_value() == ""
    assert "东华门街道（参考 5%）" in row.locator("[data-unit-reference]").inner_text()
    box = row.locator("[data-unit-confidence]").bounding_box()
    assert box["height"] < 30  # 参考 5% on one line
    row.scroll_into_view_if_needed()
    dispatcher.shot("dispatch-queue-weak-suggestion")
    dispatcher.goto(f"/staff/appeals/{appeal_id}")

    # the dispatcher chooses, and the appeal goes there
    unit.select_option(label="　东华门街道")
    form.get_by_role("button", name="派单").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    with as_admin(server) as (rt, units, _), rt.db.uow(write=False) as uow:
        row = uow.appeals.get(appeal_id)[1]
        assert (row.code, row.lead_unit_id) == (code, units["D1S1"])


def test_a_community_is_picked_in_the_queue_on_a_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """The queue's unit list reaches the communities (社区), as the appeal page's does: on a
    phone the dispatcher picks one in the row, within the screen, and the appeal goes there."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store import lookups

    with as_admin(server) as (rt, units, _):
        with rt.db.uow(write=False) as uow:
            operator = next(u.id for u in lookups.all_users(uow.session)
                            if u.username == "operator")
        reg = rt.appeals.register(Actor(role=Role.OPERATOR, user_id=operator), NewAppeal(
            kind="help", title="楼道灯坏了", content="多福巷社区3号楼楼道灯坏了一周。"),
            utcnow())
    dispatcher = visitor("dispatcher-community", phone=True)
    dispatcher.login("dispatcher")
    dispatcher.goto("/staff/dispatch")
    page = dispatcher.page
    row = page.locator(f'.work-item[data-code="{reg.code}"]')  # type: ignore[attr-defined]
    unit = row.get_by_label("主办单位")
    # the row arrives with the units near its appeal (none located: the top levels); the
    # one full list comes in at the first tap, the communities with it
    district = unit.locator("option", has_text="东城区")
    assert district.count() == 1
    assert unit.locator("option", has_text="多福巷社区").count() == 0
    unit.tap()
    row.locator("select[data-unit-full]").wait_for()  # fetched once (jiesu.js), then copied
    assert unit.locator("optgroup[label='东城区'] option", has_text="多福巷社区").count() == 1
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    unit.select_option(label="　　多福巷社区")
    box = unit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    row.scroll_into_view_if_needed()
    dispatcher.shot("dispatch-queue-community")
    row.get_by_role("button", name="派单").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    with as_admin(server) as (rt, units, _), rt.db.uow(write=False) as uow:
        assert uow.appeals.get(reg.appeal_id)[1].lead_unit_id == units["D1S1C1"]
