"""Tap targets on a phone (390 px wide): every link, button, form control and radio label a
resident or a dispatcher touches is at least 44×44 CSS px (WCAG 2.5.5), the skip link once
focused included, measured in the browser; on a desktop the header keeps its compact lines."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser

MIN = 44
# What a finger touches: a radio or checkbox is touched through its label (which toggles it).
TARGETS = """() => {
  const picked = new Set();
  for (const e of document.querySelectorAll(
      'a, button, summary, select, textarea, input:not([type=hidden])')) {
    // the skip link is off screen until focused by keyboard: measured when it is focused
    if (e.classList.contains('skip') && e !== document.activeElement) continue;
    const label = e.closest('label') || (e.id && document.querySelector(`label[for="${e.id}"]`));
    const t = (e.type === 'radio' || e.type === 'checkbox') ? (label || e) : e;
    picked.add(t);
  }
  return [...picked].filter(e => e.offsetParent !== null || e.tagName === 'SUMMARY').map(e => {
    const r = e.getBoundingClientRect();
    return [e.tagName, (e.textContent || e.name || '').trim().slice(0, 24),
            Math.round(r.width), Math.round(r.height), e.classList.contains('skip')];
  });
}"""


def _seed_board(server: Server, n: int = 21) -> None:
    """More public appeals than one board page holds, so the pager shows: consultations
    answered directly (closed), so that the work lists of the other browser tests on this
    server do not grow by them; and one appeal to dispatch."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.store import lookups

    with as_admin(server) as (rt, _units, _):
        with rt.db.uow(write=False) as uow:
            operator = next(u.id for u in lookups.all_users(uow.session)
                            if u.username == "operator")
        actor = Actor(role=Role.OPERATOR, user_id=operator)
        for i in range(n):
            reg = rt.appeals.register(actor, NewAppeal(
                kind="consult", content=f"第{i + 1}号楼的住户想问垃圾分类的投放时间",
                requester_phone="13800000021"), utcnow())
            rt.appeals.act(actor, reg.appeal_id, "answer_directly", utcnow(),
                           {"text": "每天早七点到九点、晚六点到八点定时投放。"})
        # and one waiting in the dispatch queue, for its row of actions
        rt.appeals.register(actor, NewAppeal(
            kind="help", content="楼道灯坏了，晚上看不见台阶", requester_phone="13800000022"),
            utcnow())


SKIP_ON_SCREEN = """() => {
  const r = document.querySelector('a.skip').getBoundingClientRect();
  return r.left >= 0 && r.right <= window.innerWidth && r.top >= 0;
}"""


def _too_small(page: object) -> list[list[object]]:
    """The targets under 44 px, the skip link (跳到主要内容, or its English on an English page)
    among them: it is focused first, as the first Tab of a keyboard or switch user focuses it,
    and then shown."""
    page.focus("a.skip")  # type: ignore[attr-defined]
    assert page.evaluate(SKIP_ON_SCREEN)  # type: ignore[attr-defined]
    targets = page.evaluate(TARGETS)  # type: ignore[attr-defined]
    assert targets, "no interactive elements found"
    assert any(t[4] for t in targets), "skip link not measured"
    return [t[:4] for t in targets if t[2] < MIN or t[3] < MIN]


def test_every_tap_target_is_44_px_on_a_phone(visitor: Callable[..., Visitor],
                                              server: Server) -> None:
    _seed_board(server)
    resident = visitor("resident-taps", phone=True)
    page = resident.page
    for path in ("/", "/board", "/submit", "/track", "/stats", "/board/rectifications"):
        resident.goto(path)
        assert _too_small(page) == [], path
    resident.goto("/board")
    assert page.locator(".pager a").count() >= 1  # the pager was measured too
    resident.goto("/board?page=2")
    assert _too_small(page) == [], "/board?page=2"
    resident.shot("tap-targets-board")

    dispatcher = visitor("dispatcher-taps", phone=True)
    dispatcher.login("dispatcher")
    dispatcher.goto("/staff/dispatch")
    assert dispatcher.page.locator(".work-item button").count() >= 1  # a row's actions
    for path in ("/staff/dispatch", "/staff/dispatch?tab=returns"):
        dispatcher.goto(path)
        assert _too_small(dispatcher.page) == [], path
    dispatcher.shot("tap-targets-dispatch")


def test_the_desktop_header_stays_compact(visitor: Callable[..., Visitor]) -> None:
    resident = visitor("resident-desktop")
    resident.goto("/board")
    heights = resident.page.eval_on_selector_all(
        "header .nav a", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and max(heights) < 36, heights


def test_the_monthly_report_toolbar_is_finger_sized_on_a_phone(
        visitor: Callable[..., Visitor]) -> None:
    """The monthly report has its own print stylesheet: on a phone its 返回工作台 link was
    15 px tall and 查看/打印 21 px, next to each other."""
    leader = visitor("leader-report-taps", phone=True)
    # not the analyst: its home, the dashboard, is cached, and other tests seed it later;
    # so is this month's report: an earlier month is measured
    leader.login("supervisor")
    for lang in ("zh", "en"):
        leader.goto(f"/reports/monthly?month=2026-01&lang={lang}")
        targets = leader.page.evaluate(  # type: ignore[attr-defined]
            TARGETS.replace("document.querySelectorAll(", "document.querySelector("
                            "'.toolbar').querySelectorAll("))
        assert len(targets) >= 6, targets  # back, month, 查看, language, Excel, 打印
        assert [t for t in targets if t[2] < MIN or t[3] < MIN] == [], (lang, targets)
    leader.shot("tap-targets-monthly-report")
