"""Tests generated from the transition table: every action × status × role, as data.

Each row of `TRANSITIONS` yields: success for every allowed source status and role (with valid
arguments), IllegalTransition from every other status, PermissionDenied for every other role,
for handlers outside the unit's subtree and for requesters with another phone.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest
from tests.factories.domain import (
    CHILD,
    OTHER,
    OTHER_PHONE,
    STEP,
    T0,
    actor,
    allowed_actor,
    co_handler,
    ready_for,
    valid_args,
)

from jiesu.domain.appeal import (
    TRANSITIONS,
    UNIT_SCOPED_ROLES,
    Action,
    Role,
    Status,
    apply,
    register,
)
from jiesu.domain.diagram import REGENERATE, lifecycle_markdown, mermaid
from jiesu.domain.errors import IllegalTransition, PermissionDenied

APPLIED = [a for a in Action if a is not Action.REGISTER]


def _role_order(roles: frozenset[Role]) -> list[Role]:
    return sorted(roles, key=list(Role).index)


def _cases(kind: str) -> list[pytest.param]:
    params = []
    for action in APPLIED:
        t = TRANSITIONS[action]
        if kind == "allowed":
            params += [
                pytest.param(action, s, role, id=f"{action}-{s}-{role}")
                for s in Status if s in t.sources for role in _role_order(t.roles)
            ]
        elif kind == "illegal":
            params += [
                pytest.param(action, s, id=f"{action}-{s}")
                for s in Status if s not in t.sources
            ]
        elif kind == "denied":
            params += [
                pytest.param(action, s, role, id=f"{action}-{s}-{role}")
                for s in Status if s in t.sources for role in Role if role not in t.roles
            ]
        elif kind == "scoped":
            params += [
                pytest.param(action, s, role, id=f"{action}-{s}-{role}")
                for s in Status if s in t.sources
                for role in _role_order(t.roles & UNIT_SCOPED_ROLES)
            ]
        elif kind == "requester":
            params += [
                pytest.param(action, s, id=f"{action}-{s}")
                for s in Status if s in t.sources and Role.REQUESTER in t.roles
            ]
    return params


# -- the table itself -----------------------------------------------------------------------


def test_every_action_has_exactly_one_row() -> None:
    assert set(TRANSITIONS) == set(Action)
    assert all(TRANSITIONS[a].action is a for a in Action)


def test_every_status_is_reachable_and_every_open_status_can_be_left() -> None:
    targets = {s for t in TRANSITIONS.values() for s in t.targets}
    assert targets == set(Status)
    for status in (Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED):
        leaving = [t for t in TRANSITIONS.values()
                   if status in t.sources and set(t.targets) - {status}]
        assert leaving, f"no way out of {status}"


def test_generated_cases_cover_the_whole_table() -> None:
    allowed = sum(len(t.sources) * len(t.roles) for a, t in TRANSITIONS.items()
                  if a is not Action.REGISTER)
    assert len(_cases("allowed")) == allowed > 50
    assert len(_cases("illegal")) == sum(len(Status) - len(TRANSITIONS[a].sources)
                                         for a in APPLIED)


# -- allowed: every source × every role succeeds -------------------------------------------


@pytest.mark.parametrize(("action", "status", "role"), _cases("allowed"))
def test_allowed_source_and_role_succeeds(action: Action, status: Status, role: Role) -> None:
    built = ready_for(action, status)
    appeal, now = built.appeal, built.now + STEP
    # 协办意见 is the co-unit's: the lead unit's handler is refused it
    who = co_handler(role) if action is Action.CO_OPINION else actor(role)
    t = TRANSITIONS[action]

    events = apply(appeal, action, who, now, rules=built.rules, **valid_args(action, appeal))

    if t.targets:
        assert appeal.status in t.targets
    else:
        assert appeal.status is status
    assert len(events) == 1
    (event,) = events
    assert event.type == action.value
    assert event.at == now
    assert event.actor_id == who.user_id
    assert event.actor_role == role
    assert event.data["from"] == status
    assert event.data["to"] == appeal.status


# -- wrong status, wrong role, wrong unit, wrong phone -------------------------------------


@pytest.mark.parametrize(("action", "status"), _cases("illegal"))
def test_status_not_in_sources_is_illegal(action: Action, status: Status) -> None:
    built = ready_for(action, status)
    before = asdict(built.appeal)
    with pytest.raises(IllegalTransition) as info:
        apply(built.appeal, action, allowed_actor(action), built.now + STEP,
              rules=built.rules, **valid_args(action, built.appeal))
    assert info.value.details["status"] == status
    assert info.value.details["action"] == action
    assert asdict(built.appeal) == before


@pytest.mark.parametrize(("action", "status", "role"), _cases("denied"))
def test_role_not_allowed_is_denied(action: Action, status: Status, role: Role) -> None:
    built = ready_for(action, status)
    before = asdict(built.appeal)
    with pytest.raises(PermissionDenied) as info:
        apply(built.appeal, action, actor(role), built.now + STEP,
              rules=built.rules, **valid_args(action, built.appeal))
    assert info.value.details["role"] == role
    assert asdict(built.appeal) == before


@pytest.mark.parametrize(("action", "status", "role"), _cases("scoped"))
def test_handler_outside_the_unit_subtree_is_denied(
    action: Action, status: Status, role: Role
) -> None:
    built = ready_for(action, status)
    before = asdict(built.appeal)
    outsider = actor(role, unit_id=OTHER, unit_scope=frozenset({OTHER}))
    with pytest.raises(PermissionDenied):
        apply(built.appeal, action, outsider, built.now + STEP,
              rules=built.rules, **valid_args(action, built.appeal))
    assert asdict(built.appeal) == before


@pytest.mark.parametrize(("action", "status"), _cases("requester"))
@pytest.mark.parametrize("phone", [OTHER_PHONE, None, "", "无号码"])
def test_requester_with_another_phone_is_denied(
    action: Action, status: Status, phone: str | None
) -> None:
    built = ready_for(action, status)
    before = asdict(built.appeal)
    with pytest.raises(PermissionDenied):
        apply(built.appeal, action, actor(Role.REQUESTER, phone=phone), built.now + STEP,
              rules=built.rules, **valid_args(action, built.appeal))
    assert asdict(built.appeal) == before


def test_a_phone_without_digits_does_not_match_an_appeal_without_phone() -> None:
    built = ready_for(Action.ADD_INFO, Status.REGISTERED)
    built.appeal.requester_phone = None
    with pytest.raises(PermissionDenied):
        apply(built.appeal, Action.ADD_INFO, actor(Role.REQUESTER, phone="-"), built.now,
              rules=built.rules, text="x")


def test_requester_phone_matches_ignoring_punctuation() -> None:
    built = ready_for(Action.ADD_INFO, Status.REGISTERED)
    who = actor(Role.REQUESTER, phone="13800138000")
    apply(built.appeal, Action.ADD_INFO, who, built.now, rules=built.rules, text="补充")


def test_a_handler_of_the_sub_dispatched_unit_may_act() -> None:
    built = ready_for(Action.SUB_DISPATCH, Status.IN_PROGRESS)
    built.do(Action.SUB_DISPATCH, Role.HANDLER)
    community = actor(Role.GRID_WORKER, unit_id=CHILD, unit_scope=frozenset({CHILD}))
    built.do(Action.CONTACT, community)
    assert built.appeal.first_contact_at == built.now


# -- register is not an `apply` action ------------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_register_roles(role: Role) -> None:
    kwargs = {"actor": actor(role), "now": T0, "kind": "help", "content": "求助"}
    if role in TRANSITIONS[Action.REGISTER].roles:
        appeal, events = register(**kwargs)  # type: ignore[arg-type]
        assert appeal.status in TRANSITIONS[Action.REGISTER].targets
        assert [e.type for e in events] == ["register"]
    else:
        with pytest.raises(PermissionDenied):
            register(**kwargs)  # type: ignore[arg-type]


def test_register_through_apply_is_illegal() -> None:
    built = ready_for(Action.ADD_INFO, Status.REGISTERED)
    with pytest.raises(IllegalTransition):
        apply(built.appeal, Action.REGISTER, actor(Role.OPERATOR), T0)


# -- the generated lifecycle document ---------------------------------------------------------


def test_lifecycle_doc_is_generated_from_the_table() -> None:
    doc = Path(__file__).resolve().parents[3] / "docs" / "lifecycle.md"
    assert doc.exists(), f"docs/lifecycle.md is missing; run: {REGENERATE}"
    assert doc.read_text(encoding="utf-8") == lifecycle_markdown(), (
        f"docs/lifecycle.md is out of date with TRANSITIONS; run: {REGENERATE}"
    )


def test_lifecycle_doc_lists_every_action_and_edge() -> None:
    text = lifecycle_markdown()
    diagram = mermaid()
    for action, t in TRANSITIONS.items():
        assert f"| `{action.value}` | {t.label_zh} |" in text
        for source in t.sources:
            for target in t.targets:
                if target is not source:
                    edge = f"    {source.value} --> {target.value}: "
                    line = next(x for x in diagram.splitlines() if x.startswith(edge))
                    assert f"{action.value} {t.label_zh}" in line
