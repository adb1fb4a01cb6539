"""A resident on a phone: the emergency hint on the submit form speaks to them (not to an
operator), in Chinese and English, and labels of a tracking page do not break mid-word."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser


def test_an_emergency_on_the_public_form_tells_the_resident_whom_to_call(
        visitor: Callable[..., Visitor]) -> None:
    resident = visitor("resident-emergency", phone=True)
    page = resident.page
    for lang, expected in (("zh", "请立即拨打 119"), ("en", "call 119 now")):
        resident.goto(f"/submit?lang={lang}")
        page.locator("#content").fill("我家厨房燃气泄漏了，味道很大，楼道里也能闻到")
        banner = page.locator("[data-urgency]")
        banner.wait_for(state="visible")
        text = banner.inner_text()
        assert expected in text, text
        # the rule's message is for an operator: "转接 119 并提醒来电人…"
        assert "转接" not in text and "来电人" not in text, text
    resident.shot("public-submit-emergency")
    # an ordinary problem shows no banner
    page.locator("#content").fill("小区门口的路灯坏了一个多月，晚上出行不安全")
    page.wait_for_timeout(1200)
    assert page.locator("[data-urgency]").is_hidden()


def test_tracking_page_labels_stay_on_one_line_on_a_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    from jiesu.services.admin import AdminService

    long_name = ["劳动和社会保障", "社会保险", "异地就医医保报销"]  # wider than a phone's row
    with as_admin(server) as (rt, _, _actor):
        AdminService(rt.db, rt.rules).import_categories([long_name])
    resident = visitor("resident-labels", phone=True)
    page = resident.page
    resident.goto("/submit")
    page.get_by_label("求助").check()
    page.get_by_label("诉求内容").fill("异地就医的医保报销需要办理什么手续？")
    page.get_by_label("事项分类").select_option(label="/".join(long_name))
    page.get_by_label("手机号码").fill("13912340000")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(r"/track/\d+"))
    # the lines a label's text takes (its box is stretched to the value's height)
    lines = page.eval_on_selector_all("dl.meta dt", """els => els.map(e => {
        const r = document.createRange(); r.selectNodeContents(e);
        return [e.textContent, new Set([...r.getClientRects()].map(b => Math.round(b.top))).size];
    })""")
    assert any(label == "事项分类" for label, _ in lines), lines
    assert all(n == 1 for _, n in lines), lines
    resident.shot("public-track-phone")


def test_suggested_categories_show_residents_names_only_and_staff_the_odds(
        visitor: Callable[..., Visitor]) -> None:
    text = "小区门口的路灯坏了一个多月，晚上出行不安全"
    resident = visitor("resident-categories", phone=True)
    page = resident.page
    resident.goto("/submit")
    page.locator("#content").fill(text)
    chip = page.locator("[data-categories] .suggest-chip").first
    chip.wait_for(state="visible")
    chips = page.locator("[data-categories] .suggest-chip").all_inner_texts()
    assert chips and not any("%" in c for c in chips), chips
    for size in (None, {"width": 1366, "height": 768}):  # tappable on a phone and a desktop
        if size:
            page.set_viewport_size(size)
        box = chip.bounding_box()
        assert box and box["height"] >= 44, box
    resident.shot("public-submit-categories")

    operator = visitor("operator-categories")
    operator.login("operator")
    operator.goto("/staff/operator")
    operator.page.locator("#content").fill(text)
    staff_chip = operator.page.locator("[data-categories] .suggest-chip").first
    staff_chip.wait_for(state="visible")
    assert re.search(r"\d+%$", staff_chip.inner_text()), staff_chip.inner_text()


def test_a_pasted_link_or_long_number_wraps_instead_of_widening_the_page(
        visitor: Callable[..., Visitor]) -> None:
    link = "https://example.com/notice/" + "a1b2c3d4" * 20  # one unbroken word, 187 characters
    resident = visitor("resident-long-words", phone=True)
    page = resident.page
    resident.goto("/submit")
    page.get_by_label("标题（选填）").fill(link)
    page.get_by_label("诉求内容").fill(f"小区门口的路灯坏了，通知见 {link}")
    page.get_by_label("发生地点").fill("东城区东华门街道多福巷" + "8" * 120)
    page.get_by_label("手机号码").fill("13912340001")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(r"/track/\d+"))
    code = page.locator("[data-code]").inner_text().strip()
    resident.shot("public-submitted-long-words")  # fails when the page scrolls sideways
    page.get_by_label("补充内容").fill(f"补充照片链接：{link}")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".step-text").count() == 1
    resident.shot("public-track-long-words")
    resident.goto(f"/board/{code}")
    resident.shot("public-board-item-long-words")


def test_a_long_title_is_cut_with_an_ellipsis_on_a_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """The handler's inbox on a phone: a long title ends in "…", the whole of it on the row's
    title, and the page does not scroll sideways."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store import lookups

    title = "多福巷" + "路灯不亮晚上出行不安全" * 9
    with as_admin(server) as (rt, units, _):
        with rt.db.uow(write=False) as uow:
            ids = {u.username: u.id for u in lookups.all_users(uow.session)}
        reg = rt.appeals.register(Actor(role=Role.OPERATOR, user_id=ids["operator"]), NewAppeal(
            kind="complaint", title=title, content="多福巷路口的路灯连续一周不亮。"), utcnow())
        rt.appeals.act(Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"]), reg.appeal_id,
                       "dispatch", utcnow(), {"unit_id": units["D1"]})
    handler = visitor("handler-long-title", phone=True)
    handler.login("handler_d1")
    handler.goto("/staff/inbox")
    row = handler.page.locator(f'.row-text[title="{title}"]')
    assert row.inner_text().endswith("…") and len(row.inner_text()) == 80
    assert handler.page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    handler.shot("handler-inbox-long-title")


def test_a_refused_addition_on_the_tracking_page_is_said_in_its_form_and_switches_language(
        visitor: Callable[..., Visitor]) -> None:
    """On a phone a refused 补充 said so in a flash at the page's top, far above the form,
    and the text was gone; the page it came back on is the form's POST address, whose
    language switch answered 405. Now the message is in the form, which holds the text and
    the focus, and English opens the tracking page."""
    resident = visitor("resident-refused-addition", phone=True)
    page = resident.page
    resident.goto("/submit")
    page.get_by_label("诉求内容").fill("小区门口的井盖松动，踩上去会晃。")
    page.get_by_label("手机号码").fill("13912340001")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(r"/track/\d+"))
    track = page.url.split("?")[0]
    page.evaluate("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.get_by_label("补充内容").fill("   ")
    page.locator("form[action$='/add_info'] button").click()
    page.wait_for_load_state()
    form = page.locator("form[action$='/add_info']")
    assert form.get_by_role("alert").inner_text() == "请填写补充内容"
    assert page.evaluate("document.activeElement.id") == "info"
    resident.shot("public-track-refused-addition")
    page.locator("a.lang").click()
    page.wait_for_load_state()
    # the page the form was on: here the confirmation after submitting (?new=1)
    assert page.url.split("?")[0] == track and "lang=en" in page.url, page.url
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("form[action$='/add_info'] button").inner_text() == "Submit"
