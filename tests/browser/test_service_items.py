"""An administrator on a phone (390 px) keeps the service items (服务事项) on the admin page:
filters the list by unit, adds an item (a refused one keeps what was typed), renames it and
switches it off; then prints an item's QR poster (扫码评价), which fits one A4 page, and whose
QR code, read by a real decoder from Chromium's own pixels, is the rating page's address.
Screenshots 80–84."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser.conftest import SCREENSHOTS, Server, Visitor, as_admin

pytestmark = pytest.mark.browser


def _flash(v: Visitor) -> str:
    return " ".join(v.page.locator(".flash").all_inner_texts())  # type: ignore[attr-defined]


def test_an_admin_keeps_service_items_on_a_phone_and_prints_a_poster(
        visitor: Callable[..., Visitor], server: Server) -> None:
    from jiesu.services.clock import utcnow
    from jiesu.services.feedback import FeedbackService

    with as_admin(server) as (rt, _, admin_actor):
        svc = FeedbackService(rt.db, rt.rules, rt.settings)
        water = svc.add_service_item(admin_actor, "W", "W-BR-1", "供水报装（居民新户）", utcnow())
        svc.add_service_item(admin_actor, "D1S1", "S-BR-1", "居住证办理", utcnow())
        svc.rate_service_item(water, "13900001111", 2, utcnow())
        svc.rate_service_item(water, "13900002222", 5, utcnow())
    v = visitor("admin-items", phone=True)
    v.login("admin")
    page = v.page
    v.goto("/staff/admin?tab=items")
    row = page.locator("tr[data-service-item='W-BR-1']")  # type: ignore[attr-defined]
    assert "供水报装（居民新户）" in row.inner_text() and "市水务局" in row.inner_text()
    assert row.locator("[data-ratings]").inner_text().strip() == "2"
    assert row.locator("[data-bad]").inner_text().strip() == "1"
    assert row.locator("[data-average]").inner_text().strip() == "3.5"
    v.shot("80-admin-service-items")
    page.locator("#items").screenshot(  # type: ignore[attr-defined]
        path=str(SCREENSHOTS / "80-admin-service-items-card-phone.png"))

    # the list of one unit's subtree
    page.get_by_label("按单位筛选（含下级单位）").fill("D1")  # type: ignore[attr-defined]
    page.get_by_role("button", name="查找").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    codes = page.locator("tr[data-service-item]").evaluate_all(  # type: ignore[attr-defined]
        "rows => rows.map(r => r.dataset.serviceItem)")
    assert codes == ["S-BR-1"]

    # a new item: a taken code comes back with what was typed, then it is saved
    v.goto("/staff/admin?tab=items")
    form = page.locator("#item-add")  # type: ignore[attr-defined]
    form.get_by_label("事项编码").fill("W-BR-1")
    form.get_by_label("事项名称").fill("水表 报停")
    form.get_by_label("所属单位编码").fill("W")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "服务事项编码 W-BR-1 已存在" in _flash(v)
    form = page.locator("#item-add")  # type: ignore[attr-defined]
    assert form.get_by_label("事项名称").input_value() == "水表 报停"
    v.shot("81-admin-service-item-refused")
    form.get_by_label("事项编码").fill("W-BR-2")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "已新增服务事项：W-BR-2 水表 报停" in _flash(v)

    # renamed through its row's 修改, then switched off (停用)
    page.locator("tr[data-service-item='W-BR-2']").get_by_role(  # type: ignore[attr-defined]
        "link", name="修改").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    edit = page.locator("#item-edit")  # type: ignore[attr-defined]
    edit.get_by_label("事项名称").fill("水表报停")
    v.shot("82-admin-service-item-edit")
    edit.get_by_role("button", name="保存").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "已保存服务事项：W-BR-2 水表报停（市水务局）" in _flash(v)
    page.locator("tr[data-service-item='W-BR-2']").get_by_role(  # type: ignore[attr-defined]
        "link", name="修改").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    page.locator("#item-edit").get_by_role("button", name="停用").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "已停用服务事项：W-BR-2 水表报停" in _flash(v)
    stopped = page.locator("tr[data-service-item='W-BR-2']")  # type: ignore[attr-defined]
    assert "已停用" in stopped.inner_text() and stopped.locator("[data-poster]").count() == 0

    # the poster of the first item
    page.locator("tr[data-service-item='W-BR-1']").get_by_role(  # type: ignore[attr-defined]
        "link", name="打印二维码").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    sheet = page.locator("[data-poster-sheet]")  # type: ignore[attr-defined]
    assert "供水报装（居民新户）" in sheet.locator("[data-item]").inner_text()
    assert "市水务局" in sheet.locator("[data-unit]").inner_text()
    url = sheet.locator("[data-url]").inner_text().strip()
    assert url == f"{server.base_url}/rate/item/{water}"
    # no public address in this test server's settings: the page says so (not in print)
    assert page.locator("[data-base-warning]").count() == 1  # type: ignore[attr-defined]
    v.shot("83-service-item-poster")
    _read_back(v, url)
    _prints_on_one_a4_page(v)
    # the address in the code opens the item's rating page
    v.goto(url[len(server.base_url):])
    assert "供水报装（居民新户）" in page.locator("[data-item]").inner_text()  # type: ignore[attr-defined]


def _read_back(v: Visitor, url: str) -> None:
    """Chromium's pixels of the QR code, read by zxing-cpp: the rating page's address."""
    from tests.support.qr import decode, png_gray

    shot = v.page.locator("[data-qr] svg").screenshot()  # type: ignore[attr-defined]
    assert decode(png_gray(shot)) == [url]


def _prints_on_one_a4_page(v: Visitor) -> None:
    """Printed (Chromium's own PDF, A4 from the page's @page rule), the poster is one page
    without the site's header, footer or buttons."""
    page = v.page
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    try:
        for hidden in (".top", ".foot", ".poster-tools"):
            assert not page.locator(hidden).is_visible(), hidden  # type: ignore[attr-defined]
        assert page.locator("[data-qr] svg").is_visible()  # type: ignore[attr-defined]
        current = page.viewport_size  # type: ignore[attr-defined]
        page.set_viewport_size({"width": 794, "height": 1123})  # type: ignore[attr-defined]
        page.screenshot(  # type: ignore[attr-defined]  # A4 at 96 dpi, without its margins
            path=str(SCREENSHOTS / "84-service-item-poster-print.png"), full_page=True)
        page.set_viewport_size(current)  # type: ignore[attr-defined]
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)  # type: ignore[attr-defined]
        pages = re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)
        assert len(pages) == 1, len(pages)
        box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert box and (round(float(box.group(1))), round(float(box.group(2)))) == (595, 842)
    finally:
        page.emulate_media(media="screen")  # type: ignore[attr-defined]
