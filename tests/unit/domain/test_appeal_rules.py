"""The lifecycle rules behind each action: reasons, windows, clocks, counters and warnings."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from tests.factories.domain import (
    ABOVE,
    APPEAL_ID,
    CHILD,
    CO,
    LEAD,
    OTHER,
    SH,
    SIBLING,
    STEP,
    Built,
    actor,
    appeal_in,
    calendar,
    co_handler,
    rules,
    sub_dispatch_to,
)

from jiesu.domain.appeal import (
    Action,
    Appeal,
    Channel,
    Kind,
    RejectReason,
    ReplyClaim,
    Role,
    Rules,
    Status,
    SupervisionLevel,
    Urgency,
    Warning,
    apply,
    check_deadlines,
    imported_at,
    is_imported,
    next_followup_attempt_at,
    recompute_deadlines,
)
from jiesu.domain.errors import IllegalTransition, InvalidArguments, PermissionDenied
from jiesu.domain.events import DomainEvent

END = time(23, 59, 59)


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


def end_of(y: int, mo: int, d: int) -> datetime:
    return datetime.combine(date(y, mo, d), END, tzinfo=SH).astimezone(UTC)


def act(built: Built, action: Action, role: Role, at: datetime, **args: Any) -> list[DomainEvent]:
    """Apply at an explicit time with exactly `args` (no defaults filled in)."""
    built.now = at
    events = apply(built.appeal, action, actor(role), at, rules=built.rules, **args)
    built.events += events
    return events


def refused(
    built: Built, action: Action, role: Role, error: type[Exception], **args: Any
) -> Exception:
    """Assert `action` raises `error` and leaves the appeal exactly as it was."""
    before = asdict(built.appeal)
    with pytest.raises(error) as info:
        apply(built.appeal, action, actor(role), built.now + STEP, rules=built.rules, **args)
    assert asdict(built.appeal) == before
    return info.value


def dispatched_at(
    at: datetime, *, kind: Kind = Kind.COMPLAINT, urgency: Urgency = Urgency.NORMAL,
    r: Rules | None = None,
) -> Built:
    built = appeal_in(Status.REGISTERED, now=at - timedelta(hours=1), kind=kind,
                      urgency=urgency, r=r)
    act(built, Action.DISPATCH, Role.DISPATCHER, at, unit_id=LEAD, co_unit_ids=[CO])
    return built


def in_progress_at(at: datetime, **kw: Any) -> Built:
    built = dispatched_at(at, **kw)
    act(built, Action.SIGN, Role.HANDLER, at + STEP)
    return built


def test_a_co_unit_is_told_the_lead_unit_acts_and_changes_nothing() -> None:
    """协办: the co-unit sees the appeal, so "not your unit's" would read wrong; it is told
    that the lead unit signs and replies. A unit outside keeps the plain refusal."""
    built = dispatched_at(local(2026, 3, 2, 9))
    helper = actor(Role.HANDLER, unit_id=CO, unit_scope=frozenset({CO}))
    outsider = actor(Role.HANDLER, unit_id=OTHER, unit_scope=frozenset({OTHER}))
    for who, said in ((helper, "本单位为该诉求的协办单位，签收、答复等由主办单位办理"),
                      (outsider, "该诉求不属于您所在单位办理")):
        before = asdict(built.appeal)
        with pytest.raises(PermissionDenied) as info:
            apply(built.appeal, Action.SIGN, who, built.now + STEP, rules=built.rules)
        assert info.value.message == said
        assert asdict(built.appeal) == before


def test_a_unit_given_the_appeal_by_sub_dispatch_cannot_return_it_to_12345() -> None:
    """二次派单 leaves the lead unit accountable: the unit below answers to it, and its 退单
    would take the appeal from the lead unit, which did not ask. The lead unit still may."""
    built = in_progress_at(local(2026, 3, 2, 9))
    act(built, Action.SUB_DISPATCH, Role.HANDLER, built.now + STEP, **sub_dispatch_to(CHILD))
    below = actor(Role.HANDLER, unit_id=CHILD, unit_scope=frozenset({CHILD}))
    before = asdict(built.appeal)
    with pytest.raises(PermissionDenied) as info:
        apply(built.appeal, Action.REQUEST_RETURN, below, built.now + STEP, rules=built.rules,
              reason="不属于街道职责")
    assert "请联系上级单位改派" in info.value.message
    assert asdict(built.appeal) == before
    act(built, Action.REQUEST_RETURN, Role.HANDLER, built.now + STEP, reason="不属于本区职责")
    assert built.appeal.return_pending


# -- reject / merge / answer directly -------------------------------------------------------


@pytest.mark.parametrize("reason", list(RejectReason), ids=str)
def test_reject_accepts_every_listed_reason(reason: RejectReason) -> None:
    built = appeal_in(Status.REGISTERED)
    (event,) = built.do(Action.REJECT, Role.DISPATCHER, reason=reason.value, note=" 见备注 ")
    assert built.appeal.status is Status.REJECTED
    assert built.appeal.reject_reason is reason
    assert built.appeal.reject_note == "见备注"
    assert built.appeal.closed_at == built.now
    assert event.data["reason"] is reason


@pytest.mark.parametrize("reason", [None, "", "不想办", "LITIGATION"])
def test_reject_needs_a_reason_from_the_fixed_list(reason: str | None) -> None:
    built = appeal_in(Status.REGISTERED)
    error = refused(built, Action.REJECT, Role.DISPATCHER, InvalidArguments, reason=reason)
    assert error.details["field"] == "reason"  # type: ignore[attr-defined]


def test_merge_records_the_target_and_stops_the_clocks() -> None:
    built = appeal_in(Status.DISPATCHED)
    built.do(Action.MERGE, Role.DISPATCHER, target_id="42")
    a = built.appeal
    assert (a.status, a.merged_into_id, a.closed_at) == (Status.MERGED, 42, built.now)
    assert a.sign_due_at is a.handle_due_at is a.return_due_at is None


@pytest.mark.parametrize("target", [None, "", "abc", True])
def test_merge_needs_a_target(target: object) -> None:
    built = appeal_in(Status.REGISTERED)
    error = refused(built, Action.MERGE, Role.DISPATCHER, InvalidArguments, target_id=target)
    assert error.details["field"] == "target_id"  # type: ignore[attr-defined]


def test_merge_into_itself_is_refused() -> None:
    built = appeal_in(Status.REGISTERED)
    refused(built, Action.MERGE, Role.DISPATCHER, InvalidArguments, target_id=APPEAL_ID)


def test_answer_directly_is_for_consultations_only() -> None:
    built = appeal_in(Status.REGISTERED, kind=Kind.HELP)
    refused(built, Action.ANSWER_DIRECTLY, Role.OPERATOR, InvalidArguments, text="答复")
    consult = appeal_in(Status.REGISTERED, kind=Kind.CONSULT)
    refused(consult, Action.ANSWER_DIRECTLY, Role.OPERATOR, InvalidArguments, text="  ")
    consult.do(Action.ANSWER_DIRECTLY, Role.OPERATOR, text="按知识库答复")
    a = consult.appeal
    assert (a.status, a.reply_claim, a.closed_at) == (Status.CLOSED, ReplyClaim.EXPLAINED,
                                                      consult.now)



def test_answer_directly_keeps_the_knowledge_article_it_was_read_from() -> None:
    plain = appeal_in(Status.REGISTERED, kind=Kind.CONSULT)
    [event] = plain.do(Action.ANSWER_DIRECTLY, Role.OPERATOR, text="按知识库答复")
    assert "article_id" not in event.data
    consult = appeal_in(Status.REGISTERED, kind=Kind.CONSULT)
    for bad in ("abc", 0, -3, 2**63, 1.5, True):
        refused(consult, Action.ANSWER_DIRECTLY, Role.OPERATOR, InvalidArguments,
                text="答复", article_id=bad)
    assert consult.appeal.status is Status.REGISTERED
    [event] = consult.do(Action.ANSWER_DIRECTLY, Role.OPERATOR, text="按知识库答复",
                         article_id="7")
    assert event.data["article_id"] == 7 and event.data["text"] == "按知识库答复"
    assert consult.appeal.status is Status.CLOSED

def test_a_grid_worker_resolves_an_own_patrol_report_on_the_spot() -> None:
    built = appeal_in(Status.REGISTERED, channel=Channel.GRID_PATROL, requester_phone=None)
    refused(built, Action.RESOLVE_ON_SITE, Role.GRID_WORKER, InvalidArguments, text="  ")
    [event] = built.do(Action.RESOLVE_ON_SITE, Role.GRID_WORKER, text="已当场清理楼道堆物")
    a = built.appeal
    assert (a.status, a.reply_claim, a.closed_at, a.replied_at) == (
        Status.CLOSED, ReplyClaim.SOLVED, built.now, built.now)
    # the grid is the lead unit: the case counts as its work; the place defaults to the grid
    assert (a.lead_unit_id, a.handling_unit_id, a.area_unit_id) == (LEAD, LEAD, LEAD)
    assert event.data == {"from": "registered", "to": "closed", "text": "已当场清理楼道堆物",
                          "unit_id": LEAD}
    assert a.sign_due_at is None and a.handle_due_at is None  # no clocks ran


def test_resolving_on_the_spot_is_for_the_reporting_grid_worker_only() -> None:
    hotline = appeal_in(Status.REGISTERED)
    refused(hotline, Action.RESOLVE_ON_SITE, Role.GRID_WORKER, InvalidArguments, text="已处理")
    patrol = appeal_in(Status.REGISTERED, channel=Channel.GRID_PATROL, area_unit_id=LEAD)
    for who in (actor(Role.GRID_WORKER, user_id=8),  # a colleague's report
                actor(Role.GRID_WORKER, unit_id=OTHER, unit_scope=frozenset({OTHER})),
                actor(Role.GRID_WORKER, unit_id=None, unit_scope=frozenset())):
        before = asdict(patrol.appeal)
        with pytest.raises(PermissionDenied):
            apply(patrol.appeal, Action.RESOLVE_ON_SITE, who, patrol.now + STEP,
                  rules=patrol.rules, text="已处理")
        assert asdict(patrol.appeal) == before
    dispatched = appeal_in(Status.DISPATCHED, channel=Channel.GRID_PATROL)
    refused(dispatched, Action.RESOLVE_ON_SITE, Role.GRID_WORKER, IllegalTransition,
            text="已处理")


# -- dispatch and its clocks (DESIGN §4) ----------------------------------------------------

SEPT_14 = local(2026, 9, 14, 10, 0)  # Monday before 中秋/国庆 2026


def test_dispatch_sets_units_and_starts_the_clocks_with_the_defaults() -> None:
    built = dispatched_at(SEPT_14)
    a = built.appeal
    assert (a.status, a.lead_unit_id, a.co_unit_ids, a.handling_unit_id) == (
        Status.DISPATCHED, LEAD, (CO,), LEAD)
    assert a.dispatched_at == a.handle_started_at == SEPT_14
    assert a.sign_due_at == end_of(2026, 9, 15)  # 1 working day
    assert a.return_due_at == end_of(2026, 9, 16)  # 2 working days
    # 15 working days: Sep 20 (Sun) and Oct 10 (Sat) are worked, Sep 25 and Oct 1–7 are not.
    assert a.handle_due_at == end_of(2026, 10, 10)
    assert a.deadlines_provisional is False


def test_dispatch_counting_the_same_day_when_configured() -> None:
    built = dispatched_at(SEPT_14, r=rules(count_from_next_day=False))
    assert built.appeal.sign_due_at == end_of(2026, 9, 14)
    assert built.appeal.handle_due_at == end_of(2026, 10, 9)


@pytest.mark.parametrize(
    ("kind", "workdays"),
    [(Kind.CONSULT, 2), (Kind.HELP, 5), (Kind.REPORT, 15), (Kind.SUGGESTION, 10)],
)
def test_normal_handle_limit_per_kind(kind: Kind, workdays: int) -> None:
    built = dispatched_at(local(2026, 3, 2, 10), kind=kind)  # Monday, no holidays ahead
    cal = calendar()
    assert built.appeal.handle_due_at is not None
    due_day = cal.local_date(built.appeal.handle_due_at)
    assert cal.working_days_between(date(2026, 3, 2), due_day) == workdays


@pytest.mark.parametrize(
    ("urgency", "handle", "sign"),
    [(Urgency.URGENT, timedelta(hours=24), timedelta(hours=2)),
     (Urgency.EMERGENCY, timedelta(hours=2), timedelta(minutes=30))],
)
def test_urgent_and_emergency_run_on_wall_clock(
    urgency: Urgency, handle: timedelta, sign: timedelta
) -> None:
    friday_night = local(2026, 9, 30, 22, 0)  # the eve of 国庆: holidays do not matter
    built = dispatched_at(friday_night, urgency=urgency)
    assert built.appeal.handle_due_at == friday_night + handle
    assert built.appeal.sign_due_at == friday_night + sign
    assert built.appeal.return_due_at == friday_night + sign


def test_dispatch_may_raise_the_urgency() -> None:
    built = appeal_in(Status.REGISTERED, now=SEPT_14 - STEP)
    act(built, Action.DISPATCH, Role.DISPATCHER, SEPT_14, unit_id=LEAD, urgency="urgent",
        category="市政/路灯")
    assert built.appeal.urgency is Urgency.URGENT
    assert built.appeal.category == "市政/路灯"
    assert built.appeal.handle_due_at == SEPT_14 + timedelta(hours=24)


def test_dispatch_records_a_note_when_one_is_given() -> None:
    """Who asked for a dispatch the system makes (a hotspot's governance task) is on record."""
    built = appeal_in(Status.REGISTERED, now=SEPT_14 - STEP)
    [plain] = act(built, Action.DISPATCH, Role.DISPATCHER, SEPT_14, unit_id=LEAD)
    assert "note" not in plain.data
    built = appeal_in(Status.REGISTERED, now=SEPT_14 - STEP)
    [noted] = act(built, Action.DISPATCH, Role.SYSTEM, SEPT_14, unit_id=LEAD,
                  note=" 热点预警转为治理任务，交办人：王五\x00 ")
    assert noted.data["note"] == "热点预警转为治理任务，交办人：王五"


@pytest.mark.parametrize(
    "args",
    [
        {"unit_id": None},
        {"unit_id": "x"},
        {"unit_id": LEAD, "co_unit_ids": [LEAD]},
        {"unit_id": LEAD, "co_unit_ids": [CO, CO]},
        {"unit_id": LEAD, "co_unit_ids": ["协办"]},
        {"unit_id": LEAD, "category": "市政/路灯", "urgency": "very"},
        {"unit_id": LEAD, "note": "x" * 5001},
    ],
    ids=["no-unit", "bad-unit", "lead-as-co", "dup-co", "bad-co", "bad-urgency", "long-note"],
)
def test_dispatch_refuses_bad_units_without_touching_the_appeal(args: dict[str, Any]) -> None:
    built = appeal_in(Status.REGISTERED)
    refused(built, Action.DISPATCH, Role.DISPATCHER, InvalidArguments, **args)


def test_sub_dispatch_only_to_a_descendant() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    refused(built, Action.SUB_DISPATCH, Role.HANDLER, InvalidArguments, unit_id=LEAD)
    refused(built, Action.SUB_DISPATCH, Role.HANDLER, InvalidArguments, unit_id=OTHER)
    built.do(Action.SUB_DISPATCH, Role.HANDLER, unit_id=CHILD)
    assert (built.appeal.lead_unit_id, built.appeal.handling_unit_id) == (LEAD, CHILD)
    refused(built, Action.SUB_DISPATCH, Role.HANDLER, InvalidArguments, unit_id=CHILD)


def test_the_lead_unit_takes_back_what_it_passed_down_and_the_clock_runs_on() -> None:
    """A street that sent a case to the wrong community could not take it back: 二次派单
    refused its own unit. Now the lead unit may (收回), or pass it on to another unit below."""
    built = appeal_in(Status.IN_PROGRESS)
    due = built.appeal.handle_due_at
    built.do(Action.SUB_DISPATCH, Role.HANDLER, unit_id=CHILD)
    (event,) = built.do(Action.SUB_DISPATCH, Role.HANDLER, unit_id=LEAD, note="派错社区")
    assert (built.appeal.lead_unit_id, built.appeal.handling_unit_id) == (LEAD, LEAD)
    assert (event.type, event.data["unit_id"], event.data["from_unit_id"]) == (
        "sub_dispatch", LEAD, CHILD)
    assert event.data["taken_back"] is True and event.data["taken_from"] == CHILD
    assert built.appeal.handle_due_at == due  # the lead unit stays accountable: no new clock
    # nothing to take back once it is back
    refused(built, Action.SUB_DISPATCH, Role.HANDLER, InvalidArguments, unit_id=LEAD)


def test_the_unit_below_cannot_take_the_appeal_up_to_the_lead_unit() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    built.do(Action.SUB_DISPATCH, Role.HANDLER, unit_id=CHILD)
    community = actor(Role.HANDLER, unit_id=CHILD, unit_scope=frozenset({CHILD}))
    for unit in (LEAD, CHILD):
        with pytest.raises(InvalidArguments):
            apply(built.appeal, Action.SUB_DISPATCH, community, built.now + STEP,
                  rules=built.rules, unit_id=unit)
    assert built.appeal.handling_unit_id == CHILD


def test_a_unit_above_the_lead_unit_passes_the_appeal_down_the_lead_units_subtree_only() -> None:
    """A district handler above the lead street could 二次派单 to any unit of the district,
    another street among them: the lead street, still accountable, lost the appeal. Now it
    goes below the lead unit only (or back to it, 收回)."""
    built = appeal_in(Status.IN_PROGRESS)
    district = actor(Role.HANDLER, unit_id=ABOVE,
                     unit_scope=frozenset({ABOVE, LEAD, CHILD, SIBLING}))
    with pytest.raises(InvalidArguments, match="主办单位的下级单位"):
        apply(built.appeal, Action.SUB_DISPATCH, district, built.now + STEP,
              rules=built.rules, **sub_dispatch_to(SIBLING))
    with pytest.raises(InvalidArguments):  # without its place in the tree: not taken on trust
        apply(built.appeal, Action.SUB_DISPATCH, district, built.now + STEP,
              rules=built.rules, unit_id=CHILD)
    assert built.appeal.handling_unit_id == LEAD
    built.do(Action.SUB_DISPATCH, district, **sub_dispatch_to(CHILD))
    assert built.appeal.handling_unit_id == CHILD
    (event,) = built.do(Action.SUB_DISPATCH, district, **sub_dispatch_to(LEAD))
    assert built.appeal.handling_unit_id == LEAD and event.data["taken_back"] is True


def test_sign_records_lateness() -> None:
    built = dispatched_at(SEPT_14)
    (event,) = act(built, Action.SIGN, Role.HANDLER, local(2026, 9, 16, 9))
    assert event.data["late"] is True
    assert built.appeal.signed_at == local(2026, 9, 16, 9)


# -- return (退单) --------------------------------------------------------------------------


def test_return_within_the_window_then_approved() -> None:
    built = dispatched_at(SEPT_14)
    refused(built, Action.REQUEST_RETURN, Role.HANDLER, InvalidArguments, reason=" ")
    act(built, Action.REQUEST_RETURN, Role.HANDLER, local(2026, 9, 16, 23, 59), reason="非本单位")
    refused(built, Action.REQUEST_RETURN, Role.HANDLER, IllegalTransition, reason="再次")
    act(built, Action.APPROVE_RETURN, Role.DISPATCHER, local(2026, 9, 17, 9))
    a = built.appeal
    assert a.status is Status.REGISTERED
    assert a.returned_count == 1
    assert a.return_pending is False
    assert a.lead_unit_id is None and a.co_unit_ids == () and a.handling_unit_id is None
    assert a.sign_due_at is a.handle_due_at is a.return_due_at is None


def test_return_after_the_window_is_refused() -> None:
    built = dispatched_at(SEPT_14)
    built.now = end_of(2026, 9, 16)  # refused() acts one STEP later
    error = refused(built, Action.REQUEST_RETURN, Role.HANDLER, IllegalTransition, reason="晚了")
    assert "退单时限" in str(error)


def test_deny_return_keeps_the_status_and_the_unit() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    refused(built, Action.DENY_RETURN, Role.DISPATCHER, IllegalTransition)
    refused(built, Action.APPROVE_RETURN, Role.DISPATCHER, IllegalTransition)
    built.do(Action.REQUEST_RETURN, Role.HANDLER)
    (event,) = built.do(Action.DENY_RETURN, Role.DISPATCHER)
    a = built.appeal
    assert (a.status, a.lead_unit_id, a.return_pending, a.returned_count) == (
        Status.IN_PROGRESS, LEAD, False, 0)
    assert event.data["forced"] is True
    assert event.data["reason"] == "属于本单位职责，请办理"


@pytest.mark.parametrize("action", [Action.DENY_RETURN, Action.DENY_EXTENSION])
def test_a_denial_needs_a_reason_and_a_refused_one_changes_nothing(action: Action) -> None:
    built = appeal_in(Status.IN_PROGRESS)
    built.do(Action.REQUEST_RETURN if action is Action.DENY_RETURN else Action.REQUEST_EXTENSION,
             Role.HANDLER)
    before = asdict(built.appeal)
    for args in ({}, {"reason": "  "}, {"reason": None}, {"note": ""}):
        error = refused(built, action, Role.DISPATCHER, InvalidArguments, **args)
        assert "驳回理由" in str(error)
        assert asdict(built.appeal) == before
    refused(built, action, Role.DISPATCHER, InvalidArguments, reason="x" * 5001)
    assert asdict(built.appeal) == before
    (event,) = act(built, action, Role.DISPATCHER, built.now + STEP, reason=" 职责明确 ")
    assert event.data["reason"] == "职责明确"


def test_a_denial_sent_as_a_note_by_an_older_client_is_its_reason() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=3)
    (event,) = act(built, Action.DENY_EXTENSION, Role.DISPATCHER, built.now + STEP,
                   note="请按期办结")
    assert (event.data["reason"], event.data["days"]) == ("请按期办结", 3)


