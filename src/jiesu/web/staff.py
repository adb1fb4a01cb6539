"""Shared staff helpers: load a visible appeal, the actions a user may take now, the fields
of each action's form and how a submitted form becomes the action's arguments."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from html import escape
from typing import Any

from markupsafe import Markup

from jiesu.api.v1.appeals import scope_for
from jiesu.domain import appeal as dom
from jiesu.domain import notices
from jiesu.domain.errors import InvalidArguments, NotFound
from jiesu.services import hotspots
from jiesu.services.auth import CurrentUser
from jiesu.store import queries, web_queries
from jiesu.store.tables import AppealRow
from jiesu.store.web_queries import ReadSession as Session

STAFF_ROLES = frozenset(r for r in dom.Role if r not in (
    dom.Role.PUBLIC, dom.Role.REQUESTER, dom.Role.SYSTEM, dom.Role.AUDITOR))


@dataclass
class Field:
    name: str
    label: str
    type: str = "text"  # text, textarea, select, number, units, subunits, multiunits, category
    choices: str | None = None  # an i18n label group, e.g. "reject_reason"
    required: bool = False
    default: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    only: tuple[str, ...] = ()  # with `choices`: offer just these values of the group
    hint: str = ""  # said under the field


ACTION_FIELDS: dict[str, list[Field]] = {
    "answer_directly": [Field("text", "答复内容", "textarea", required=True)],
    "resolve_on_site": [Field("text", "处置情况", "textarea", required=True)],
    "reject": [Field("reason", "理由", "select", "reject_reason", required=True),
               Field("note", "备注")],
    "merge": [Field("target_code", "目标编号", required=True)],
    # the dispatcher confirms or corrects intake's category and urgency: the final category
    # is what the next training learns from (services/training.py)
    "dispatch": [Field("unit_id", "主办单位", "units", required=True),
                 Field("co_unit_ids", "协办单位", "multiunits"),
                 Field("category", "事项分类", "category"),
                 Field("urgency", "紧急程度", "select", "urgency")],
    "sign": [],
    "sub_dispatch": [Field("unit_id", "下级单位", "subunits", required=True),
                     Field("note", "备注")],
    "request_return": [Field("reason", "退单理由", "textarea", required=True)],
    "approve_return": [Field("note", "备注")],
    # the unit is told why (its appeal page, its inbox and a text to its duty phone)
    "deny_return": [Field("reason", "驳回理由", "textarea", required=True)],
    "contact": [Field("method", "联系方式", "select", options=[
        ("phone", "电话"), ("visit", "上门"), ("sms", "短信")]),
        Field("note", "备注", "textarea")],
    "request_extension": [Field("days", "延期工作日数", "number", required=True, default="3"),
                          Field("reason", "延期理由", "textarea", required=True)],
    # fewer days than asked need a reason, which the unit is told (like a denial's)
    "approve_extension": [Field("days", "批准工作日数", "number"),
                          Field("reason", "部分批准理由", "textarea",
                                hint="批准天数少于申请天数时必填，将告知承办单位。")],
    "deny_extension": [Field("reason", "驳回理由", "textarea", required=True)],
    "reply": [Field("claim", "办理结果", "select", "claim", required=True),
              Field("text", "答复内容", "textarea", required=True),
              Field("reason", "无法解决的原因")],
    "send_back": [Field("note", "退回意见", "textarea", required=True)],
    "follow_up": [Field("reached", "是否联系上", "select", required=True, options=[
        ("yes", "已联系上"), ("no", "未联系上")]),
        Field("resolved", "解决情况", "select", "resolved"),
        Field("satisfaction", "满意度", "select", "satisfaction"),
        # unhappy with no fault chosen is the unit's (domain): it goes back to the unit
        Field("fault", "责任方", "select", "fault",
              hint="未解决或不满意时：不选即为承办单位，诉求将转承办单位重办"),
        Field("note", "备注")],
    "reopen": [Field("reason", "重办理由", "textarea", required=True)],
    # the levels by the vocabulary's labels ("Red card"), not by the catalogue, where 红牌督办
    # is also the monthly report's column "Red cards"
    "supervise": [Field("level", "督办级别", "select", "supervision", required=True,
                        only=("remind", "yellow", "red")),
                  Field("note", "督办意见")],
    "add_info": [Field("text", "补充内容", "textarea", required=True)],
    "co_opinion": [Field("text", "协办意见", "textarea", required=True,
                         hint="发给主办单位，显示在其待办列表和诉求页面上。")],
}


# The usual next step first (its form opens by default), rare ones last.
PREFERRED_ORDER = ("sign", "dispatch", "follow_up", "contact", "reply", "approve_return",
                   "deny_return", "approve_extension", "deny_extension", "send_back",
                   "supervise", "co_opinion", "resolve_on_site", "answer_directly", "merge",
                   "reject", "sub_dispatch", "request_extension", "request_return", "reopen",
                   "add_info")


# After these the appeal stays with the same person: stay on its page (others go back to the list).
STAY_ON_PAGE = frozenset({"contact", "sub_dispatch", "request_extension", "request_return",
                          "approve_extension", "deny_extension", "deny_return", "add_info",
                          "supervise", "co_opinion"})



def done_message(action: str, code: str) -> str:
    """The flash after an action from a list or the appeal page: what was done to which appeal
    ("已派单：2026112600123"), so a list of many says which row the message is about."""
    try:
        label = _DONE_ZH.get(action) or dom.ACTION_ZH[dom.Action(action)]
    except ValueError:
        label = "办理"
    return f"已{label}：{code}"


# where "已" + the action's name does not read as what was done
_DONE_ZH = {"co_opinion": "发送协办意见"}

def follow_up_message(code: str, data: dict[str, Any], closed: bool, max_attempts: int) -> str:
    """The flash after a 回访 says what it came to: an attempt that reached no one is no
    follow-up done (第 n 次, and that the last one closes the appeal), a reached one closed
    it or sent it back to the unit (重办)."""
    if data.get("no_phone") is True:
        return f"无联系电话，已按无法回访办结：{code}"
    if data.get("reached") is False:
        n = data.get("attempt") or 1
        if closed:
            return f"第 {n} 次未联系上，已按未联系上办结：{code}"
        return f"未联系上（第 {n} 次，满 {max_attempts} 次按未联系上办结）：{code}"
    if data.get("reopened") is True:
        return f"已回访，转承办单位重办：{code}"
    return f"已回访并办结：{code}"


def visible_row(session: Session, user: CurrentUser, appeal_id: int) -> AppealRow:
    row = web_queries.appeal(session, appeal_id)
    if row is None or not queries.visible(session, row, scope_for(session, user)):
        raise NotFound(f"诉求 {appeal_id} 不存在或您无权查看")
    return row


def available_actions(row: AppealRow, user: CurrentUser, now: datetime | None = None,
                      co_unit_ids: list[int] | tuple[int, ...] = (),
                      max_extensions: int | None = None,
                      follows_open: bool = False) -> list[str]:
    """Actions the transition table allows this user in the appeal's current status.

    Pending-request actions appear only while a request is pending; given `now`, asking to
    return or extend is not offered once its window has passed (the domain would refuse it).
    `co_unit_ids`: the appeal's co-units (协办), whose handlers may send their 协办意见.
    Given `max_extensions`, approving an extension past it is offered to an admin only.
    `follows_open`: a merged appeal whose merge chain ends at an open appeal, which a 补充
    to it is passed on to.
    """
    out = []
    # a co-unit (协办) sees the appeal and acts on nothing but its 协办意见: the domain
    # would refuse the rest
    helper = user.role in dom.UNIT_SCOPED_ROLES and not dom.owned_by(
        row.lead_unit_id, row.handling_unit_id, user.actor())
    for action, t in dom.TRANSITIONS.items():
        if action is dom.Action.REGISTER or user.role not in t.roles:
            continue
        if action is dom.Action.CO_OPINION:
            if not helper or dom.co_unit_of(tuple(co_unit_ids), user.actor()) is None:
                continue
        elif helper and action is not dom.Action.RESOLVE_ON_SITE:
            continue
        if dom.Status(row.status) not in t.sources and not (
                action is dom.Action.ADD_INFO and row.status == "merged" and follows_open):
            continue
        if action in (dom.Action.APPROVE_RETURN, dom.Action.DENY_RETURN) and not row.return_pending:
            continue
        if action in (dom.Action.APPROVE_EXTENSION, dom.Action.DENY_EXTENSION) and \
                row.extension_pending_days is None:
            continue
        if action is dom.Action.APPROVE_EXTENSION and user.role is not dom.Role.ADMIN and \
                max_extensions is not None and row.extension_count >= max_extensions:
            continue  # past the allowed extensions only an administrator may approve
        if action is dom.Action.ANSWER_DIRECTLY and row.kind != "consult":
            continue
        if action is dom.Action.REOPEN and row.personal_data_erased_at is not None:
            continue  # the requester's data is gone (个人信息保存期限): the service refuses
        if action is dom.Action.RESOLVE_ON_SITE and (
                row.channel != "grid_patrol" or row.registered_by != user.id):
            continue
        if action is dom.Action.REQUEST_RETURN and (row.return_pending or _past(
                row.return_due_at, now) or not dom.may_return(row.lead_unit_id, user.actor())):
            continue
        if action is dom.Action.REPLY and row.return_pending:
            continue  # the domain refuses it until the dispatcher decides the return
        if action is dom.Action.REQUEST_EXTENSION and (
                row.extension_pending_days is not None or _past(row.handle_due_at, now)):
            continue
        out.append(action.value)
    order = list(PREFERRED_ORDER)
    if row.first_contact_at is not None:  # contacted: replying is the next step
        order.remove("reply")
        order.insert(order.index("contact"), "reply")
    return sorted(out, key=lambda a: order.index(a) if a in order else len(order))


def helping(row: AppealRow, co_unit_ids: list[int], user: CurrentUser) -> bool:
    """Whether a handler sees the appeal as a co-unit (协办) only: it helps the lead unit, which
    signs, replies and asks for a return or an extension."""
    actor = user.actor()
    return (user.role in dom.UNIT_SCOPED_ROLES
            and not dom.owned_by(row.lead_unit_id, row.handling_unit_id, actor)
            and bool(set(co_unit_ids) & actor.unit_scope))


def typed_values(action: str, form: dict[str, Any]) -> dict[str, Any]:
    """What was typed into an action's form, to show it again after the action was refused."""
    from jiesu.web.core import text, values

    return {f.name: values(form, f.name) if f.type == "multiunits" else text(form, f.name)
            for f in ACTION_FIELDS.get(action, [])}


