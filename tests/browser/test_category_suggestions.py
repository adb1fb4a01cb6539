"""A suggested category that is a branch (一级/二级分类), not a leaf the form can take: a click
narrows the category list to that branch's leaves, for the resident (or operator) to pick one;
a suggestion the list cannot offer is not shown as a button (nor is any on a form without a
category list); without JavaScript the form lists every leaf and submits."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor

pytestmark = pytest.mark.browser

STREET_LIGHT = "小区门口的路灯坏了一个多月，晚上出行不安全"
# the test city's leaves under 城乡建设 (the keyword rules suggest the first level only)
BUILDING = ["城乡建设/市政设施/路灯", "城乡建设/市政设施/道路"]


def _options(page: object) -> list[str]:
    return page.locator("#category option").all_inner_texts()  # type: ignore[attr-defined]


def test_a_suggested_branch_narrows_the_list_to_its_leaves(
        visitor: Callable[..., Visitor]) -> None:
    resident = visitor("resident-branch", phone=True)
    page = resident.page
    resident.goto("/submit")
    every = _options(page)
    assert set(BUILDING) <= set(every)
    page.get_by_label("投诉").check()
    # 公交 and 站台 suggest 交通运输, a category this city does not have: no button for it
    page.get_by_label("诉求内容").fill("公交站台旁边" + STREET_LIGHT)
    chip = page.locator("[data-categories] .suggest-chip")
    chip.first.wait_for(state="visible")
    assert chip.all_inner_texts() == ["城乡建设"]

    chip.first.click()
    assert _options(page) == ["请选择“城乡建设”下的分类", *BUILDING]
    select = page.get_by_label("事项分类")
    assert select.input_value() == ""  # nothing chosen for the resident …
    assert select.evaluate("e => e === document.activeElement")  # … who picks one now
    show_all = page.get_by_role("button", name="显示全部分类")
    assert show_all.is_visible() and show_all.bounding_box()["height"] >= 44  # a finger's size
    resident.shot("public-submit-branch")
    select.select_option(label=BUILDING[0])

    # the whole list comes back, the choice kept
    show_all.click()
    assert _options(page) == every and show_all.is_hidden()
    assert select.locator("option:checked").inner_text() == BUILDING[0]
    chip.first.click()  # narrowed again, the choice is in the branch: kept
    assert _options(page)[1:] == BUILDING
    assert select.locator("option:checked").inner_text() == BUILDING[0]

    page.get_by_label("手机号码").fill("13912340001")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(r"/track/\d+"))
    assert "城乡建设/市政设施/路灯" in page.locator("dl.meta").inner_text()


def test_an_operator_narrows_to_a_suggested_branch_too(visitor: Callable[..., Visitor]) -> None:
    operator = visitor("operator-branch")
    operator.login("operator")
    page = operator.page
    page.get_by_label("诉求内容").fill(STREET_LIGHT)
    chip = page.locator("[data-categories] .suggest-chip", has_text="城乡建设")
    chip.wait_for(state="visible")
    assert re.search(r"\d+%$", chip.inner_text())
    chip.click()
    assert _options(page)[1:] == BUILDING
    operator.shot("operator-branch")


def test_without_javascript_the_form_lists_every_leaf_and_submits(
        browser: object, server: Server) -> None:
    ctx = browser.new_context(java_script_enabled=False, locale="zh-CN")  # type: ignore[attr-defined]
    try:
        page = ctx.new_page()
        page.goto(server.base_url + "/submit")
        assert set(BUILDING) <= set(_options(page))
        assert page.get_by_role("button", name="显示全部分类").is_hidden()
        page.get_by_label("投诉").check()
        page.get_by_label("诉求内容").fill(STREET_LIGHT)
        page.get_by_label("事项分类").select_option(label=BUILDING[1])
        page.get_by_label("手机号码").fill("13912340002")
        page.get_by_role("button", name="提交", exact=True).click()
        page.wait_for_url(re.compile(r"/track/\d+"))
        assert BUILDING[1] in page.locator("dl.meta").inner_text()
    finally:
        ctx.close()


def test_the_patrol_form_without_a_category_list_shows_suggestions_as_text(
        visitor: Callable[..., Visitor]) -> None:
    worker = visitor("grid-branch", phone=True)
    worker.login("grid")
    page = worker.page
    page.get_by_label("发现的问题").fill(STREET_LIGHT)
    chip = page.locator("[data-categories] .suggest-chip").first
    chip.wait_for(state="visible")
    assert chip.evaluate("e => e.tagName") == "SPAN"  # no button that does nothing