def test_approved_return_drops_a_pending_extension() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER)
    built.do(Action.REQUEST_RETURN, Role.HANDLER)
    built.do(Action.APPROVE_RETURN, Role.DISPATCHER)
    assert built.appeal.extension_pending_days is None


# -- extension (延期) -----------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1, 11, None, "三", True])
def test_extension_days_are_bounded(days: object) -> None:
    built = appeal_in(Status.IN_PROGRESS)
    error = refused(built, Action.REQUEST_EXTENSION, Role.HANDLER, InvalidArguments,
                    days=days, reason="协调")
    assert error.details["field"] == "days"  # type: ignore[attr-defined]


def test_extension_needs_a_reason() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    refused(built, Action.REQUEST_EXTENSION, Role.HANDLER, InvalidArguments, days=3)


def test_extension_only_before_the_deadline() -> None:
    built = in_progress_at(SEPT_14)
    assert built.appeal.handle_due_at == end_of(2026, 10, 10)
    built.now = end_of(2026, 10, 10) - STEP
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=1)  # at the deadline itself: allowed
    built.do(Action.DENY_EXTENSION, Role.DISPATCHER)
    error = refused(built, Action.REQUEST_EXTENSION, Role.HANDLER, IllegalTransition,
                    days=1, reason="晚了")
    assert "办理时限" in str(error)