def _past(due: datetime | None, now: datetime | None) -> bool:
    return due is not None and now is not None and now > due


def is_number(text: str) -> bool:
    """Whether int() reads `text` as the digits a form sends: str.isdigit() also accepts
    "²" and other characters int() refuses, and Arabic-Indic digits that no form sends."""
    return text.isascii() and text.isdigit()


def action_args(action: str, form: dict[str, Any]) -> dict[str, Any]:
    """Turn a submitted action form into the domain's arguments (types, blanks dropped)."""
    from jiesu.web.core import text, values

    args: dict[str, Any] = {}
    for f in ACTION_FIELDS.get(action, []):
        if f.type == "multiunits":
            try:
                args[f.name] = [int(v) for v in values(form, f.name)]
            except ValueError:
                raise InvalidArguments("协办单位无效", field=f.name) from None
            continue
        raw = text(form, f.name)
        if raw == "":
            continue
        if f.type in ("units", "subunits"):
            if is_number(raw):
                args[f.name] = int(raw)
            else:
                args["unit_code"] = raw
        elif f.type == "number":
            try:
                args[f.name] = int(raw)
            except ValueError:
                raise InvalidArguments(f"{f.label}必须是整数", field=f.name) from None
        elif f.name == "reached":
            args[f.name] = raw == "yes"
        else:
            args[f.name] = raw
    if action == "follow_up" and args.get("reached") is False:
        args = {"reached": False, "note": args.get("note")}
    return args


