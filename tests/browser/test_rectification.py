"""A bad rating in a real browser, on phones: the street's handler reads the requester's
comment and submits the rectification report (整改报告), the follow-up agent records that the
requester is satisfied, the supervisor publishes it, and the public 整改公示 shows it without
the requester's name or phone."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser

PHONE = "13955556666"
NAME = "赵小红"
PROBLEM = f"我是{NAME}，电话{PHONE}，东华门街道多福巷12号门前的下水道堵了一周，污水漫到路面上。"
COMMENT = "只来看了一眼就说处理好了，污水还在冒，太敷衍！"
REPORT = "已约谈作业班组，重新疏通主管道并更换破损井箅；街道每周复查一次，确保不再反复。"


def _seed(server: Server) -> str:
    """An appeal of 东华门街道, closed after its follow-up and rated 2 stars: its code."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.services.feedback import FeedbackService
    from jiesu.store import lookups

    with as_admin(server) as (rt, units, _):
        with rt.db.uow(write=False) as uow:
            ids = {u.username: u.id for u in lookups.all_users(uow.session)}
            scope = uow.units.subtree_ids(units["D1S1"])
        now = utcnow()
        reg = rt.appeals.register(Actor(role=Role.OPERATOR, user_id=ids["operator"]), NewAppeal(
            kind="complaint", content=PROBLEM, requester_name=NAME, requester_phone=PHONE), now)
        handler = Actor(role=Role.HANDLER, user_id=ids["handler_s1"], unit_id=units["D1S1"],
                        unit_scope=scope)
        for actor, action, args in (
                (Actor(role=Role.DISPATCHER, user_id=ids["dispatcher"]), "dispatch",
                 {"unit_id": units["D1S1"]}),
                (handler, "sign", {}),
                (handler, "reply", {"text": "已安排疏通。", "claim": "solved"}),
                (Actor(role=Role.FOLLOWUP_AGENT, user_id=ids["followup"]), "follow_up",
                 {"reached": True, "resolved": "partly", "satisfaction": "basically"})):
            rt.appeals.act(actor, reg.appeal_id, action, utcnow(), args)
        FeedbackService(rt.db, rt.rules, rt.settings).rate_appeal(
            Actor(role=Role.REQUESTER, phone=PHONE), reg.appeal_id, 2, COMMENT, utcnow())
        return reg.code


def test_a_bad_rating_is_rectified_and_published(visitor: Callable[..., Visitor],
                                                 server: Server) -> None:
    code = _seed(server)
    handler = visitor("handler", phone=True)
    handler.login("handler_s1")
    page = handler.page
    page.get_by_role("link", name="差评整改").click()
    item = page.locator("[data-rect]").filter(has_text=code)
    assert COMMENT in item.inner_text() and "★★☆☆☆" in item.inner_text()
    handler.shot("50-handler-rectifications")
    page.get_by_role("link", name="差评申诉").click()
    rated = page.locator("[data-rating]").filter(has_text=code)
    rated.locator("summary", has_text="申诉").click()
    assert rated.get_by_label("申诉理由").is_visible()
    handler.shot("51-handler-bad-ratings")
    page.get_by_role("link", name="本单位整改").click()
    item.get_by_label("整改报告").fill(REPORT)
    item.get_by_role("button", name="提交整改报告").click()
    page.wait_for_selector(".flash-ok")
    assert "已提交整改报告" in page.locator(".flash-ok").inner_text()
    assert REPORT in item.locator("[data-report]").inner_text()
    handler.shot("52-handler-rectification-reported")

    agent = visitor("followup", phone=True)
    agent.login("followup")
    agent.page.get_by_role("link", name="整改回访").click()
    waiting = agent.page.locator("[data-rect]").filter(has_text=code)
    waiting.get_by_label("满意", exact=True).check()
    waiting.get_by_label("回访备注").fill("诉求人确认污水已不再外溢")
    agent.shot("53-followup-rectification")
    waiting.get_by_role("button", name="记录回访结果").click()
    agent.page.wait_for_selector(".flash-ok")

    boss = visitor("supervisor", phone=True)
    boss.login("supervisor")
    boss.page.get_by_role("link", name="差评整改").click()
    boss.page.get_by_role("link", name="待公示").click()
    ready = boss.page.locator("[data-rect]").filter(has_text=code)
    ready.locator("summary", has_text="公示").click()
    boss.shot("54-supervisor-publish-confirm")
    ready.get_by_role("button", name="确认公示").click()
    boss.page.wait_for_selector(".flash-ok")
    assert "整改结果已公示" in boss.page.locator(".flash-ok").inner_text()

    resident = visitor("resident", phone=True)
    resident.goto("/board")
    resident.page.get_by_role("link", name="差评整改结果公示").click()
    card = resident.page.locator("[data-published]").filter(has_text=code)
    text = card.inner_text()
    assert REPORT in text and "下水道堵了一周" in text and "东华门街道" in text
    assert PHONE not in text and NAME not in text and COMMENT not in text
    resident.shot("55-public-rectifications")

    # the requester follows it on the tracking page: the steps, not the report, and the
    # rating they gave without a second form
    requester = visitor("requester", phone=True)
    requester.goto("/track")
    page = requester.page
    page.get_by_label("诉求编号").fill(code)
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(rf"/track/{code}$"))
    timeline = page.locator("ol.timeline").inner_text()
    for step in ("差评已转承办单位整改", "承办单位已提交整改情况", "整改回访", "整改结果已公示"):
        assert step in timeline, timeline
    assert REPORT not in page.content()
    assert "★★☆☆☆" in page.locator("[data-rating]").inner_text()
    assert page.locator(f'form[action="/track/{code}/rate"]').count() == 0
    requester.shot("56-requester-rectification-steps")