def test_at_most_one_extension() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=2)
    refused(built, Action.REQUEST_EXTENSION, Role.HANDLER, IllegalTransition, days=1, reason="再")
    built.do(Action.APPROVE_EXTENSION, Role.DISPATCHER)
    assert built.appeal.extension_count == 1
    refused(built, Action.APPROVE_EXTENSION, Role.ADMIN, IllegalTransition)
    # "at most one unless admin": a second request may be made, only an admin approves it
    (asked,) = built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=1)
    assert asked.data["needs_admin"] is True
    refused(built, Action.APPROVE_EXTENSION, Role.DISPATCHER, PermissionDenied)
    built.do(Action.APPROVE_EXTENSION, Role.ADMIN)
    assert built.appeal.extension_count == 2


def test_reply_waits_for_a_pending_return() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    built.do(Action.REQUEST_RETURN, Role.HANDLER, reason="不属于本单位职责")
    refused(built, Action.REPLY, Role.HANDLER, IllegalTransition, text="已处理", claim="solved")


def test_fractional_days_are_refused() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    refused(built, Action.REQUEST_EXTENSION, Role.HANDLER, InvalidArguments, days=1.5,
            reason="需要协调")


@pytest.mark.parametrize("count_from_next_day", [True, False], ids=["next-day", "same-day"])
@pytest.mark.parametrize("days", [1, 3, 10])
def test_approved_extension_adds_exactly_n_working_days(
    count_from_next_day: bool, days: int
) -> None:
    r = rules(count_from_next_day=count_from_next_day)
    built = in_progress_at(SEPT_14, r=r)
    old = built.appeal.handle_due_at
    assert old is not None
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=days)
    (event,) = built.do(Action.APPROVE_EXTENSION, Role.DISPATCHER)
    new = built.appeal.handle_due_at
    assert new is not None
    cal = r.calendar
    assert cal.working_days_between(cal.local_date(old), cal.local_date(new)) == days
    assert cal.is_workday(cal.local_date(new))
    assert new.astimezone(SH).time() == END
    assert event.data == {"from": Status.IN_PROGRESS, "to": Status.IN_PROGRESS, "days": days,
                          "asked": days, "handle_due_at": new.isoformat()}