def next_call_at(row: AppealRow, retry_minutes: int, now: datetime) -> datetime | None:
    """When the follow-up agent may record the next 未联系上 (the attempts are tries at
    different times); None when they may now."""
    if row.status != "replied":
        return None
    at = dom.followup_retry_at(row.followup_last_attempt_at, retry_minutes)
    return at if at is not None and at > now else None


def due_state(row: AppealRow, now: datetime) -> str:
    """'red' (overdue), 'yellow' (warned) or '' for list marks."""
    late = row.handle_due_at is not None and now > row.handle_due_at
    if row.status in ("dispatched", "in_progress") and late:
        return "red"
    warnings = {row.sign_warning, row.handle_warning, row.followup_warning}
    if "red" in warnings:
        return "red"
    if "yellow" in warnings:
        return "yellow"
    return ""


UnitFor = Callable[[str, int | None], dict[str, Any] | None]


def suggestion_summary(row: AppealRow, preselect_at: float | None = None, *,
                       category_names: dict[str, str] | None = None,
                       unit_for: UnitFor | None = None) -> dict[str, Any]:
    """The registration-time suggestions in the shape the list pages show; `unit_pick`: the
    suggested unit a dispatch form preselects, only at `preselect_at` confidence or above.

    An appeal whose category is set (by the operator, or by a dispatcher before a return)
    shows that category, not the classifier's guess; and when the unit was suggested for
    another category than the appeal's now, `unit_for` (intake's `unit_suggestion`) suggests
    it again for the appeal's own."""
    s = row.suggestions or {}
    cats = s.get("categories") or []
    unit = s.get("unit") or {}
    category = cats[0] if cats else None
    if row.category:
        category = {"code": row.category, "probability": None, "chosen": True,
                    "name": (category_names or {}).get(row.category, row.category)}
        # suggestions stored before the basis was kept are left as they were
        if unit_for is not None and s.get("unit_category", row.category) != row.category:
            unit = unit_for(row.category, row.area_unit_id) or {}
    confidence = float(unit.get("confidence") or 0.0)
    sure = preselect_at is not None and confidence >= preselect_at
    return {
        "category": category,
        "unit_id": unit.get("unit_id"),
        "unit_name": unit.get("name"),
        "unit_confidence": confidence,
        "unit_pick": unit.get("unit_id") if sure else None,
        "duplicates": s.get("duplicates") or [],
        "urgency": (s.get("urgency") or {}).get("level"),
    }


