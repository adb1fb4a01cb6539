"""An enterprise finds the policies it qualifies for on its phone and applies; the issuing
unit's handler approves it; the enterprise then sees the approval and when it will be paid —
in a real browser."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin
from tests.browser.test_tap_targets import _too_small

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
    # every target is finger-sized, 退出查询 (a button drawn as a link, 26 px tall) included
    for lang in ("en", "zh"):
        firm.goto(f"/enterprise/policies?lang={lang}")
        assert _too_small(page) == [], lang
    card = page.locator("li.policy-card").filter(has_text="小微制造企业设备更新补助")
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


def test_the_liaison_follows_an_enterprise_appeal_another_unit_handles_on_a_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """精准帮扶: 西城区's handler looks after an enterprise whose appeal went to 东城区; it finds
    the appeal in its own inbox tab, with the enterprise's name, and reads it without the
    buttons of the unit that handles it."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.domain.enterprise import uscc_check_char
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.services.policy_inputs import EnterpriseInput
    from jiesu.store import lookups

    code = "91110101MA0BRWXY6"
    code += uscc_check_char(code)
    with as_admin(server) as (rt, units, boss):
        with rt.db.uow(write=False) as uow:
            ids = {u.username: u.id for u in lookups.all_users(uow.session)}
        rt.policies.save_enterprise(boss, EnterpriseInput(
            uscc=code, name="西长安精密铸造有限公司", industry="C33", employees=60,
            revenue=1500, region_unit_id=units["D2"], contact_phone="13800138002",
            liaison_user_id=ids["handler_d2"]), utcnow())
        reg = rt.appeals.register(Actor(role=Role.OPERATOR, user_id=ids["operator"]), NewAppeal(
            kind="help", title="厂区门前道路施工围挡影响货车进出",
            content="东城区多福巷道路施工三个月，围挡挡住厂区大门，货车无法进出。",
            requester_phone="13800138002", requester_type="enterprise",
            enterprise_code=code), utcnow())
        rt.appeals.act(Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"]), reg.appeal_id,
                       "dispatch", utcnow(), {"unit_id": units["D1"]})
    liaison = visitor("handler_d2", phone=True)
    liaison.login("handler_d2")
    liaison.goto("/staff/inbox")
    page = liaison.page
    page.get_by_role("link", name="帮扶企业诉求").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/staff/inbox?tab=liaison")  # type: ignore[attr-defined]
    row = page.locator(f'.work-item[data-code="{reg.code}"]')  # type: ignore[attr-defined]
    assert row.locator("[data-enterprise-name] dd").inner_text() == "西长安精密铸造有限公司"
    assert row.locator("[data-liaison]").count() == 1
    assert row.get_by_role("button", name="签收").count() == 0
    liaison.shot("44-liaison-enterprise-appeals")
    row.get_by_role("link", name="查看").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "西长安精密铸造有限公司" in page.locator("[data-enterprise]").inner_text()  # type: ignore[attr-defined]
    assert page.get_by_role("button", name="签收").count() == 0  # type: ignore[attr-defined]
    liaison.shot("45-liaison-reads-the-appeal")
