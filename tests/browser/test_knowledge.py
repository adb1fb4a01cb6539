"""An operator answers a caller's question from the knowledge base while the caller is on the
line, in a real browser: the article appears as the operator types, one click fills the
answer, and the consultation is registered as answered directly."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser

TITLE = "住房公积金租房提取怎么办理？"


def _seed(server: Server, visitor: Callable[..., Visitor]) -> None:
    """The article as a draft, published on the page: the server then searches it at once,
    while a change made by another process shows only within a minute (KnowledgeService),
    and another test may have had the server build its index a moment ago."""
    from jiesu.services.clock import utcnow
    from jiesu.services.knowledge import ArticleInput

    with as_admin(server) as (rt, units, boss):
        rt.knowledge.save(boss, ArticleInput(
            title=TITLE, keywords="公积金、租房提取",
            answer="无自有住房且租房居住的职工，可每季度提取一次住房公积金，"
                   "凭身份证在线上办理，无需租房合同。",
            owner_unit_id=units["D1"]), utcnow())
    admin = visitor("admin-knowledge")
    admin.login("admin")
    admin.goto("/staff/knowledge")
    article = admin.page.locator("li[data-article]").filter(has_text=TITLE)
    article.get_by_role("button", name="发布").click()
    admin.page.wait_for_load_state()
    assert article.get_by_role("button", name="发布").count() == 0


def test_an_operator_answers_from_the_knowledge_base(visitor: Callable[..., Visitor],
                                                      server: Server) -> None:
    _seed(server, visitor)
    operator = visitor("operator")
    operator.login("operator")
    page = operator.page
    page.get_by_label("来电号码").fill("13700002222")
    page.get_by_label("诉求内容").fill("你好，我在租房住，想问一下公积金能不能提取出来付房租")
    hint = page.locator("[data-kb-hint]").filter(has_text=TITLE)
    hint.wait_for()
    operator.shot("43-operator-knowledge-hint")
    hint.get_by_role("button", name="用此口径答复").click()
    assert page.locator("input[name=kind][value=consult]").is_checked()
    assert page.locator("#direct").is_checked()
    assert "每季度提取一次" in page.locator("#answer").input_value()
    page.get_by_role("button", name="登记并保存").click()
    page.wait_for_selector("[data-registered]")
    assert "直接答复" in page.locator("[data-registered]").inner_text()
    page.goto(server.base_url + "/staff/knowledge?q=公积金")  # search, as an operator may
    assert page.locator("[data-hits] li").filter(has_text=TITLE).count() == 1
    operator.shot("44-operator-knowledge-search")
    page.goto(server.base_url + "/staff/knowledge")
    item = page.locator("li[data-article]").filter(has_text=TITLE)
    assert item.locator("[data-use-count]").inner_text() == "1"  # the answer counted it


def test_an_administrator_finds_a_typed_owner_in_a_big_city(
        visitor: Callable[..., Visitor], server: Server,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Past OWNER_CHOICES units the owner is typed, not picked from a select of thousands: the
    admin forms' unit search offers the units whose name holds what is typed, and the code
    chosen is the article's owner."""
    from sqlalchemy import select

    from jiesu.store.knowledge_tables import KnowledgeArticleRow
    from jiesu.web.routes import knowledge

    monkeypatch.setattr(knowledge, "OWNER_CHOICES", 3)  # the test city has a dozen units
    admin = visitor("knowledge-owner-typed", phone=True)
    admin.login("admin")
    admin.goto("/staff/knowledge/new")
    page = admin.page
    page.get_by_label("标题").fill("路灯不亮找哪个单位")
    page.get_by_label("答复口径").fill("街道的路灯由所在街道办事处负责维修，请登记后派单。")
    owner = page.locator("#k-owner")
    assert owner.evaluate("e => e.tagName") == "INPUT"
    owner.press_sequentially("西长安")
    page.locator("#k-owner-found option[value='D2S1']").wait_for(state="attached")
    owner.fill("D2S1")
    admin.shot("knowledge-owner-typed")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    with as_admin(server) as (rt, units, _), rt.db.uow(write=False) as uow:
        owners = list(uow.session.scalars(select(KnowledgeArticleRow.owner_unit_id).where(
            KnowledgeArticleRow.title == "路灯不亮找哪个单位")))
    assert owners == [units["D2S1"]]
