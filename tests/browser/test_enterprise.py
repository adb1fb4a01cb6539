"""An enterprise finds the policies it qualifies for on its phone and applies; the issuing
unit's handler approves it; the enterprise then sees the approval and when it will be paid —
in a real browser."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser

PHONE = "13800138000"


def _seed(server: Server) -> str:
    """An enterprise in 东城区 and a published 申报制 policy for small firms there."""
    from jiesu.domain.enterprise import uscc_check_char
    from jiesu.services.clock import utcnow
    from jiesu.services.policy_inputs import EnterpriseInput, PolicyInput

    code = "91110101MA0BRWXY4"
    code += uscc_check_char(code)
    with as_admin(server) as (rt, units, boss):
        now = utcnow()
        rt.policies.save_enterprise(boss, EnterpriseInput(
            uscc=code, name="东华门精工有限公司", industry="C34", employees=40, revenue=900,
            region_unit_id=units["D1"], contact_phone=PHONE), now)
        made = rt.policies.save_policy(boss, PolicyInput(
            code="BR-1", title="小微制造企业设备更新补助", issuer_unit_id=units["D1"],
            mode="apply", benefit="设备投资额的 20%，最高 10 万元",
            conditions=[{"field": "size", "op": "in", "value": ["small", "micro"]},
                        {"field": "industry", "op": "in", "value": ["C"]}]), now)
        rt.policies.publish(boss, made.id, now)
    return code


def test_an_enterprise_applies_and_sees_the_approval(visitor: Callable[..., Visitor],
                                                      server: Server) -> None:
    code = _seed(server)
    firm = visitor("enterprise", phone=True)
    firm.goto("/")
    page = firm.page
    page.locator("[data-enterprise-link]").click()  # type: ignore[attr-defined]
    page.get_by_label("统一社会信用代码").fill(code.lower())  # as a phone keyboard may type it
    page.get_by_label("联系电话").fill("13800000000")
    page.get_by_role("button", name="查询").click()
    assert "统一社会信用代码或联系电话不正确" in page.locator("[data-error]").inner_text()
    page.get_by_label("联系电话").fill(PHONE)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/enterprise/policies")
    card = page.locator("li.policy-card").filter(has_text="小微制造企业设备更新补助")
    assert card.locator("[data-match-status]").inner_text() == "待申报"
    firm.shot("40-enterprise-matched")
    card.get_by_label("申报说明").fill("计划更新数控机床两台，投资 36 万元。")
    card.get_by_role("button", name="提交申报").click()
    page.wait_for_load_state()
    card = page.locator("li.policy-card").filter(has_text="小微制造企业设备更新补助")
    assert card.locator("[data-match-status]").inner_text() == "已申报"

    handler = visitor("handler_d1")
    handler.login("handler_d1")
    handler.goto("/staff/policies")
    item = handler.page.locator(  # type: ignore[attr-defined]
        "li[data-match]").filter(has_text="东华门精工有限公司")
    item.get_by_role("button", name="审核通过").click()
    handler.page.wait_for_load_state()  # type: ignore[attr-defined]
    handler.shot("41-handler-policy-applications")

    page.reload()
    card = page.locator("li.policy-card").filter(has_text="小微制造企业设备更新补助")
    assert card.locator("[data-match-status]").inner_text() == "已通过"
    assert card.locator("[data-payout-due]").inner_text().startswith("20")
    firm.shot("42-enterprise-approved")


# the line boxes of an element's text: a code broken across lines has more than one
_LINES = """e => { const r = document.createRange(); r.selectNodeContents(e);
                  return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"""


def test_a_credit_code_never_breaks_inside_itself_on_a_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """At 390 px the 18 characters of a 统一社会信用代码 wrapped inside the profile ("…MA01K /
    XY409"); the code goes under its label whole, in English as in Chinese."""
    from jiesu.domain.enterprise import uscc_check_char
    from jiesu.services.clock import utcnow
    from jiesu.services.policy_inputs import EnterpriseInput

    code = "91110101MA0BRWXY5"
    code += uscc_check_char(code)
    with as_admin(server) as (rt, units, boss):
        made = rt.policies.save_enterprise(boss, EnterpriseInput(
            uscc=code, name="东华门精密仪器制造有限公司", industry="C40", employees=40,
            revenue=900, region_unit_id=units["D1"], contact_phone="13800138001"), utcnow())
    admin = visitor("admin", phone=True)
    admin.login("admin")
    for lang in ("en", "zh"):
        for path in (f"/staff/enterprises/{made.id}", "/staff/enterprises"):
            admin.goto(f"{path}?lang={lang}")
            shown = admin.page.locator(f"dd.uscc:text-is('{code}')")  # type: ignore[attr-defined]
            assert shown.count() == 1, (path, lang)
            assert shown.evaluate(_LINES) == 1, (path, lang)
    admin.goto(f"/staff/enterprises/{made.id}?lang=en")
    admin.shot("43-enterprise-profile-en")