@pytest.mark.parametrize(
    ("count_from_next_day", "before", "after"),
    [(True, (2026, 10, 10), (2026, 10, 14)), (False, (2026, 10, 9), (2026, 10, 13))],
    ids=["next-day", "same-day"],
)
def test_extension_over_a_worked_saturday(
    count_from_next_day: bool, before: tuple[int, int, int], after: tuple[int, int, int]
) -> None:
    built = in_progress_at(SEPT_14, r=rules(count_from_next_day=count_from_next_day))
    assert built.appeal.handle_due_at == end_of(*before)
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=3)
    built.do(Action.APPROVE_EXTENSION, Role.DISPATCHER)
    assert built.appeal.handle_due_at == end_of(*after)


def test_approval_may_grant_fewer_days_but_not_more() -> None:
    built = in_progress_at(SEPT_14)
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=3)
    refused(built, Action.APPROVE_EXTENSION, Role.DISPATCHER, InvalidArguments, days=4)
    refused(built, Action.APPROVE_EXTENSION, Role.DISPATCHER, InvalidArguments, days=0)
    built.do(Action.APPROVE_EXTENSION, Role.DISPATCHER, days=1, reason="一天足够更换灯杆")
    assert built.appeal.handle_due_at == end_of(2026, 10, 12)
    assert built.appeal.extension_pending_days is None


