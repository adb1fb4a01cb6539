"""Random walks through the appeal lifecycle, with invariants checked after every step.

Hypothesis drives random actions by random (allowed or not, in scope or not) actors with valid
or broken arguments, while time moves forward and the deadline sweeper runs in between.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.factories.domain import (
    CHILD,
    CO,
    LEAD,
    OTHER,
    OTHER_PHONE,
    SH,
    actor,
    calendar,
    copy,
    new_appeal,
    rules,
    sub_dispatch_to,
    valid_args,
)

from jiesu.domain.appeal import (
    OPEN_STATUSES,
    SUPERVISION_ORDER,
    TERMINAL_STATUSES,
    TRANSITIONS,
    Action,
    Actor,
    Appeal,
    Kind,
    RejectReason,
    Role,
    Rules,
    Status,
    Urgency,
    apply,
    check_deadlines,
    recompute_deadlines,
)
from jiesu.domain.errors import DomainError, IllegalTransition, PermissionDenied
from jiesu.domain.events import DomainEvent

APPLIED = [a for a in Action if a is not Action.REGISTER]
STARTS = [
    datetime(2026, 3, 2, 9, tzinfo=SH),
    datetime(2026, 9, 18, 16, tzinfo=SH),  # before 中秋/国庆
    datetime(2026, 12, 14, 10, tzinfo=SH),  # deadlines run into the unpublished 2027
    datetime(2026, 12, 31, 23, 50, tzinfo=SH),
]
# Actions that end the walk early; the walk still draws them, just not preferentially.
ENDS = frozenset({Action.REJECT, Action.MERGE, Action.ANSWER_DIRECTLY, Action.RESOLVE_ON_SITE})
COUNTERS = ("returned_count", "reopened_count", "extension_count", "supervision_count")

text = st.sampled_from(["处理中", "", "  ", "x" * 5001])
maybe = st.sampled_from

ARGS: dict[Action, st.SearchStrategy[dict[str, Any]]] = {
    Action.ANSWER_DIRECTLY: st.fixed_dictionaries({"text": text}),
    Action.RESOLVE_ON_SITE: st.fixed_dictionaries({"text": text}),
    Action.REJECT: st.fixed_dictionaries(
        {"reason": maybe([*RejectReason, "", "bogus"]), "note": text}),
    Action.MERGE: st.fixed_dictionaries({"target_id": maybe([2, 1, None, "x"])}),
    Action.DISPATCH: st.fixed_dictionaries({
        "unit_id": maybe([LEAD, LEAD, None]),
        "co_unit_ids": maybe([[], [CO], [LEAD], [CO, CO], ["x"]]),
        "urgency": maybe([None, *Urgency, "bogus"]),
        "category": maybe([None, "市政/路灯"]),
    }),
    Action.SIGN: st.just({}),
    Action.SUB_DISPATCH: maybe([sub_dispatch_to(u) for u in (CHILD, LEAD, OTHER)]
                               + [{"unit_id": CHILD}]),
    Action.REQUEST_RETURN: st.fixed_dictionaries({"reason": text}),
    Action.APPROVE_RETURN: st.just({}),
    Action.DENY_RETURN: st.fixed_dictionaries({"reason": text}),
    Action.CONTACT: st.just({}),
    Action.REQUEST_EXTENSION: st.fixed_dictionaries(
        {"days": maybe([1, 3, 10, 0, 11, None]), "reason": text}),
    Action.APPROVE_EXTENSION: st.fixed_dictionaries(
        {"days": maybe([None, None, 1, 2, 20]), "reason": maybe([None, "材料已到货", " "])}),
    Action.DENY_EXTENSION: st.fixed_dictionaries({"reason": text}),
    Action.REPLY: st.fixed_dictionaries({
        "text": text, "claim": maybe(["solved", "explained", "cannot_solve", "bogus"]),
        "reason": maybe([None, "规划未批"]),
    }),
    Action.SEND_BACK: st.fixed_dictionaries({"note": text}),
    Action.FOLLOW_UP: st.fixed_dictionaries({
        "reached": maybe([True, True, False, None]),
        "resolved": maybe(["yes", "partly", "no", "bogus"]),
        "satisfaction": maybe(["satisfied", "basically", "dissatisfied"]),
        "fault": maybe([None, "unit", "requester", "policy", "bogus"]),
    }),
    Action.REOPEN: st.fixed_dictionaries(
        {"reason": text, "to": maybe([None, "in_progress", "registered", "closed"])}),
    Action.SUPERVISE: st.fixed_dictionaries(
        {"level": maybe(["remind", "yellow", "red", "none"])}),
    Action.ADD_INFO: st.fixed_dictionaries({"text": text}),
    Action.CO_OPINION: st.fixed_dictionaries({"text": text}),
}

WHO = {
    "own": lambda role: actor(role),
    "child": lambda role: actor(role, unit_id=CHILD, unit_scope=frozenset({CHILD})),
    "co": lambda role: actor(role, unit_id=CO, unit_scope=frozenset({CO})),
    "outsider": lambda role: actor(role, unit_id=OTHER, unit_scope=frozenset({OTHER}),
                                   phone=OTHER_PHONE),
}

STEP_TIME = st.one_of(
    st.timedeltas(timedelta(0), timedelta(hours=3)),
    st.timedeltas(timedelta(0), timedelta(days=20)),
)

# The calendar once 2027 is published; a deadline marked final must not move with it.
PUBLISHED = {date(2027, 1, 1): False, **{date(2027, 2, d): False for d in range(8, 13)}}


ANY_ACTION = st.sampled_from(APPLIED)
ANY_ROLE = st.sampled_from(Role)
PICK_STEP = st.sampled_from(["act"] * 5 + ["detour", "detour", "sweep", "probe"])
# Side trips a random walk rarely takes on its own: a request, then its decision.
DETOURS: list[tuple[Action, Action]] = [
    (Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION),
    (Action.REQUEST_RETURN, Action.APPROVE_RETURN),
    (Action.REQUEST_EXTENSION, Action.DENY_EXTENSION),
    (Action.REQUEST_RETURN, Action.DENY_RETURN),
    (Action.REPLY, Action.SEND_BACK),
    (Action.SUB_DISPATCH, Action.CONTACT),
    (Action.SUPERVISE, Action.ADD_INFO),
]
PICK_DETOUR = st.sampled_from(DETOURS)
PICK_WHO = st.sampled_from(["own"] * 6 + sorted(WHO))
# Hypothesis favours the first element of a choice, so the way forward comes first.
FORWARD = {
    Status.REGISTERED: Action.DISPATCH,
    Status.DISPATCHED: Action.SIGN,
    Status.IN_PROGRESS: Action.REPLY,
    Status.REPLIED: Action.FOLLOW_UP,
    Status.CLOSED: Action.REOPEN,
}


def _preferred(status: Status) -> list[Action]:
    enabled = [a for a in APPLIED if status in TRANSITIONS[a].sources and a not in ENDS]
    first = [FORWARD[status]] if status in FORWARD else []
    return first + [a for a in enabled if a not in first]


PICK_ACTION = {s: st.sampled_from(_preferred(s) * 4 + APPLIED) for s in Status}
PICK_ROLE = {
    a: st.sampled_from(sorted(TRANSITIONS[a].roles, key=list(Role).index) * 4 + list(Role))
    for a in APPLIED
}
PICK_ARGS = {a: st.one_of(st.just(valid_args(a)), st.just(valid_args(a)), ARGS[a])
             for a in APPLIED}
_FIELDS = tuple(f.name for f in fields(Appeal))


def state(appeal: Appeal) -> tuple[Any, ...]:
    """Every field's value; `asdict` without its deep copies (all values but `extra` are
    immutable), so that it is cheap enough to take before every step."""
    return tuple(dict(v) if isinstance(v, dict) else v
                 for v in (getattr(appeal, n) for n in _FIELDS))


def test_state_sees_every_field() -> None:
    appeal, _ = new_appeal()
    assert len(state(appeal)) == len(asdict(appeal))
    changed = copy(appeal)
    changed.extra["x"] = 1
    assert state(changed) != state(appeal)


class AppealLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rules = rules()
        self.published = self._published(self.rules)
        self.now = STARTS[0]
        self.appeal, self.events = new_appeal(now=self.now)
        self.successes = 0
        self.sweep_events = 0
        self.last = self._monotone()
        self.checked = len(self.events)  # events seen by the last check

    @staticmethod
    def _published(r: Rules) -> Rules:
        return Rules(calendar=r.calendar.with_year(2027, PUBLISHED), sla=r.sla)

    @initialize(
        start=st.sampled_from(STARTS),
        kind=st.sampled_from(Kind),
        urgency=st.sampled_from(Urgency),
        count_from_next_day=st.booleans(),
    )
    def start(self, start: datetime, kind: Kind, urgency: Urgency,
              count_from_next_day: bool) -> None:
        self.rules = rules(count_from_next_day=count_from_next_day)
        self.published = self._published(self.rules)
        self.now = start
        self.appeal, self.events = new_appeal(now=start, kind=kind, urgency=urgency)
        self.last = self._monotone()
        self.checked = len(self.events)  # events seen by the last check

    def _monotone(self) -> tuple[int, ...]:
        a = self.appeal
        return (*(getattr(a, c) for c in COUNTERS), SUPERVISION_ORDER.index(a.supervision_level))

    @rule(data=st.data(), later=STEP_TIME)
    def step(self, data: st.DataObject, later: timedelta) -> None:
        """Time passes, then mostly an action; sometimes the sweeper or a refused probe."""
        self.now += later
        kind = data.draw(PICK_STEP, label="step")
        if kind == "sweep":
            self._sweep()
        elif kind == "detour":
            self._detour(data)
        elif kind == "probe":
            self._probe(data.draw(ANY_ACTION), data.draw(ANY_ROLE))
        else:
            self._act(data)

    def _act(self, data: st.DataObject) -> None:
        # Mostly an action, role and arguments that can succeed so that walks go deep;
        # sometimes anything at all.
        action = data.draw(PICK_ACTION[self.appeal.status], label="action")
        role = data.draw(PICK_ROLE[action], label="role")
        who = data.draw(PICK_WHO, label="who")
        self._try(action, WHO[who](role), data.draw(PICK_ARGS[action], label="args"))

    def _detour(self, data: st.DataObject) -> None:
        first, then = data.draw(PICK_DETOUR, label="detour")
        for action in (first, then):
            role = sorted(TRANSITIONS[action].roles, key=list(Role).index)[0]
            args = data.draw(PICK_ARGS[action], label="args")
            self.now += data.draw(st.timedeltas(timedelta(0), timedelta(days=3)), label="wait")
            if not self._try(action, actor(role), args):
                return

    def _try(self, action: Action, person: Actor, args: dict[str, Any]) -> bool:
        """Apply; on success check the table and the event, on refusal check nothing changed."""
        t = TRANSITIONS[action]
        status = self.appeal.status
        before = state(self.appeal)
        try:
            events = apply(self.appeal, action, person, self.now, rules=self.rules, **args)
        except DomainError as error:
            assert state(self.appeal) == before, f"{action} half-applied: {error}"
            event(f"refused {type(error).__name__}")
            return False
        assert status in t.sources, f"{action} succeeded from {status}"
        assert person.role in t.roles, f"{person.role} did {action}"
        assert self.appeal.status in t.targets if t.targets else self.appeal.status is status
        assert [(e.type, e.at, e.actor_role) for e in events] == [
            (action.value, self.now, person.role)]
        self.successes += 1
        self.events += events
        event(f"{status} -{action}-> {self.appeal.status}")
        return True

    def _probe(self, action: Action, role: Role) -> None:
        """What the table alone decides: a wrong status or role is refused, with no change."""
        t = TRANSITIONS[action]
        status = self.appeal.status
        if status in t.sources and role in t.roles:
            return
        before = state(self.appeal)
        expected = IllegalTransition if status not in t.sources else PermissionDenied
        try:
            apply(self.appeal, action, actor(role), self.now, rules=self.rules,
                  **valid_args(action))
        except expected:
            pass
        else:
            raise AssertionError(f"{role} {action} from {status} was not refused")
        assert state(self.appeal) == before

    def _sweep(self) -> None:
        events: list[DomainEvent] = check_deadlines(self.appeal, self.rules, self.now)
        assert all(e.type in ("deadline_warning", "supervise") for e in events)
        assert all(e.at == self.now for e in events)
        self.sweep_events += len(events)
        self.events += events
        if events:
            event("sweeper warned")

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def status_is_valid(self) -> None:
        assert isinstance(self.appeal.status, Status)
        assert self.appeal.status in OPEN_STATUSES | TERMINAL_STATUSES

    @invariant()
    def terminal_statuses_are_closed(self) -> None:
        a = self.appeal
        if a.status in TERMINAL_STATUSES:
            assert a.closed_at is not None
            assert a.next_check_at is None
        else:
            assert a.closed_at is None

    @invariant()
    def registered_has_no_unit_and_no_clock(self) -> None:
        a = self.appeal
        if a.status is Status.REGISTERED:
            assert a.lead_unit_id is None and a.co_unit_ids == () and a.handling_unit_id is None
            assert a.sign_due_at is a.handle_due_at is a.return_due_at is None
            assert a.followup_due_at is a.handle_started_at is a.next_check_at is None
            assert not a.deadlines_provisional
            assert a.extension_pending_days is None and not a.return_pending

    @invariant()
    def handling_has_a_unit_and_a_deadline(self) -> None:
        a = self.appeal
        if a.status in (Status.DISPATCHED, Status.IN_PROGRESS):
            assert a.lead_unit_id is not None and a.handling_unit_id is not None
            assert a.handle_due_at is not None and a.handle_started_at is not None
            assert a.followup_due_at is None
        if a.status is Status.DISPATCHED:
            assert a.sign_due_at is not None and a.return_due_at is not None
            assert a.signed_at is None

    @invariant()
    def replied_has_a_reply_and_a_follow_up_deadline(self) -> None:
        a = self.appeal
        if a.status is Status.REPLIED:
            assert a.reply_text and a.reply_claim is not None
            assert a.followup_due_at is not None and a.replied_at is not None

    @invariant()
    def counters_never_decrease(self) -> None:
        now = self._monotone()
        back = {e.type for e in self.events[self.checked:]} & {"approve_return", "reopen"}
        if back and self.appeal.lead_unit_id is None:
            # back to the dispatchers (退单, 重办): the 督办 level and count leave with the unit
            assert now[-2:] == (0, 0), now
            now_kept, last_kept = now[:-2], self.last[:-2]
        else:
            now_kept, last_kept = now, self.last
        assert all(n >= o for n, o in zip(now_kept, last_kept, strict=True)), (self.last, now)
        self.checked = len(self.events)
        # past the allowed number of extensions only an admin approves one (DESIGN §3)
        approvals = [e for e in self.events if e.type == "approve_extension"]
        by_others = [e for e in approvals[self.rules.max_extensions:]
                     if e.actor_role != Role.ADMIN]
        assert not by_others, by_others
        assert self.appeal.extension_count == len(approvals)
        self.last = now

    @invariant()
    def every_change_is_an_event(self) -> None:
        assert len(self.events) == 1 + self.successes + self.sweep_events

    @invariant()
    def provisional_flag_matches_the_calendar(self) -> None:
        a = self.appeal
        if a.status not in OPEN_STATUSES:
            return
        same = copy(a)
        assert recompute_deadlines(same, self.rules, self.now) is False, "stale deadlines"
        assert same.deadlines_provisional == a.deadlines_provisional
        published = copy(a)
        changed = recompute_deadlines(published, self.published, self.now)
        assert published.deadlines_provisional is False
        if not a.deadlines_provisional:
            assert not changed, "a final deadline moved when 2027 was published"


AppealLifecycle.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAppealLifecycle = AppealLifecycle.TestCase


def test_the_calendar_in_the_walk_has_2026_only() -> None:
    # The provisional invariant is only meaningful when some deadlines reach an unloaded year.
    assert calendar().loaded_years == {2026}
