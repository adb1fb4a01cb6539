"""REST endpoints for appeals: register, list, read, and one POST per lifecycle action."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response

from jiesu.api.deps import CurrentUserDep, RuntimeDep
from jiesu.api.v1.schemas import AppealIn, AppealOut, AppealPage, EventOut, UnitRef
from jiesu.domain.appeal import Action, Appeal, Role
from jiesu.domain.errors import InvalidArguments, NotFound, PermissionDenied
from jiesu.services.appeals import NewAppeal
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.store import queries
from jiesu.store.tables import AppealRow, UnitRow

router = APIRouter(prefix="/api/v1/appeals", tags=["appeals"])

ACTIONS = [a.value for a in Action if a is not Action.REGISTER]
# what a dispatcher's decision on a unit's work must say; the unit reads it (its pages and a
# text to its duty phone)
DECISION_ARGS = (
    "\n\nA dispatcher's decision on a unit's work says why: `deny_return` and `deny_extension`"
    " require `reason` (驳回理由; a `note` sent instead, as before, is taken as the reason),"
    " `approve_extension` with fewer `days` than asked requires `reason` (部分批准理由; the"
    " days asked in full need none), `send_back` requires `note` (退回意见), `reject` requires"
    " `reason` from the fixed list. Without it: 422 `invalid_arguments` and nothing changes."
    " The handling unit is texted the decision and its reason at its duty phone (for fewer"
    " days, also the days asked and granted and the new deadline). `reopen` requires `reason`"
    " (重办理由); the unit that handles the appeal again and its co-units are texted it with the"
    " new deadline, and the requester that the appeal is handled again. Co-units are also"
    " texted when the lead unit's `request_return` or `request_extension` is approved or"
    " denied (an approved return's event lists them in `co_unit_ids`: they leave the appeal"
    " with the lead unit). `add_info` to a merged appeal (已合并) is passed on to the open"
    " appeal it follows (the end of its merge chain) as that appeal's 补充, its event's"
    " `merged_from` naming the merged appeal; the answer is that appeal. When it has ended"
    " too: 409 `illegal_transition`."
    "\n\n`co_opinion` (协办意见) is a co-unit's word to the lead unit: `text` required (at most"
    " 2000 characters). Only a handler of a co-unit may send it, while the appeal is dispatched,"
    " in progress or replied (403 for any other unit, 409 in another status); the lead unit"
    " reads it on its inbox and the appeal page, and it is not published."
    "\n\n`merge` (合并) takes `target_id` or `target_code`, an open appeal (409 when it is not,"
    " also when another request ended it while the merge was written). The merged appeal's"
    " requester follows it: its `reply` or `reject` is texted to them under their own code"
    " (and along a chain of merges), at once when it was already replied to; the follow-up call"
    " stays the merged-into appeal's requester's.")


def scope_for(session: Any, user: CurrentUser) -> queries.Scope:
    """Handlers and grid workers see their unit's subtree (grid workers also what they reported
    themselves, and both the 涉企诉求 of the enterprises they are the 精准帮扶 liaison of); other
    staff roles see everything."""
    if user.role in (Role.HANDLER, Role.GRID_WORKER):
        reporter = user.id if user.role is Role.GRID_WORKER else None
        if user.unit_id is None:
            return queries.Scope(unit_path="/-/", reporter_id=reporter, liaison_id=user.id)
        path = session.get(UnitRow, user.unit_id).path
        return queries.Scope(unit_path=path, reporter_id=reporter, liaison_id=user.id)
    return queries.Scope()


def appeal_out(session: Any, row: AppealRow | Appeal, now: datetime, *,
               with_events: bool = False, co_units: list[int] | None = None,
               names: dict[int, str] | None = None) -> AppealOut:
    """The API view of a stored row, or of a domain appeal just written (`session` may then be
    None when it references no unit). A list passes its rows' co-units and unit names, read
    once for the whole page (`appeal_outs`)."""
    if co_units is not None:
        co = co_units
    elif isinstance(row, Appeal):
        co = list(row.co_unit_ids)
    else:
        co = queries.co_units_of(session, row.id)
    if names is None:
        unit_ids = {row.lead_unit_id, row.handling_unit_id, *co} - {None}
        names = queries.unit_names(session, unit_ids) if unit_ids else {}

    def ref(uid: int | None) -> UnitRef | None:
        return UnitRef(id=uid, name=names.get(uid, "")) if uid is not None else None

    events = None
    if with_events:
        assert row.id is not None  # only stored appeals have events
        events = [EventOut(seq=e.seq, type=e.type, at=e.at, actor_id=e.actor_id,
                           actor_role=e.actor_role, data=e.data)
                  for e in queries.events_of(session, row.id)]
    overdue = (row.status in ("dispatched", "in_progress") and row.handle_due_at is not None
               and now > row.handle_due_at)
    return AppealOut(
        id=row.id, code=row.code, status=row.status, kind=row.kind, urgency=row.urgency,
        channel=row.channel, title=row.title, content=row.content, category=row.category,
        requester_name=row.requester_name, requester_phone=row.requester_phone,
        requester_type=row.requester_type, enterprise_code=row.enterprise_code,
        address=row.address, confidential=row.confidential,
        created_at=row.created_at, lead_unit=ref(row.lead_unit_id),
        handling_unit=ref(row.handling_unit_id), co_units=[r for r in map(ref, co) if r],
        dispatched_at=row.dispatched_at, signed_at=row.signed_at,
        first_contact_at=row.first_contact_at, replied_at=row.replied_at,
        closed_at=row.closed_at,
        deadlines={"sign": row.sign_due_at, "handle": row.handle_due_at,
                   "return": row.return_due_at, "follow_up": row.followup_due_at},
        deadlines_provisional=row.deadlines_provisional, overdue=overdue,
        warnings={"sign": row.sign_warning, "handle": row.handle_warning,
                  "follow_up": row.followup_warning},
        supervision_level=row.supervision_level, return_pending=row.return_pending,
        returned_count=row.returned_count, extension_pending_days=row.extension_pending_days,
        extension_count=row.extension_count, reopened_count=row.reopened_count,
        reply=({"text": row.reply_text, "claim": row.reply_claim, "reason": row.reply_reason}
               if row.reply_text else None),
        follow_up=({"attempts": row.followup_attempts, "reached": row.followup_reached,
                    "resolved": row.followup_resolved,
                    "satisfaction": row.followup_satisfaction, "fault": row.followup_fault}
                   if row.followup_attempts else None),
        merged_into_id=row.merged_into_id, reject_reason=row.reject_reason,
        suggestions=getattr(row, "suggestions", None), version=row.version, events=events,
        personal_data_erased_at=getattr(row, "personal_data_erased_at", None),
    )


def appeal_outs(session: Any, rows: list[AppealRow], now: datetime) -> list[AppealOut]:
    """The API view of a page of rows: co-units and unit names in two queries, not two a row."""
    co = queries.co_units_of_many(session, [r.id for r in rows])
    unit_ids = {u for r in rows for u in (r.lead_unit_id, r.handling_unit_id, *co.get(r.id, []))}
    names = queries.unit_names(session, unit_ids)
    return [appeal_out(session, r, now, co_units=co.get(r.id, []), names=names) for r in rows]


def _read(runtime: Any, user: CurrentUser, appeal_id: int, *, with_events: bool) -> AppealOut:
    with runtime.db.uow(write=False) as uow:
        row = uow.session.get(AppealRow, appeal_id)
        if row is None or not queries.visible(uow.session, row, scope_for(uow.session, user)):
            raise NotFound(f"诉求 {appeal_id} 不存在或您无权查看")
        return appeal_out(uow.session, row, utcnow(), with_events=with_events)


@router.post("", status_code=201, response_model=AppealOut,
             summary="登记诉求 Register an appeal")
def register_appeal(
    body: AppealIn,
    runtime: RuntimeDep,
    user: CurrentUserDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> AppealOut:
    data = body.model_dump(exclude={"idempotency_key", "resolved_on_site"})
    key = idempotency_key or body.idempotency_key
    result = runtime.appeals.register(user.actor(), NewAppeal(**data), utcnow(),
                                      idempotency_key=key,
                                      resolved_on_site=body.resolved_on_site)
    if not result.created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    elif result.appeal is not None and result.appeal.lead_unit_id is None:
        # Answer from what was just written: no second transaction on the hot intake path.
        out = appeal_out(None, result.appeal, utcnow())
        out.suggestions = result.suggestions
        return out
    return _read(runtime, user, result.appeal_id, with_events=False)


def appeal_filters(
    status: Annotated[list[str] | None, Query(description="repeat or comma-separate")] = None,
    unit: Annotated[int | None, Query(description="unit id; includes its subtree")] = None,
    category: str | None = None,
    kind: str | None = None,
    channel: str | None = None,
    urgency: str | None = None,
    overdue: bool | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    text: Annotated[str | None, Query(max_length=100)] = None,
    open_only: bool = False,
) -> queries.AppealFilters:
    """The list filters shared by the appeal list and the ledger export."""
    statuses = [s for v in status or [] for s in v.split(",") if s] or None
    for d in (created_from, created_to):
        if d is not None and d.tzinfo is None:
            raise InvalidArguments("时间须带时区，例如 2026-11-01T00:00:00+08:00")
    return queries.AppealFilters(
        status=statuses, unit_id=unit, category=category, kind=kind, channel=channel,
        urgency=urgency, overdue=overdue, created_from=created_from, created_to=created_to,
        text=text, open_only=open_only,
    )


FiltersDep = Annotated[queries.AppealFilters, Depends(appeal_filters)]


@router.get("", response_model=AppealPage, summary="诉求列表 List appeals")
def list_appeals(
    runtime: RuntimeDep,
    user: CurrentUserDep,
    filters: FiltersDep,
    order: Annotated[str, Query(pattern="^(created_desc|created_asc|due)$")] = "created_desc",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
) -> AppealPage:
    if user.role in (Role.AUDITOR,):
        raise PermissionDenied("审计角色只能查看审计日志")
    now = utcnow()
    with runtime.db.uow(write=False) as uow:
        rows, total, capped = queries.list_appeals(
            uow.session, filters, scope_for(uow.session, user), now,
            page=page, per_page=per_page, order=order)
        items = appeal_outs(uow.session, rows, now)
    return AppealPage(items=items, page=page, per_page=per_page, total=total,
                      total_is_lower_bound=capped)


@router.get("/{appeal_id}", response_model=AppealOut, summary="诉求详情及流转记录")
def get_appeal(appeal_id: Annotated[int, Path(ge=1)], runtime: RuntimeDep,
               user: CurrentUserDep) -> AppealOut:
    return _read(runtime, user, appeal_id, with_events=True)


@router.post("/{appeal_id}/{action}", response_model=AppealOut,
             summary="执行办理操作 Perform a lifecycle action",
             description="action: " + ", ".join(ACTIONS) + DECISION_ARGS)
def act(
    appeal_id: Annotated[int, Path(ge=1)],
    action: str,
    runtime: RuntimeDep,
    user: CurrentUserDep,
    body: Annotated[dict[str, Any] | None, Body()] = None,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> AppealOut:
    if action not in ACTIONS:
        raise NotFound(f"未知操作“{action}”，可用操作：{', '.join(ACTIONS)}")
    args = dict(body or {})
    expected = args.pop("version", None)
    if if_match is not None:
        expected = if_match.strip('"')
    try:
        expected_version = int(expected) if expected is not None else None
    except ValueError:
        raise InvalidArguments("version / If-Match 须为整数版本号") from None
    # The appeal must be visible to the caller before anything else is said about it.
    _read(runtime, user, appeal_id, with_events=False)
    acted, _ = runtime.appeals.act(user.actor(), appeal_id, action, utcnow(), args,
                                   expected_version=expected_version)
    # `add_info` to a merged appeal is the 补充 of the appeal it follows: that one answers
    return _read(runtime, user, acted.id or appeal_id, with_events=True)