def test_a_partial_approval_needs_a_reason_and_a_refused_one_changes_nothing() -> None:
    """延期部分批准: fewer days than asked say why (the unit is told it), recorded on the event
    with the days asked and granted; the full days need none."""
    built = in_progress_at(SEPT_14)
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=5)
    for args in ({}, {"reason": "  "}, {"reason": None}, {"note": "少批两天"}):
        error = refused(built, Action.APPROVE_EXTENSION, Role.DISPATCHER, InvalidArguments,
                        days=3, **args)
        assert str(error) == "请填写部分批准理由"
        assert error.details["field"] == "reason"  # type: ignore[attr-defined]
    refused(built, Action.APPROVE_EXTENSION, Role.DISPATCHER, InvalidArguments, days=3,
            reason="x" * 5001)
    (event,) = act(built, Action.APPROVE_EXTENSION, Role.DISPATCHER, built.now + STEP, days=3,
                   reason=" 材料三天内到货 ")
    assert (event.data["days"], event.data["asked"], event.data["reason"]) == (
        3, 5, "材料三天内到货")
    assert event.data["handle_due_at"] == end_of(2026, 10, 14).isoformat()
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=2)
    (full,) = act(built, Action.APPROVE_EXTENSION, Role.ADMIN, built.now + STEP, days=2)
    assert (full.data["days"], full.data["asked"], "reason" in full.data) == (2, 2, False)
    # words typed with a full approval are kept as its note (the unit is not texted for it)
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=1)
    (noted,) = act(built, Action.APPROVE_EXTENSION, Role.ADMIN, built.now + STEP * 2,
                   reason=" 同意，请抓紧 ")
    assert ("reason" in noted.data, noted.data["note"]) == (False, "同意，请抓紧")


def test_denied_extension_keeps_the_deadline() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    due = built.appeal.handle_due_at
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER)
    built.do(Action.DENY_EXTENSION, Role.DISPATCHER)
    assert (built.appeal.handle_due_at, built.appeal.extension_count) == (due, 0)
    assert built.appeal.extension_pending_days is None


def test_extension_into_an_unloaded_year_is_provisional() -> None:
    built = in_progress_at(local(2026, 12, 1, 10))
    assert built.appeal.handle_due_at == end_of(2026, 12, 22)
    assert built.appeal.deadlines_provisional is False
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=10)
    built.do(Action.APPROVE_EXTENSION, Role.DISPATCHER)
    assert built.appeal.handle_due_at == end_of(2027, 1, 5)
    assert built.appeal.deadlines_provisional is True


# -- reply / send back ----------------------------------------------------------------------


def test_reply_cannot_solve_needs_a_reason() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    error = refused(built, Action.REPLY, Role.HANDLER, InvalidArguments, text="无法解决",
                    claim="cannot_solve", reason="  ")
    assert error.details["field"] == "reason"  # type: ignore[attr-defined]
    refused(built, Action.REPLY, Role.HANDLER, InvalidArguments, text="x", claim="maybe")
    refused(built, Action.REPLY, Role.HANDLER, InvalidArguments, text="", claim="solved")
    built.do(Action.REPLY, Role.HANDLER, text="无法解决", claim="cannot_solve", reason="规划未批")
    a = built.appeal
    assert (a.status, a.reply_claim, a.reply_reason) == (
        Status.REPLIED, ReplyClaim.CANNOT_SOLVE, "规划未批")


def test_reply_starts_the_follow_up_clock() -> None:
    built = in_progress_at(SEPT_14)
    (event,) = act(built, Action.REPLY, Role.HANDLER, local(2026, 9, 30, 15), text="已修复",
                   claim="solved")
    assert built.appeal.replied_at == local(2026, 9, 30, 15)
    assert built.appeal.followup_due_at == end_of(2026, 10, 8)  # 1 working day after 国庆
    assert event.data["late"] is False


def test_reply_near_new_year_marks_the_follow_up_provisional_and_send_back_clears_it() -> None:
    built = in_progress_at(local(2026, 12, 1, 10))
    act(built, Action.REPLY, Role.HANDLER, local(2026, 12, 31, 10), text="已修复", claim="solved")
    assert built.appeal.followup_due_at == end_of(2027, 1, 1)
    assert built.appeal.deadlines_provisional is True
    built.do(Action.SEND_BACK, Role.DISPATCHER)
    assert built.appeal.status is Status.IN_PROGRESS
    assert built.appeal.followup_due_at is None
    assert built.appeal.deadlines_provisional is False  # only the 2026 handle clock runs


# -- follow-up (回访) -----------------------------------------------------------------------


def test_three_failed_follow_up_attempts_close_the_appeal_as_unreachable() -> None:
    built = appeal_in(Status.REPLIED)
    for attempt in (1, 2):
        (event,) = built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False)
        assert (built.appeal.status, event.data["attempt"]) == (Status.REPLIED, attempt)
        built.now += timedelta(hours=2)  # the next try at another time of day
    built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False)
    a = built.appeal
    assert (a.status, a.followup_reached, a.followup_attempts) == (Status.CLOSED, False, 3)
    assert a.closed_at == built.now


def test_a_failed_call_back_too_soon_after_the_last_is_refused_with_when_to_call() -> None:
    """Three 未联系上 within a minute closed the appeal as unreachable: the attempts are to be
    tries at different times, so the next one waits `followup_retry_minutes` (default 2 h)."""
    built = appeal_in(Status.REPLIED)
    built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False)
    first = built.now
    assert built.appeal.followup_last_attempt_at == first
    with pytest.raises(IllegalTransition) as err:
        built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False)
    due = (first + timedelta(hours=2)).astimezone(SH)
    assert err.value.message == (
        "距上次回访未联系上不足 2 小时，请换个时间再打："
        f"{due:%m-%d %H:%M} 后可再记录未联系上（联系上了可随时记录回访结果）")
    assert built.appeal.followup_attempts == 1
    assert next_followup_attempt_at(built.appeal, built.rules) == first + timedelta(hours=2)
    built.now = first + timedelta(hours=2) - STEP  # do() adds STEP: exactly at the time
    (event,) = built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False)
    assert event.data["attempt"] == 2
    # reaching the requester is never held back
    built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=True, resolved="yes",
             satisfaction="satisfied")
    assert built.appeal.status is Status.CLOSED
    assert next_followup_attempt_at(built.appeal, built.rules) is None


def test_follow_up_spacing_can_be_turned_off_and_starts_again_after_a_new_reply() -> None:
    built = appeal_in(Status.REPLIED, r=rules(followup_retry_minutes=0))
    for _ in range(3):
        built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False)
    assert built.appeal.status is Status.CLOSED
    spaced = appeal_in(Status.REPLIED)
    spaced.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False)
    spaced.do(Action.SEND_BACK, Role.DISPATCHER, note="答复不完整")
    spaced.do(Action.REPLY, Role.HANDLER)
    assert spaced.appeal.followup_last_attempt_at is None
    spaced.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False)  # a new reply, a new round


