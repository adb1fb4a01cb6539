"""The auditor's pages on a phone, in a real browser: the last anchor with the configuration
head it kept, the recorded checks with how many configuration changes each verified, and the
configuration-change log with the new areas."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Server, Visitor, as_admin

pytestmark = pytest.mark.browser


def test_the_auditor_reads_the_checks_and_the_configuration_changes(
        visitor: Callable[..., Visitor], server: Server) -> None:
    from datetime import timedelta

    from jiesu.domain.appeal import Actor, Role
    from jiesu.services import audit
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow
    from jiesu.services.policy_inputs import PolicyInput

    with as_admin(server) as (rt, units, boss):
        rt.policies.save_policy(boss, PolicyInput(
            code="P-AUDIT", title="小微企业稳岗补贴", issuer_unit_id=units["D1"], mode="auto",
            conditions=[{"field": "size", "op": "in", "value": ["micro", "small"]}]), utcnow())
        rt.appeals.register(Actor(role=Role.OPERATOR, user_id=None),
                            NewAppeal(kind="complaint", content="小区路灯坏了"), utcnow())
        assert audit.anchor(rt.db, utcnow() + timedelta(minutes=2)) > 0
        started = utcnow()
        audit.record(rt.db, audit.verify(rt.db), started_at=started, finished_at=utcnow(),
                     runner="cli")
    auditor = visitor("auditor-checks", phone=True)
    auditor.login("auditor")
    auditor.goto("/staff/audit")
    assert auditor.page.locator("[data-anchor-config]").is_visible()
    cell = auditor.page.locator("[data-checks] td[data-config-changes]").first
    assert int(cell.inner_text().replace(",", "")) > 0
    auditor.shot("70-auditor-checks")
    auditor.goto("/staff/audit/config?type=policies")
    assert auditor.page.locator("[data-config-entries]").filter(
        has_text="新增惠企政策 P-AUDIT").count() == 1
    auditor.shot("71-auditor-config-changes")


def test_the_event_log_keeps_each_cell_on_one_line_on_a_phone(
        visitor: Callable[..., Visitor], server: Server) -> None:
    """On a phone the code and hash columns squeezed 事件, 操作人 and 角色 into one character a
    line (登/记, 派/单/员/小/李); the table now scrolls in its box instead."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.services.clock import utcnow

    with as_admin(server) as (rt, _units, _boss):
        rt.appeals.register(Actor(role=Role.OPERATOR, user_id=None),
                            NewAppeal(kind="complaint", content="楼道灯坏了一个月"), utcnow())
    auditor = visitor("auditor-events-phone", phone=True)
    auditor.login("auditor")
    auditor.goto("/staff/audit")
    lines = auditor.page.eval_on_selector_all(  # type: ignore[attr-defined]
        "[data-events] td, [data-events] th", """els => els.map(e => {
            // the lines of its text (a link's own box would count as one more)
            const tops = new Set(), walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
            for (let t = walk.nextNode(); t; t = walk.nextNode()) {
                const r = document.createRange(); r.selectNodeContents(t);
                for (const b of r.getClientRects()) tops.add(Math.round(b.top));
            }
            return [e.textContent.trim(), tops.size];
        })""")
    assert any(text == "登记" for text, _ in lines), lines
    assert all(n == 1 for _, n in lines), [x for x in lines if x[1] != 1]
    # the page itself does not scroll sideways: only the table, in its box
    assert auditor.page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth <= window.innerWidth")
    auditor.shot("72-auditor-events-phone")
