"""Managing a staff account through the pages, in a real browser: an administrator adds a
user, gives them a role and a unit and resets their password; the user signs in with it and
changes it; deactivated, the user's open page is refused on its next load and signing in is
refused with a clear message; reactivated, they sign in again."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser.conftest import PHONE, Visitor

pytestmark = pytest.mark.browser

USERNAME = "liu_fang"
FIRST_PASSWORD = "first-pass-111"
RESET_PASSWORD = "reset-pass-222"
OWN_PASSWORD = "own-pass-333"


# each cell's text and the number of lines it takes
LINES = """els => els.map(e => {
    const tops = new Set(), walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let t = walk.nextNode(); t; t = walk.nextNode()) {
        // text for screen readers only (class="sr": 编辑 <user>) is on no line of the screen
        if (!t.textContent.trim() || t.parentElement.closest('.sr')) continue;
        const r = document.createRange(); r.selectNodeContents(t);
        for (const b of r.getClientRects()) tops.add(Math.round(b.top));
    }
    return [e.textContent.trim(), tops.size];
})"""


def _flash(v: Visitor) -> str:
    return " ".join(v.page.locator(".flash").all_inner_texts())  # type: ignore[attr-defined]


def _sign_in(v: Visitor, password: str) -> None:
    v.login(USERNAME, password)


def test_an_admin_manages_a_user_who_signs_in_and_is_stopped(
        visitor: Callable[..., Visitor]) -> None:
    # 1. The administrator adds the user on the users tab, as an operator for now.
    admin = visitor("admin")
    admin.login("admin")
    admin.goto("/staff/admin?tab=users")
    page = admin.page
    form = page.locator("form[action='/staff/admin/users']")
    form.get_by_label("用户名").fill(USERNAME)
    form.get_by_label("显示名称").fill("刘芳")
    form.get_by_label("密码").fill(FIRST_PASSWORD)
    form.get_by_label("角色").select_option(label="话务员")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert f"已添加用户：{USERNAME}" in _flash(admin)
    row = page.locator("tbody tr").filter(has_text=USERNAME)
    assert "话务员" in row.inner_text() and "启用中" in row.inner_text()
    admin.shot("60-admin-users")

    # 2. Its page: a handler needs a unit, and the page says so; then it gets one.
    row.get_by_role("link", name="编辑").click()
    page.wait_for_url(re.compile(r"/staff/admin/users/\d+$"))
    user_page = page.url
    assert "刘芳" in page.locator("h1").inner_text()
    assert page.locator("[data-user-status]").inner_text().endswith("启用中")
    page.get_by_label("角色").select_option(label="承办人")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    assert "承办人和网格员必须属于一个单位" in _flash(admin)
    page.get_by_label("角色").select_option(label="承办人")
    # the unit field finds units by name as it is typed (the datalist the browser offers)
    page.get_by_label("所属单位").fill("东华")
    found = page.locator("#e-unit-found option[value='D1S1']")
    found.wait_for(state="attached")
    assert "东华门街道" in (found.get_attribute("label") or found.inner_text())
    page.get_by_label("所属单位").fill("D1S1")
    # a mobile phone (where a 精准帮扶 liaison is texted): a wrong one is refused and kept out
    page.get_by_label("手机号").fill("12345")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    assert "手机号应为 7–20 位数字" in _flash(admin)
    assert page.get_by_label("手机号").input_value() == ""
    page.get_by_label("角色").select_option(label="承办人")
    page.get_by_label("所属单位").fill("D1S1")
    page.get_by_label("手机号").fill("139 1111 2222")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    assert "用户信息已保存" in _flash(admin)
    assert page.get_by_label("角色").input_value() == "handler"
    assert "东华门街道" in page.locator("#e-unit-hint").inner_text()
    assert page.get_by_label("手机号").input_value() == "13911112222"

    # the list shows the phone masked
    admin.goto("/staff/admin?tab=users")
    listed = page.locator("tbody tr").filter(has_text=USERNAME).locator("[data-phone]")
    assert listed.inner_text() == "139****2222"
    page.goto(user_page)

    # 3. The administrator resets the password.
    page.get_by_label("新密码").fill(RESET_PASSWORD)
    page.get_by_role("button", name="重置密码").click()
    page.wait_for_load_state()
    assert "密码已重置" in _flash(admin)
    admin.shot("61-admin-user")

    # 4. The user signs in with it (the first password no longer works) and changes it.
    user = visitor("user", phone=True)
    _sign_in(user, FIRST_PASSWORD)
    assert "用户名或密码错误" in user.page.locator(".flash-error").inner_text()
    _sign_in(user, RESET_PASSWORD)
    assert user.page.url.endswith("/staff/inbox"), user.page.url
    user.goto("/staff/password")
    upage = user.page
    upage.get_by_label("当前密码").fill(RESET_PASSWORD)
    upage.get_by_label("新密码", exact=True).fill(OWN_PASSWORD)
    upage.get_by_label("再次输入新密码").fill(OWN_PASSWORD + "x")
    upage.get_by_role("button", name="修改密码").click()
    upage.wait_for_load_state()
    assert "两次输入的新密码不一致" in _flash(user)
    user.shot("62-user-password")
    upage.get_by_label("当前密码").fill(RESET_PASSWORD)
    upage.get_by_label("新密码", exact=True).fill(OWN_PASSWORD)
    upage.get_by_label("再次输入新密码").fill(OWN_PASSWORD)
    upage.get_by_role("button", name="修改密码").click()
    upage.wait_for_load_state()
    assert upage.url.endswith("/staff/inbox")  # still signed in
    assert "密码已修改" in _flash(user)
    user.shot("63-user-password-changed")

    # 5. The administrator deactivates the account, after confirming.
    page.goto(user_page)
    page.locator("[data-confirm=deactivate] summary").click()
    admin.shot("64-admin-user-confirm")
    page.get_by_role("button", name="确认停用").click()
    page.wait_for_load_state()
    assert "账号已停用" in _flash(admin)
    assert page.locator("[data-user-status]").inner_text().endswith("已停用")
    admin.shot("65-admin-user-deactivated")

    # 6. The user's open page is refused on its next load, and signing in is refused.
    upage.reload()
    assert "/login" in upage.url
    assert "登录已失效：密码已修改或账号已停用，请重新登录" in _flash(user)
    user.shot("66-user-signed-out")
    _sign_in(user, OWN_PASSWORD)
    assert "/login" in upage.url
    assert upage.locator(".flash-error").inner_text() == "账号已停用，请联系管理员"
    user.shot("67-user-refused")

    # 7. Reactivated, the user signs in again.
    page.get_by_role("button", name="启用账号").click()
    page.wait_for_load_state()
    assert "账号已启用" in _flash(admin)
    _sign_in(user, OWN_PASSWORD)
    assert upage.url.endswith("/staff/inbox"), upage.url


def test_the_user_page_is_usable_on_a_phone(visitor: Callable[..., Visitor]) -> None:
    admin = visitor("admin-phone", phone=True)
    admin.login("admin")
    admin.goto("/staff/admin?tab=users")
    page = admin.page
    # each user is a block of labelled lines: role, unit, status and 编辑 on the screen, not
    # scrolled away sideways inside the table's box (only two columns showed); each value
    # stays on one line ("角色：承办人", not a character a line)
    cells = page.eval_on_selector_all("main table[data-users] td", LINES)
    assert len(cells) > 20 and [c for c in cells if c[1] > 1] == [], cells
    outside = page.eval_on_selector_all(
        "main table[data-users] td",
        f"els => els.filter(e => e.getBoundingClientRect().right > {PHONE['width']})"
        ".map(e => e.textContent.trim())")
    assert outside == [], outside
    row = page.locator("table[data-users] tr", has_text="handler_d2")
    assert row.locator("td[data-label='角色']").inner_text() == "承办人"
    assert row.locator("td[data-label='状态']").inner_text() == "启用中"
    assert not row.locator("td[data-label='手机号']").is_visible()  # none: no empty line
    admin.shot("68-admin-users-phone")
    row.get_by_role("link", name="编辑").click()
    page.wait_for_url(re.compile(r"/staff/admin/users/\d+$"))
    admin.shot("68-admin-user-phone")
    # every field and button lies inside the screen
    outside = page.eval_on_selector_all(
        "main input:not([type=hidden]), main select, main button, main summary",
        f"""els => els.filter(e => e.offsetParent !== null || e.tagName === 'SUMMARY')
            .map(e => [e.name || e.textContent.trim(), e.getBoundingClientRect().right])
            .filter(([_, right]) => right > {PHONE['width']})""")
    assert outside == []