@pytest.mark.parametrize("phone", [None, ""])
def test_without_a_phone_one_unreached_record_closes_the_appeal_as_unreachable(
        phone: str | None) -> None:
    """Nobody can be called back (an anonymous appeal, a leader's governance task): 未联系上
    is recorded once, not three times hours apart, and says why (无法回访)."""
    built = appeal_in(Status.REPLIED, requester_phone=phone)
    (event,) = built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False, note="匿名")
    a = built.appeal
    assert (a.status, a.followup_reached, a.followup_attempts) == (Status.CLOSED, False, 1)
    assert a.closed_at == built.now and a.followup_last_attempt_at is None
    assert {k: event.data[k] for k in ("reached", "attempt", "no_phone", "note")} == {
        "reached": False, "attempt": 1, "no_phone": True, "note": "匿名"}


def test_without_a_phone_a_follow_up_that_reached_someone_is_still_recorded() -> None:
    built = appeal_in(Status.REPLIED, requester_phone=None)
    (event,) = built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=True, resolved="yes",
                        satisfaction="satisfied")
    assert (built.appeal.status, built.appeal.followup_reached) == (Status.CLOSED, True)
    assert "no_phone" not in event.data


def test_follow_up_attempts_are_configurable() -> None:
    built = appeal_in(Status.REPLIED, r=rules(followup_max_attempts=1))
    built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=False)
    assert built.appeal.status is Status.CLOSED


@pytest.mark.parametrize(
    "args",
    [{}, {"reached": "yes"}, {"reached": True, "resolved": "yes"},
     {"reached": True, "resolved": "maybe", "satisfaction": "satisfied"},
     {"reached": True, "resolved": "no", "satisfaction": "satisfied", "fault": "god"}],
)
def test_follow_up_needs_valid_answers(args: dict[str, Any]) -> None:
    built = appeal_in(Status.REPLIED)
    refused(built, Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, InvalidArguments, **args)


@pytest.mark.parametrize(
    ("args", "message"),
    [({"reached": True, "resolved": "", "satisfaction": "satisfied"}, "请选择解决情况"),
     ({"reached": True, "resolved": "yes"}, "请选择满意度")],
)
def test_a_follow_up_left_blank_asks_for_the_answer(args: dict[str, Any],
                                                    message: str) -> None:
    """The agent left a choice at "—": the message asks for it, without listing the codes
    ("解决情况“”无效，可选：yes、partly、no") that the form never shows."""
    error = refused(appeal_in(Status.REPLIED), Action.FOLLOW_UP, Role.FOLLOWUP_AGENT,
                    InvalidArguments, **args)
    assert str(getattr(error, "message", error)) == message


@pytest.mark.parametrize(
    ("resolved", "satisfaction"),
    [("yes", "dissatisfied"), ("no", "satisfied"), ("partly", "dissatisfied")],
)
@pytest.mark.parametrize("fault", ["unit", None])
def test_unhappy_by_the_units_fault_reopens_with_a_fresh_clock(
    resolved: str, satisfaction: str, fault: str | None
) -> None:
    built = in_progress_at(SEPT_14)
    act(built, Action.REPLY, Role.HANDLER, local(2026, 9, 16, 10), text="已处理", claim="solved")
    at = local(2026, 9, 17, 10)
    act(built, Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, at, reached=True, resolved=resolved,
        satisfaction=satisfaction, fault=fault)
    a = built.appeal
    assert (a.status, a.reopened_count, a.closed_at) == (Status.IN_PROGRESS, 1, None)
    assert a.handle_started_at == at
    assert a.handle_due_at == end_of(2026, 10, 14)  # 15 working days from Sep 17
    assert a.followup_due_at is None
    assert a.handle_warning is Warning.NONE


@pytest.mark.parametrize("fault", ["requester", "policy", "other"])
def test_unhappy_by_another_fault_closes(fault: str) -> None:
    built = appeal_in(Status.REPLIED)
    built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT, reached=True, resolved="no",
             satisfaction="dissatisfied", fault=fault)
    a = built.appeal
    assert (a.status, a.reopened_count, a.closed_at) == (Status.CLOSED, 0, built.now)
    assert a.followup_fault == fault


def test_happy_follow_up_ignores_fault_and_closes() -> None:
    built = appeal_in(Status.REPLIED)
    built.do(Action.FOLLOW_UP, Role.REQUESTER, reached=True, resolved="partly",
             satisfaction="basically", fault="unit")
    assert built.appeal.status is Status.CLOSED
    assert built.appeal.followup_fault is None


# -- reopen (重办) --------------------------------------------------------------------------


def test_requester_reopens_within_the_window_only() -> None:
    late = appeal_in(Status.CLOSED)
    closed = late.appeal.closed_at
    assert closed is not None
    late.now = closed + timedelta(days=15)  # refused() acts one STEP later
    error = refused(late, Action.REOPEN, Role.REQUESTER, IllegalTransition, reason="又坏了")
    assert "15 天" in str(error)

    built = appeal_in(Status.CLOSED)
    assert built.appeal.closed_at == closed
    act(built, Action.REOPEN, Role.REQUESTER, closed + timedelta(days=15), reason="又坏了",
        to="registered")  # a requester cannot choose where it goes
    a = built.appeal
    assert (a.status, a.reopened_count, a.closed_at) == (Status.IN_PROGRESS, 1, None)
    assert a.handle_started_at == closed + timedelta(days=15)


def test_dispatcher_reopens_any_time_and_may_send_back_to_registered() -> None:
    built = appeal_in(Status.CLOSED)
    act(built, Action.REOPEN, Role.DISPATCHER, built.now + timedelta(days=400), reason="复查",
        to="registered")
    a = built.appeal
    assert (a.status, a.reopened_count, a.lead_unit_id, a.closed_at) == (
        Status.REGISTERED, 1, None, None)
    assert a.handle_due_at is a.followup_due_at is None


def test_reopen_needs_a_reason_and_a_valid_destination() -> None:
    built = appeal_in(Status.REPLIED)
    refused(built, Action.REOPEN, Role.REQUESTER, InvalidArguments, reason="")
    refused(built, Action.REOPEN, Role.DISPATCHER, InvalidArguments, reason="x", to="closed")


def test_reopening_a_direct_answer_goes_back_to_registered() -> None:
    built = appeal_in(Status.REGISTERED, kind=Kind.CONSULT)
    built.do(Action.ANSWER_DIRECTLY, Role.OPERATOR)
    refused(built, Action.REOPEN, Role.DISPATCHER, InvalidArguments, reason="x", to="in_progress")
    built.do(Action.REOPEN, Role.REQUESTER)
    assert built.appeal.status is Status.REGISTERED


# -- supervise (督办) -----------------------------------------------------------------------