def standing_decisions(row: AppealRow, events: list[Any], *,
                       helping: bool = False) -> list[notices.Decision]:
    """What a dispatcher refused or sent back, with the reason, while the unit still works on
    the appeal and has not answered it (a new request of that kind, a reply). `helping`: as a
    co-unit (协办) reads them: only a reopening is its work too, with what it is to do."""
    found = notices.standing_decisions(events) if row.status in notices.IN_HANDS else []
    if not helping:
        return found
    co_todo = {t: d.co_todo for t, d in notices.UNIT_DECISIONS.items() if d.co_todo}
    return [replace(d, todo=co_todo[d.type]) for d in found if d.type in co_todo]


def list_items(session: Session, rows: list[AppealRow], now: datetime, *,
               decisions: bool = False, user: CurrentUser | None = None,
               preselect_at: float | None = None,
               unit_for: UnitFor | None = None) -> list[dict[str, Any]]:
    """Rows of a work list with unit names, category, due mark and suggestions (the unit to
    preselect at `preselect_at`, see `suggestion_summary`); with `decisions`, also each row's
    standing decisions of a dispatcher (the handler's inbox); with `user`, whether they see
    each row as a co-unit (协办) only."""
    co = queries.co_units_of_many(session, [r.id for r in rows]) if user is not None else {}
    # co-units too: a 协办意见 on a row names the co-unit that wrote it
    names = queries.unit_names(session, {r.lead_unit_id for r in rows} |
                               {r.handling_unit_id for r in rows} |
                               {u for units in co.values() for u in units})
    cats = web_queries.category_names(session) if rows else {}
    threads = web_queries.events_of_types(
        session, [r.id for r in rows if r.status in notices.IN_HANDS], notices.DECISION_THREAD) \
        if decisions else {}
    return [{"row": r, "unit": names.get(r.lead_unit_id or 0),
             "handling": names.get(r.handling_unit_id or 0),
             "category": cats.get(r.category or ""), "mark": due_state(r, now),
             "suggest": suggestion_summary(r, preselect_at, category_names=cats,
                                           unit_for=unit_for), "names": names,
             **_helping_decisions(r, threads.get(r.id, []), co.get(r.id, []), user)}
            for r in rows]


def _helping_decisions(row: AppealRow, thread: list[Any], co_unit_ids: list[int],
                       user: CurrentUser | None) -> dict[str, Any]:
    helps = user is not None and helping(row, co_unit_ids, user)
    # (a 精准帮扶 liaison's list holds appeals of other units too: those it only reads)
    owned = user is not None and dom.owned_by(row.lead_unit_id, row.handling_unit_id,
                                              user.actor())
    return {"helping": helps, "owned": owned,
            "decisions": standing_decisions(row, thread, helping=helps)}


# The units a dispatch form offers as lead or co-unit (the queue's row, the appeal page,
# a hotspot's governance task): the city, districts and departments, streets, communities.
LEAD_UNIT_DEPTH = 3


# A city of 16 districts × 20 streets × 20 communities has 6,700 such units; the list once
# stopped at 2,000 (web_queries.units' default), so the last districts' streets and communities
# could not be chosen. Rendered once per tree version (the fragment at `UNIT_OPTIONS_URL`,
# web/routes/unit_list.py), the whole tree fits.
LEAD_UNIT_LIMIT = 50_000


def lead_units(session: Session) -> list[Any]:
    """The units the dispatch forms offer, in tree order (one list for every such form)."""
    return web_queries.unit_tree(session, max_depth=LEAD_UNIT_DEPTH, limit=LEAD_UNIT_LIMIT)


