"""The whole story through the pages, in a real browser: a resident submits, an operator
registers a call, a dispatcher dispatches both, a handler signs, contacts and replies, a
follow-up agent records "resolved, satisfied", the public board shows the appeal redacted, and
the resident rates it with the code."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser.conftest import Visitor

pytestmark = pytest.mark.browser

RESIDENT_NAME = "王小明"
RESIDENT_PHONE = "13912345678"
CALLER_PHONE = "13700001111"


def _code_in(text: str) -> str:
    m = re.search(r"\d{13,}", text)
    assert m, text
    return m.group(0)


def _item(v: Visitor, code: str):  # type: ignore[no-untyped-def]
    return v.page.locator(f'li.work-item[data-code="{code}"]')  # type: ignore[attr-defined]


def _action_form(v: Visitor, action: str):  # type: ignore[no-untyped-def]
    """The form of one action on the appeal page, its <details> opened."""
    page = v.page
    details = page.locator(f"#act-{action}")  # type: ignore[attr-defined]
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator(f'form[data-action="{action}"]')


def test_resident_to_rating(visitor: Callable[..., Visitor]) -> None:
    # 1. A resident submits on the public page, from a phone.
    resident = visitor("resident", phone=True)
    resident.goto("/")
    resident.shot("01-public-home")
    page = resident.page
    page.get_by_role("link", name="提交新诉求").click()
    page.get_by_label("投诉").check()
    page.get_by_label("诉求内容").fill(
        f"多福巷社区门口的路灯坏了一个多月，晚上出行不安全。我是{RESIDENT_NAME}，"
        f"电话{RESIDENT_PHONE}，请尽快维修。")
    page.get_by_label("发生地点").fill("东城区东华门街道多福巷社区")
    page.get_by_label("您的称呼").fill(RESIDENT_NAME)
    page.get_by_label("手机号码").fill(RESIDENT_PHONE)
    resident.shot("02-public-submit")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(r"/track/\d+"))
    web_code = page.locator("[data-code]").inner_text().strip()
    assert page.locator("[data-status]").inner_text() == "已登记"
    resident.shot("03-public-submitted")

    # 2. An operator registers a phone call, keyboard first.
    operator = visitor("operator")
    operator.login("operator")
    page = operator.page
    assert page.url.endswith("/staff/operator")
    page.get_by_label("来电号码").fill(CALLER_PHONE)
    page.get_by_label("来电人称呼").fill("李女士")
    page.keyboard.press("Alt+2")  # 求助
    assert page.get_by_label("求助").is_checked()
    page.get_by_label("诉求内容").fill("西长安街街道小区停水两天了，家里有老人，请尽快恢复供水。")
    page.get_by_label("地址").fill("西城区西长安街街道")
    # while typing, the operator sees where the address is (the gazetteer) before saving
    page.wait_for_selector("[data-area-wrap]:not([hidden])")
    assert page.locator("[data-area]").inner_text() == "西长安街街道"
    operator.shot("04-operator-register")
    page.get_by_label("诉求内容").press("Control+Enter")
    page.wait_for_selector("[data-registered]")
    call_code = _code_in(page.locator("[data-registered]").inner_text())
    operator.shot("05-operator-registered")

    # 3. A dispatcher dispatches both from the queue.
    dispatcher = visitor("dispatcher")
    dispatcher.login("dispatcher")
    page = dispatcher.page
    assert "/staff/dispatch" in page.url
    dispatcher.shot("06-dispatcher-queue")
    for code, unit in ((web_code, "东城区"), (call_code, "西城区")):
        row = _item(dispatcher, code)
        row.get_by_label("主办单位").select_option(label=unit)
        row.get_by_role("button", name="派单").click()
        page.wait_for_load_state()
        assert page.get_by_role("status").first.inner_text() == f"已派单：{code}"
        assert _item(dispatcher, code).count() == 0

    # 4. The handler of 东城区 signs from the inbox, contacts the resident and replies.
    handler = visitor("handler", phone=True)
    handler.login("handler_d1")
    page = handler.page
    assert "/staff/inbox" in page.url
    handler.shot("07-handler-inbox")
    assert _item(handler, call_code).count() == 0  # 西城区's appeal is not in this unit's inbox
    _item(handler, web_code).get_by_role("button", name="签收").click()
    page.wait_for_load_state()
    _item(handler, web_code).get_by_role("link", name="办理").click()
    assert page.locator("[data-status]").inner_text() == "办理中"
    contact = _action_form(handler, "contact")
    contact.get_by_label("备注").fill("已电话联系诉求人，约定明天现场查看")
    contact.get_by_role("button", name="联系诉求人").click()
    page.wait_for_load_state()
    reply = _action_form(handler, "reply")
    reply.get_by_label("办理结果").select_option("solved")
    reply.get_by_label("答复内容").fill(
        f"经现场核实，已更换路灯灯泡，{RESIDENT_NAME}反映的问题已解决，并已电话告知。")
    handler.shot("08-handler-appeal")
    reply.get_by_role("button", name="答复").click()
    page.wait_for_load_state()

    # 5. The follow-up agent records "resolved, satisfied".
    agent = visitor("followup")
    agent.login("followup")
    page = agent.page
    assert "/staff/followup" in page.url
    agent.shot("09-followup-queue")
    _item(agent, web_code).get_by_role("link", name="回访").click()
    form = _action_form(agent, "follow_up")
    form.get_by_label("是否联系上").select_option("yes")
    form.get_by_label("解决情况").select_option("yes")
    form.get_by_label("满意度").select_option("satisfied")
    agent.shot("10-followup-form")
    form.get_by_role("button", name="回访").click()
    page.wait_for_load_state()
    page.goto(agent.server.base_url + "/staff/followup")
    assert _item(agent, web_code).count() == 0

    # 6. The public board shows the appeal, with phone and name redacted.
    public = visitor("public", phone=True)
    public.goto("/board")
    public.shot("11-public-board")
    public.page.get_by_role("link", name=web_code).click()
    public.page.wait_for_load_state()
    text = public.page.locator("main").inner_text()
    assert "已办结" in text and "东城区" in text and "满意" in text
    assert RESIDENT_PHONE not in text and RESIDENT_NAME not in text
    assert "路灯" in text and "已更换路灯灯泡" in text
    public.shot("12-public-board-item")
    public.goto(f"/board/{call_code}")  # dispatched, not replied: public too, but no phone
    assert CALLER_PHONE not in public.page.content()

    # 7. The resident rates it with the code and phone.
    resident2 = visitor("resident-again", phone=True)
    resident2.goto("/track")
    page = resident2.page
    page.get_by_label("诉求编号").fill(web_code)
    page.get_by_label("手机号码").fill(RESIDENT_PHONE)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"/track/{web_code}$"))
    assert page.locator("[data-status]").inner_text() == "已办结"
    resident2.shot("13-public-track")
    page.get_by_label("非常满意").check()
    page.get_by_role("button", name="评价", exact=True).click()
    page.wait_for_load_state()
    message = page.get_by_role("status").first.inner_text()
    assert message == "感谢您的评价", message
    assert "★★★★★" in page.locator("[data-rating]").inner_text()
    resident2.shot("14-public-rated")


def test_every_role_page_renders(visitor: Callable[..., Visitor]) -> None:
    """The remaining pages of each role, screenshotted, with Chinese and English."""
    public = visitor("public")
    for path, name in (("/stats", "20-public-stats"), ("/track", "21-public-track-form"),
                       ("/board?lang=en", "22-public-board-en")):
        public.goto(path)
        assert public.page.locator("h1").first.is_visible()  # type: ignore[attr-defined]
        public.shot(name)
    assert public.page.locator("html").get_attribute("lang") == "en"  # type: ignore[attr-defined]
    public.goto("/?lang=zh")

    for username, paths in (
        ("supervisor", [("/staff/supervision", "23-supervisor-board")]),
        ("analyst", [("/staff/dashboard", "24-analyst-dashboard"),
                     ("/reports/monthly?month=" + _this_month(), "31-monthly-report"),
                     ("/staff/hotspots", "32-analyst-hotspots")]),
        ("admin", [("/staff/admin?tab=units", "25-admin-units"),
                   ("/staff/admin?tab=users", "26-admin-users"),
                   ("/staff/admin?tab=sla", "27-admin-sla"),
                   ("/staff/admin?tab=calendar", "28-admin-calendar")]),
        ("dispatcher", [("/staff/dispatch?tab=returns", "29-dispatcher-returns")]),
        ("auditor", [("/staff/audit", "30-auditor-events")]),
    ):
        v = visitor(username)
        v.login(username)
        for path, name in paths:
            v.goto(path)
            assert v.page.locator("h1").first.is_visible()  # type: ignore[attr-defined]
            v.shot(name)


def _this_month() -> str:
    """The month the story's appeals fall in (the printable 通报 page is rendered for it)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