def test_supervision_level_only_goes_up_and_every_one_counts() -> None:
    built = appeal_in(Status.IN_PROGRESS)
    seen = []
    for level in ("yellow", "remind", "red", "yellow"):
        (event,) = built.do(Action.SUPERVISE, Role.SUPERVISOR, level=level)
        assert event.data["level"] == level
        seen.append((built.appeal.supervision_level, built.appeal.supervision_count))
    assert seen == [(SupervisionLevel.YELLOW, 1), (SupervisionLevel.YELLOW, 2),
                    (SupervisionLevel.RED, 3), (SupervisionLevel.RED, 4)]


@pytest.mark.parametrize("level", ["none", "", "purple"])
def test_supervise_needs_a_real_level(level: str) -> None:
    built = appeal_in(Status.DISPATCHED)
    refused(built, Action.SUPERVISE, Role.SUPERVISOR, InvalidArguments, level=level)


# -- the deadline sweeper -------------------------------------------------------------------


def _kinds(events: list[DomainEvent]) -> list[tuple[str, str | None]]:
    return [(e.type, e.data.get("level")) for e in events]


def test_yellow_then_red_once_each_and_one_automatic_supervision() -> None:
    built = in_progress_at(local(2026, 3, 2, 9))
    a, r = built.appeal, built.rules
    assert a.handle_due_at == end_of(2026, 3, 23)
    assert a.next_check_at == end_of(2026, 3, 20)  # 1 working day before due

    assert check_deadlines(a, r, local(2026, 3, 20, 12)) == []
    yellow = check_deadlines(a, r, local(2026, 3, 21, 0))
    assert _kinds(yellow) == [("deadline_warning", "yellow")]
    assert a.handle_warning is Warning.YELLOW
    assert a.next_check_at == a.handle_due_at
    for hour in range(0, 24, 6):
        assert check_deadlines(a, r, local(2026, 3, 22, hour)) == []

    red = check_deadlines(a, r, local(2026, 3, 24, 0))
    assert _kinds(red) == [("deadline_warning", "red"), ("supervise", "yellow")]
    assert red[1].data["auto"] is True and red[1].actor_role == Role.SYSTEM
    assert (a.handle_warning, a.supervision_level, a.supervision_count) == (
        Warning.RED, SupervisionLevel.YELLOW, 1)
    assert a.next_check_at is None
    for day in range(24, 31):
        assert check_deadlines(a, r, local(2026, 3, day, 12)) == []
    assert a.supervision_count == 1


def test_red_without_yellow_when_the_sweeper_was_late() -> None:
    built = in_progress_at(local(2026, 3, 2, 9))
    events = check_deadlines(built.appeal, built.rules, local(2026, 4, 30))
    assert _kinds(events) == [("deadline_warning", "red"), ("supervise", "yellow")]
    assert check_deadlines(built.appeal, built.rules, local(2026, 5, 30)) == []


def test_warnings_whose_moment_came_before_the_import_are_marked_history() -> None:
    """An imported appeal (extra.import.at) whose deadline, or yellow window, had come when it
    was imported: its warnings are as ever (red, 督办) but marked `before_import`; a deadline
    that passes after the import, and any appeal not imported, is not marked."""
    built = dispatched_at(local(2026, 3, 2, 9))  # signing due long before, handling after
    built.appeal.extra = {"import": {"at": local(2026, 3, 10).isoformat()}}
    events = check_deadlines(built.appeal, built.rules, local(2026, 3, 10, 0, 1))
    warned = {e.data["clock"]: e.data for e in events if e.type == "deadline_warning"}
    assert warned["sign"]["before_import"] is True and warned["sign"]["level"] == "red"
    assert "handle" not in warned or "before_import" not in warned["handle"]
    assert [e.type for e in events].count("supervise") == 1
    later = check_deadlines(built.appeal, built.rules, local(2026, 4, 30))
    assert [e.data.get("before_import") for e in later if e.type == "deadline_warning"] == [None]
    live = dispatched_at(local(2026, 3, 2, 9))
    assert not any("before_import" in e.data
                   for e in check_deadlines(live.appeal, live.rules, local(2026, 4, 30)))


def test_history_is_known_by_the_import_marker_not_the_channel() -> None:
    """An appeal with the import marker but no import time (imported before the import kept
    it, and not filled in by migration 0033) is history for every warning, a later one
    included; an appeal with channel `import` but no marker is not history at all."""
    built = dispatched_at(local(2026, 3, 2, 9))
    built.appeal.extra = {"import": {"mapping": "old", "source_ref": "old:1"}}
    assert is_imported(built.appeal) and imported_at(built.appeal) is None
    events = check_deadlines(built.appeal, built.rules, local(2026, 3, 10, 0, 1))
    later = check_deadlines(built.appeal, built.rules, local(2026, 4, 30))
    warned = [e.data for e in events + later if e.type == "deadline_warning"]
    assert len(warned) == 2 and all(d.get("before_import") is True for d in warned)
    live = dispatched_at(local(2026, 3, 2, 9))
    live.appeal.channel = Channel.IMPORT
    assert not is_imported(live.appeal)
    assert not any("before_import" in e.data
                   for e in check_deadlines(live.appeal, live.rules, local(2026, 4, 30)))


def test_each_running_clock_warns_on_its_own() -> None:
    built = dispatched_at(local(2026, 3, 2, 9))  # never signed: sign and handle both run
    events = check_deadlines(built.appeal, built.rules, local(2026, 4, 30))
    assert [(e.type, e.data["clock"]) for e in events] == [
        ("deadline_warning", "sign"), ("supervise", "sign"),
        ("deadline_warning", "handle"), ("supervise", "handle")]
    assert built.appeal.supervision_count == 2
    assert check_deadlines(built.appeal, built.rules, local(2026, 5, 1)) == []


def test_red_does_not_lower_a_higher_supervision() -> None:
    built = in_progress_at(local(2026, 3, 2, 9))
    built.do(Action.SUPERVISE, Role.SUPERVISOR, level="red")
    check_deadlines(built.appeal, built.rules, local(2026, 4, 30))
    assert built.appeal.supervision_level is SupervisionLevel.RED
    assert built.appeal.supervision_count == 2


def test_follow_up_clock_warns_and_closed_appeals_are_quiet() -> None:
    built = appeal_in(Status.REPLIED, now=local(2026, 3, 2, 9))
    events = check_deadlines(built.appeal, built.rules, local(2026, 3, 10))
    assert [(e.type, e.data["clock"]) for e in events] == [
        ("deadline_warning", "follow_up"), ("supervise", "follow_up")]
    # the supervisors' record of a late 回访: the unit has replied, its 督办 level and count
    # (shown on its queue, in the API and open data) stay as they were
    assert events[1].data["auto"] is True
    assert events[1].data["note"] == "回访已超期，系统自动督办回访（承办单位已答复，不计入其督办）"
    assert (built.appeal.supervision_level, built.appeal.supervision_count) == (
        SupervisionLevel.NONE, 0)
    built.do(Action.FOLLOW_UP, Role.FOLLOWUP_AGENT)
    assert check_deadlines(built.appeal, built.rules, local(2026, 12, 1)) == []
    assert built.appeal.next_check_at is None