def unit_options(units: list[Any]) -> str:
    """The unit <option>s, escaped and rendered once per page (each form marks its picks with
    `pick_units`). Indented by depth; a district's subtree is an <optgroup> named after it, so a
    phone's picker shows whose 社区 a community is and the list is scanned by district."""
    parents = {u.parent_id for u in units}
    out: list[str] = []
    grouped = False
    for u in units:
        if u.depth <= 1 and grouped:
            out.append("</optgroup>")
            grouped = False
        if u.depth == 1 and u.id in parents:
            out.append(f'<optgroup label="{escape(u.name)}">')
            grouped = True
        indent = "　" * (u.depth - 1) if u.depth > 1 else ""
        out.append(f'<option value="{u.id}">{indent}{escape(u.name)}</option>')
    if grouped:
        out.append("</optgroup>")
    return "".join(out)


def pick_units(options: str, picked: Any) -> Markup:
    """`unit_options` with these unit ids (one, several, or none) selected."""
    ids = picked if isinstance(picked, list | tuple | set | frozenset) else [picked]
    for unit_id in ids:
        if unit_id not in (None, ""):
            options = options.replace(f'value="{unit_id}">', f'value="{unit_id}" selected>', 1)
    return Markup(options)  # noqa: S704 - built by unit_options from escaped names


class UnitList:
    """The units a dispatch form offers before its first touch (the queue's rows, the hotspots'
    task forms, the appeal page in a big city): `near(...)`, the units near its suggestion and
    area. The whole list is not on the page: jiesu.js fetches it once, from
    `UNIT_OPTIONS_URL`, and copies it into a form's select when that is first touched, so the
    page grows with neither forms × units nor units, and works without script."""

    def __init__(self, units: list[Any]) -> None:
        self.units = units
        self._at = {u.id: i for i, u in enumerate(units)}
        self._top = [i for i, u in enumerate(units) if u.depth <= 1]
        self._children: dict[int, list[int]] = {}
        for i, u in enumerate(units):
            if u.parent_id is not None:
                self._children.setdefault(u.parent_id, []).append(i)

    def near(self, *around: int | None) -> str:
        """The <option>s a form offers before (or without) the script: the top levels (the
        city, districts, departments) and, for each unit `around` (the suggested lead unit,
        the appeal's area), its chain up to the city and its own children (a street's
        communities), in tree order."""
        keep = set(self._top)  # positions in the tree-ordered list
        for unit_id in around:
            at = self._at.get(unit_id) if unit_id is not None else None
            if at is None:
                continue
            chain = (self._at.get(int(i)) for i in self.units[at].path.split("/") if i)
            keep.update(i for i in chain if i is not None)
            keep.update(self._children.get(self.units[at].id, ()))
        return unit_options([self.units[i] for i in sorted(keep)])


def near_units(session: Session, *around: int | None) -> UnitList:
    """A `UnitList` of just the units its `near(...)` needs for these units (the top levels,
    their chains and children): a few indexed reads instead of the whole tree per page."""
    ids = {u for u in around if u is not None}
    return UnitList(web_queries.units_near(session, ids, max_depth=LEAD_UNIT_DEPTH))


# Where jiesu.js fetches the whole list of lead units (web/routes/unit_list.py).
UNIT_OPTIONS_URL = "/staff/units/options.html"

# Who may read it: whoever picks a lead unit from the whole tree, the dispatcher (the queue,
# the appeal page) and the roles that turn a hotspot into a governance task.
UNIT_PICKERS = frozenset((dom.TRANSITIONS[dom.Action.DISPATCH].roles | hotspots.TASK_ROLES)
                         - {dom.Role.SYSTEM})

# Up to this many units the appeal page's dispatch form holds the whole list itself (about
# 60 bytes a unit): it works without script and needs no second request. A bigger tree is
# fetched (`UNIT_OPTIONS_URL`); without script, `?units=all` puts it on the page.
INLINE_UNIT_LIMIT = 300

# Raised when what `unit_options` writes changes, so that browsers fetch the list again.
UNIT_OPTIONS_FORMAT = 1


def unit_options_etag(version: tuple[str, int, int]) -> str:
    """The whole list's ETag for the tree at `version` (`web_queries.unit_tree_version`)."""
    digest = hashlib.sha256(repr((UNIT_OPTIONS_FORMAT, LEAD_UNIT_DEPTH, version)).encode())
    return f'"units-{digest.hexdigest()[:24]}"'
