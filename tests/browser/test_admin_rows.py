"""An administrator on a phone (390 px) edits intake rules row by row and moves a unit, in a
real browser and without JavaScript being needed for any of it: a routing rule is added with
the selects, changed through its row's 修改 and deleted after the confirmation; an urgency
rule is added with its transfer line chosen from a select; a new community is moved to
another street with 移动到…. Screenshots 70–75."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import SCREENSHOTS, Server, Visitor, as_admin

pytestmark = pytest.mark.browser


def _card(v: Visitor, selector: str, name: str) -> None:
    """The card itself at phone width (the whole admin page is metres long on a phone)."""
    v.page.locator(selector).screenshot(  # type: ignore[attr-defined]
        path=str(SCREENSHOTS / f"{name}-card-phone.png"))


def _flash(v: Visitor) -> str:
    return " ".join(v.page.locator(".flash").all_inner_texts())  # type: ignore[attr-defined]


def test_an_admin_on_a_phone_edits_rules_row_by_row_and_moves_a_unit(
        visitor: Callable[..., Visitor], server: Server) -> None:
    from jiesu.services.admin import AdminService

    with as_admin(server) as (rt, _, _):
        AdminService(rt.db, rt.rules).add_unit("D1S1C9", "新建社区", parent_code="D1S1",
                                               group="community")
    admin = visitor("admin-rules", phone=True)
    admin.login("admin")
    admin.goto("/staff/admin?tab=intake#intake-routing")
    page = admin.page

    # 1. a routing rule from the selects
    form = page.locator("#routing-form")
    form.get_by_label("事项分类").select_option(label="城乡建设/市政设施 · 01.01")
    form.get_by_label("承办单位").select_option("W")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已新增路由规则：城乡建设/市政设施 × 全部区域 → 市水务局" in _flash(admin)
    row = page.locator("[data-routing-rule='1']")
    assert "市水务局" in row.inner_text()
    admin.shot("70-admin-routing-rules")
    _card(admin, "#intake-routing", "70-admin-routing-rules")

    # 2. its 修改: the form holds the rule; the area is narrowed to a district
    row.get_by_role("link", name="修改").click()
    page.wait_for_load_state()
    assert page.locator("#routing-form-title").inner_text() == "修改路由规则"
    form = page.locator("#routing-form")
    assert form.get_by_label("承办单位").input_value() == "W"
    form.get_by_label("区域").select_option("D1")
    form.get_by_label("承办单位").select_option("D1S1")
    admin.shot("71-admin-routing-rule-edit")
    _card(admin, "#routing-edit", "71-admin-routing-rule-edit")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已修改路由规则：城乡建设/市政设施 × 东城区 → 东华门街道" in _flash(admin)

    # 3. deleted after the confirmation
    row = page.locator("[data-routing-rule='1']")
    row.locator("summary", has_text="删除").click()
    row.get_by_role("button", name="确认删除").click()
    page.wait_for_load_state()
    assert "已删除路由规则" in _flash(admin)
    assert page.locator("[data-routing-rule]").count() == 0

    # 4. an urgency rule; a refused one keeps what was typed
    admin.goto("/staff/admin?tab=intake#intake-urgency")
    form = page.locator("#urgency-form")
    form.get_by_label("规则名称").fill("gas_leak")
    form.get_by_label("关键词（以顿号或逗号分隔）").fill("井喷、水管爆裂")
    form.get_by_label("转接", exact=True).select_option("119")
    form.get_by_label("给话务员的提示").fill("请立即转接 119")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已有名为 gas_leak 的紧急规则" in page.locator("[data-rule-error]").inner_text()
    form = page.locator("#urgency-form")
    assert form.get_by_label("关键词（以顿号或逗号分隔）").input_value() == "井喷、水管爆裂"
    admin.shot("72-admin-urgency-refused")
    _card(admin, "#urgency-edit", "72-admin-urgency-refused")
    form.get_by_label("规则名称").fill("well")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已新增紧急规则：well" in _flash(admin)
    row = page.locator("[data-urgency-rule='well']")
    assert "119" in row.inner_text()
    admin.shot("73-admin-urgency-rules")
    _card(admin, "#intake-urgency", "73-admin-urgency-rules")
    row.locator("summary", has_text="删除").click()
    row.get_by_role("button", name="确认删除").click()
    page.wait_for_load_state()
    assert "已删除紧急规则：well" in _flash(admin)

    # 5. 移动到… on the tree: the new community goes to another street
    admin.goto("/staff/admin?tab=units#unit-tree")
    page.locator("[data-move='D1S1C9']").click()
    page.wait_for_load_state()
    card = page.locator("#unit-move")
    assert "新建社区" in card.inner_text() and "东华门街道" in card.inner_text()
    card.get_by_label("移动到").select_option("D2S1")
    admin.shot("74-admin-unit-move")
    _card(admin, "#unit-move", "74-admin-unit-move")
    card.get_by_role("button", name="移动").click()
    page.wait_for_load_state()
    assert "已移动单位：D1S1C9 新建社区，东华门街道 → 西长安街街道（共 1 个单位）" in _flash(admin)
    admin.shot("75-admin-unit-moved")
    _card(admin, "#unit-tree", "75-admin-unit-moved")


def test_the_deployment_settings_are_read_whole_on_a_phone(
        visitor: Callable[..., Visitor]) -> None:
    """部署设置 on a phone: the values were clipped at the card's edge (the table scrolled
    inside its box, "develop…", "/tmp/…"). Each setting is now its name over its value, both
    inside the screen."""
    admin = visitor("admin-settings", phone=True)
    admin.login("admin")
    admin.goto("/staff/admin?tab=settings")
    page = admin.page
    table = page.locator("table[data-deploy-settings]")
    values = table.locator("td[data-label='值']")
    assert values.count() > 5
    outside = table.evaluate(
        """t => [...t.querySelectorAll('td')].filter(e => e.getBoundingClientRect().right
            > document.documentElement.clientWidth || e.scrollWidth > e.clientWidth)
            .map(e => e.textContent.trim())""")
    assert outside == [], outside
    wrap = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert wrap[0] <= wrap[1], wrap  # nothing to scroll sideways: all of it is in view
    admin.shot("76-admin-deploy-settings")