def test_an_approved_extension_resets_the_handle_warning() -> None:
    built = in_progress_at(local(2026, 3, 2, 9))
    check_deadlines(built.appeal, built.rules, local(2026, 3, 21))
    assert built.appeal.handle_warning is Warning.YELLOW
    act(built, Action.REQUEST_EXTENSION, Role.HANDLER, local(2026, 3, 21, 1), days=5,
        reason="协调")
    act(built, Action.APPROVE_EXTENSION, Role.DISPATCHER, local(2026, 3, 21, 2))
    assert built.appeal.handle_warning is Warning.NONE
    assert built.appeal.handle_due_at == end_of(2026, 3, 30)


# -- provisional deadlines --------------------------------------------------------------------


def test_recompute_turns_a_provisional_2027_deadline_final() -> None:
    built = dispatched_at(local(2026, 12, 15, 10))
    a = built.appeal
    # Mon–Fri fallback for 2027: Dec 16 … Dec 31, Jan 1, Jan 4, Jan 5.
    assert a.handle_due_at == end_of(2027, 1, 5)
    assert a.deadlines_provisional is True
    assert recompute_deadlines(a, built.rules, local(2026, 12, 20)) is False

    published = Rules(calendar=calendar().with_year(2027, {date(2027, 1, 1): False}),
                      sla=built.rules.sla)
    assert recompute_deadlines(a, published, local(2026, 12, 20)) is True
    assert a.handle_due_at == end_of(2027, 1, 6)
    assert a.sign_due_at == end_of(2026, 12, 16)
    assert a.deadlines_provisional is False
    assert recompute_deadlines(a, published, local(2026, 12, 20)) is False


def test_recompute_keeps_an_extension() -> None:
    built = in_progress_at(local(2026, 12, 1, 10))
    built.do(Action.REQUEST_EXTENSION, Role.HANDLER, days=10)
    built.do(Action.APPROVE_EXTENSION, Role.DISPATCHER)
    published = Rules(calendar=calendar().with_year(2027, {date(2027, 1, 1): False}),
                      sla=built.rules.sla)
    assert recompute_deadlines(built.appeal, published, built.now) is True
    assert built.appeal.handle_due_at == end_of(2027, 1, 6)
    assert built.appeal.deadlines_provisional is False


def test_recompute_of_a_replied_appeal_moves_only_the_follow_up() -> None:
    built = in_progress_at(local(2026, 12, 1, 10))
    act(built, Action.REPLY, Role.HANDLER, local(2026, 12, 31, 10), text="好", claim="solved")
    handle = built.appeal.handle_due_at
    published = Rules(calendar=calendar().with_year(2027, {date(2027, 1, 1): False}),
                      sla=built.rules.sla)
    assert recompute_deadlines(built.appeal, published, built.now) is True
    assert built.appeal.followup_due_at == end_of(2027, 1, 4)
    assert built.appeal.handle_due_at == handle
    assert built.appeal.deadlines_provisional is False


# -- apply is all or nothing ------------------------------------------------------------------


def test_a_failed_action_leaves_no_trace() -> None:
    built = appeal_in(Status.REGISTERED)
    a: Appeal = built.appeal
    with pytest.raises(InvalidArguments):
        apply(a, Action.DISPATCH, actor(Role.DISPATCHER), built.now, rules=built.rules,
              unit_id=LEAD, category="市政/路灯", urgency="whenever")
    assert a.category is None and a.urgency is Urgency.NORMAL


def test_apply_changes_the_callers_object() -> None:
    built = appeal_in(Status.REGISTERED)
    a = built.appeal
    built.do(Action.DISPATCH, Role.DISPATCHER)
    assert a is built.appeal and a.status is Status.DISPATCHED


def test_unknown_action_is_invalid() -> None:
    built = appeal_in(Status.REGISTERED)
    refused(built, "teleport", Role.ADMIN, InvalidArguments)  # type: ignore[arg-type]


# -- 协办意见 (co-unit opinion) ---------------------------------------------------------------


def test_a_co_unit_sends_its_opinion_to_the_lead_unit_and_nothing_else_changes() -> None:
    """A co-unit (协办) could only read the appeal; now its handler writes to the lead unit."""
    built = appeal_in(Status.IN_PROGRESS)
    before = asdict(built.appeal)
    (event,) = built.do(Action.CO_OPINION, co_handler(), text="  管线归我局维护，明日检修  ")
    assert (event.type, event.data["text"], event.data["co_unit_id"]) == (
        "co_opinion", "管线归我局维护，明日检修", CO)
    assert asdict(built.appeal) == before | {"next_check_at": built.appeal.next_check_at}
    # a handler above the co-unit speaks for it
    above = actor(Role.HANDLER, unit_id=900, unit_scope=frozenset({900, CO}))
    (event,) = built.do(Action.CO_OPINION, above, text="同意")
    assert event.data["co_unit_id"] == CO


@pytest.mark.parametrize(
    ("who", "message"),
    [(actor(Role.HANDLER), "请直接办理"),  # the lead unit acts on the appeal itself
     (actor(Role.HANDLER, unit_id=CHILD, unit_scope=frozenset({CHILD})), "请直接办理"),
     (actor(Role.HANDLER, unit_id=OTHER, unit_scope=frozenset({OTHER})), "只有该诉求的协办单位"),
     (actor(Role.DISPATCHER), "无权执行“协办意见”")],
    ids=["lead", "handling-below", "outsider", "dispatcher"])
def test_only_a_co_unit_may_send_a_co_unit_opinion(who: Any, message: str) -> None:
    built = appeal_in(Status.IN_PROGRESS)
    built.do(Action.SUB_DISPATCH, Role.HANDLER)  # now handled by CHILD
    before = asdict(built.appeal)
    with pytest.raises(PermissionDenied, match=message):
        apply(built.appeal, Action.CO_OPINION, who, built.now + STEP, rules=built.rules,
              text="意见")
    assert asdict(built.appeal) == before


@pytest.mark.parametrize("text", ["", "   ", None, "字" * 2001])
def test_a_co_unit_opinion_needs_text_of_bounded_length(text: str | None) -> None:
    built = appeal_in(Status.DISPATCHED)
    with pytest.raises(InvalidArguments) as info:
        apply(built.appeal, Action.CO_OPINION, co_handler(), built.now + STEP,
              rules=built.rules, text=text)
    assert info.value.details["field"] == "text"
    built.do(Action.CO_OPINION, co_handler(), text="字" * 2000)


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REGISTERED])
def test_no_co_unit_opinion_once_closed_or_before_dispatch(status: Status) -> None:
    built = appeal_in(status)
    with pytest.raises(IllegalTransition):
        apply(built.appeal, Action.CO_OPINION, co_handler(), built.now + STEP,
              rules=built.rules, text="意见")
