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
