"""Text messages that steps of an appeal cause. To the requester (诉求人) at the steps that
change what they can expect: 受理 (with the code to track it by), 直接答复 (answered on the
call, in place of 受理), 不予受理 (why), 合并 (which code
to follow now), 答复 (a call-back is coming) and 重办 (it is handled again). To the responsible
unit's duty phone when a 签收 or 办理 deadline nears (黄牌预警) or passes (红牌, with the
automatic 督办), when a bad rating's rectification (整改) deadline does, DESIGN §4, when a
dispatcher refuses the unit's request or its reply (驳回退单, 驳回延期, 退回重办) or grants fewer
days than it asked (延期部分批准), with the reason, when the appeal is reopened (重办), and when a
supervisor issues a 催办, 黄牌 or 红牌 督办, with the level and the supervisor's note; to its
co-units (协办) when the lead unit's return or extension is decided or the appeal reopened.
To an enterprise's 精准帮扶 liaison when one of its 涉企诉求 is registered and when its handling
deadline passes. Imported history whose deadline had passed before the import texts no liaison
and its unit only once, a digest per duty phone. Pure: the services put them in the
notification outbox in the same transaction as the step, so a message goes out exactly when
the step is saved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from jiesu.domain.appeal import (
    RESOLVED_ZH,
    SATISFACTION_ZH,
    SUPERVISION_ZH,
    URGENCY_ZH,
    RejectReason,
    SupervisionLevel,
    Urgency,
)
from jiesu.domain.text import shorten


def _called(title: str, untitled: str = "无标题") -> str:
    """An appeal's title as an SMS names it: its first 20 characters, "…" when cut."""
    return shorten(title, 20) or untitled


NOTICE_KIND = "requester_notice"
WARNING_KIND = "deadline_warning"
RECTIFICATION_WARNING_KIND = "rectification_warning"
DECISION_KIND = "unit_decision"
DISPATCH_KIND = "unit_dispatch"
HOTSPOT_KIND = "hotspot_alert"
SURVEY_KIND = "survey"
LIAISON_KIND = "liaison_notice"
# the clocks a unit answers for, and which unit: sign → the lead unit, handle → the unit
# handling it (the lead unit unless handed down by 二次派单)
UNIT_CLOCKS = {"sign": "签收", "handle": "办理"}
# channels whose requesters are not texted: tasks a leader handed down. Imported history's
# requesters are not texted either, known by the import marker, not by a channel (an import's
# mapping may set any: appeal.is_imported)
QUIET_CHANNELS = frozenset({"supervisor"})
# the steps of an appeal texted to the requesters of the appeals merged into it too (under their
# own codes): the merge text promises them 办理结果将一并答复, and it may end either way
TOLD_TO_MERGED = frozenset({"reply", "reject"})
# why an appeal is not taken, as the requester should read it
REJECTED_BECAUSE = {
    RejectReason.LITIGATION: "该事项应通过诉讼途径解决",
    RejectReason.ARBITRATION: "该事项应通过仲裁途径解决",
    RejectReason.DISCIPLINE: "该事项属于纪检监察机关受理范围",
    RejectReason.ADMIN_REVIEW: "该事项应通过行政复议途径解决",
    RejectReason.PETITION: "该事项应按信访程序办理",
    RejectReason.INFO_DISCLOSURE: "该事项应通过政府信息公开申请办理",
    RejectReason.CLASSIFIED: "涉及国家秘密",
    RejectReason.IMMORAL: "内容违背公序良俗",
    RejectReason.DUPLICATE: "与您已反映的诉求重复",
    RejectReason.INVALID: "未包含可办理的诉求内容",
}


def rejected_because(reason: object) -> str:
    """Why an appeal was not taken, as its requester reads it (SMS and tracking page); the
    dispatcher's own note is internal."""
    try:
        return REJECTED_BECAUSE[RejectReason(str(reason))]
    except ValueError:
        return "不属于受理范围"


# The steps of an appeal its requester is texted about, each under `requester_ref`; survey_notice
# is the survey link's (SURVEY_STEP). `requester_notice` texts no step missing here, so the
# personal-data erasure (jiesu.services.retention), which deletes the requester's texts by
# these refs, cannot miss one a new step sends.
SURVEY_STEP = "survey"
REQUESTER_STEPS = ("register", "answer_directly", "reject", "merge", "reply", "reopen",
                   "follow_up")
REQUESTER_KINDS = (NOTICE_KIND, SURVEY_KIND)


def requester_ref(appeal_id: int, step: str) -> str:
    """The outbox ref of the text to an appeal's requester about a step (a merged appeal's
    requester is texted the step of the appeal it follows under their own appeal's id)."""
    return f"appeal:{appeal_id}:{step}"


# a step that makes the message of an earlier step of the same save untrue: the caller is told
# only what is now the case (a consultation answered on the call is not 已受理, to be followed)
SUPERSEDES = {"answer_directly": "register"}


def requester_notice(event_type: str, data: Mapping[str, Any], *, code: str, city: str,
                     track_url: str, merged: bool = False) -> str | None:
    """The message for one event of an appeal, or None when the step needs none; `merged`:
    for the requester of an appeal merged into it (told under their own code)."""
    if event_type not in REQUESTER_STEPS:
        return None
    head = f"【{city}12345】"
    if event_type == "register":
        return (f"{head}您的诉求已受理，编号 {code}。凭编号和手机号可在 {track_url} "
                "查询办理进度。")
    if event_type == "answer_directly":
        # 直接答复: answered on the call and closed, no progress to wait for
        return (f"{head}您的咨询（编号 {code}）已直接答复办结。凭编号和手机号可在 {track_url} "
                "查看答复内容。")
    if event_type == "reject":
        reason = rejected_because(data.get("reason"))
        if merged:
            return (f"{head}您的诉求（编号 {code}）已合并办理，所合并的诉求不予受理，"
                    f"原因：{reason}。如有疑问请拨打 12345。")
        return f"{head}您的诉求（编号 {code}）不予受理，原因：{reason}。如有疑问请拨打 12345。"
    if event_type == "merge":
        # the requester's own code and phone open the tracking page, which shows the appeal it
        # now follows; the other appeal's code would not open with this phone
        return (f"{head}您的诉求（编号 {code}）已与同一问题的诉求合并办理，"
                "可凭本编号查询办理进展，办理结果将一并答复。")
    if event_type == "reply" and merged:
        # the call-back is the other appeal's requester's: no 回访 is promised here
        return (f"{head}您的诉求（编号 {code}）已合并办理，承办单位已答复。"
                f"查询：{track_url}")
    if event_type == "reply":
        return (f"{head}您的诉求（编号 {code}）承办单位已答复，我们将回访了解是否解决。"
                f"查询：{track_url}")
    if event_type == "reopen":
        # the reason stays out: a dispatcher's may be internal, and the requester knows theirs
        again = ("已重新受理，将重新派单办理" if str(data.get("to")) == "registered"
                 else "已转重办，承办单位正在重新办理")
        return f"{head}您的诉求（编号 {code}）{again}，办理结果将再次答复您。查询：{track_url}"
    if event_type == "follow_up" and data.get("reopened") is True:
        return (f"{head}您反映诉求（编号 {code}）未解决或不满意，已转承办单位重新办理，"
                f"办理结果将再次答复您。查询：{track_url}")
    return None


def unit_warning_notice(data: Mapping[str, Any], *, code: str, title: str, city: str,
                        due_local: str) -> str | None:
    """The message to the responsible unit for a `deadline_warning` event, or None when the
    clock is not one a unit answers for."""
    clock = UNIT_CLOCKS.get(str(data.get("clock")))
    if clock is None:
        return None
    what = f"【{city}12345】诉求 {code}「{_called(title)}」"
    if data.get("level") == "red":
        return f"{what}{clock}已超期（时限 {due_local}），已自动督办，请立即办理。"
    return f"{what}{clock}时限将于 {due_local} 到期，请抓紧办理。"


def history_digest_notice(counts: Mapping[tuple[str, str], int], *, appeals: int | None,
                          city: str) -> str:
    """The one message to a duty phone for the warnings of imported history whose deadline (or
    yellow window) had come before the import, counted by (clock, level): a unit is not texted
    once per appeal about work that was late before this system held it. 件 counts appeals, so
    the text says how many appeals (`appeals`: one late on both clocks is one) and names the
    clocks after it: 有 1 件已超期（签收 1、办理 1）. A digest whose appeals were not counted
    (recorded before they were, 0038) or whose count cannot be (fewer appeals than one clock's
    warnings, more than all of them) counts its warnings, as 条预警; one clock and level alone
    is one warning per appeal either way."""
    shown = [(clock, level, counts[clock, level]) for level in ("red", "yellow")
             for clock in UNIT_CLOCKS if counts.get((clock, level))]
    levels = {level for _, level, _ in shown}
    head = f"【{city}12345】导入的历史诉求"
    tail = f"{'，已自动督办' if 'red' in levels else ''}，请登录系统查看。"
    if len(shown) == 1:
        ((clock, level, n),) = shown
        return f"{head}中有 {n} 件{UNIT_CLOCKS[clock]}{_LATE[level]}{tail}"
    mixed = len(levels) > 1
    named = "、".join(f"{UNIT_CLOCKS[clock]}{_SHORT[level] if mixed else ''} {n}"
                     for clock, level, n in shown)
    warnings = [n for _, _, n in shown]
    if appeals is None or not max(warnings, default=0) <= appeals <= sum(warnings):
        kind = "" if mixed else _SHORT[next(iter(levels), "red")]
        return f"{head}有 {sum(warnings)} 条{kind}预警（{named}）{tail}"
    state = "已超期或临期" if mixed else _LATE[next(iter(levels))]
    return f"{head}中有 {appeals} 件{state}（{named}）{tail}"


# what a digest says of its appeals by level: alone (3 件办理已超期), and in a list of both
# levels or as a kind of warning (签收超期 1、办理临期 2; 3 条超期预警)
_LATE = {"red": "已超期", "yellow": "即将到期"}
_SHORT = {"red": "超期", "yellow": "临期"}


class UnitDecision(NamedTuple):
    """A decision on the unit's work that the unit must hear of: a dispatcher's on its request
    or reply, a reopening (重办, by a dispatcher or the requester), a supervisor's 督办, or
    information the requester added (补充)."""

    what: str  # what was decided: 退单申请未获同意
    todo: str  # what to do now: 请继续办理
    field: str  # the event field that holds the reason
    label: str  # what the reason is called: 驳回理由
    new_deadline: bool = False  # the text says the handling deadline (it moved, or it presses)
    co_todo: str | None = None  # what the co-units (协办) are to do; None: not theirs to hear


# a reopened appeal goes back to its lead unit with its co-units: they work on it again too
CO_REDO = "请配合主办单位重新办理"
# keyed by the event that records the decision; an approved extension is one only when fewer
# days were granted than asked (partly_approved)
UNIT_DECISIONS = {
    "deny_return": UnitDecision("退单申请未获同意", "请继续办理", "reason", "驳回理由"),
    "deny_extension": UnitDecision("延期申请未获同意", "请在原办理时限内办结", "reason",
                                   "驳回理由"),
    "approve_extension": UnitDecision("延期申请部分批准", "请在新的办理时限内办结", "reason",
                                      "部分批准理由", new_deadline=True),
    "send_back": UnitDecision("答复被退回", "请重新办理后再答复", "note", "退回意见"),
    "reopen": UnitDecision("已转重办", "请重新办理后再答复", "reason", "重办理由",
                           new_deadline=True, co_todo=CO_REDO),
    # a follow-up that found it unresolved or unsatisfying by the unit's fault reopens it
    "follow_up": UnitDecision("经回访已转重办", "请重新办理后再答复", "note", "回访记录",
                              new_deadline=True, co_todo=CO_REDO),
    # a supervisor's 催办/黄牌/红牌 (the automatic one of a red warning comes with its text)
    "supervise": UnitDecision("收到督办", "请加快办理，按时办结", "note", "督办意见",
                              new_deadline=True),
    # what the requester (on the tracking page) or an operator (on a call) added: news for
    # the unit's pages, not a text (`notices.QUIET_DECISIONS`)
    "add_info": UnitDecision("收到补充信息", "请一并办理", "text", "补充情况"),
    # what a co-unit (协办) found or will do, for the lead unit to weigh: news for its pages
    "co_opinion": UnitDecision("收到协办意见", "请结合协办意见办理", "text", "协办意见"),
}
# decisions the unit's pages show but its duty phone is not texted: a requester may add
# information as often as they like, and a co-unit writes to the lead unit's pages
QUIET_DECISIONS = frozenset({"add_info", "co_opinion"})
# how much of the dispatcher's reason a text carries; the appeal page has all of it
REASON_IN_TEXT = 100


def partly_approved(data: Mapping[str, Any]) -> bool:
    """Whether an approved extension granted fewer days than were asked (延期部分批准)."""
    asked, days = data.get("asked"), data.get("days")
    return isinstance(asked, int) and isinstance(days, int) and days < asked


def supervision_label(data: Mapping[str, Any]) -> str | None:
    """The level a 督办 event records, as the unit reads it (红牌督办), None without one."""
    try:
        return SUPERVISION_ZH[SupervisionLevel(str(data.get("level")))]
    except ValueError:
        return None


def _verdict(event_type: str, data: Mapping[str, Any]) -> dict[str, str | None]:
    if event_type == "supervise":
        return {"level": str(data["level"]) if supervision_label(data) else None}
    if event_type != "follow_up":
        return {}
    return {k: str(data[k]) if data.get(k) else None for k in ("resolved", "satisfaction")}


def follow_up_verdict(data: Mapping[str, Any]) -> str:
    """What a follow-up found, e.g. 未解决、不满意 (as recorded on its event)."""
    found: tuple[tuple[Any, Mapping[Any, str]], ...] = (
        (data.get("resolved"), RESOLVED_ZH), (data.get("satisfaction"), SATISFACTION_ZH))
    said = [names[value] for value, names in found if value in names]  # StrEnum keys: "no"
    return "诉求人反映" + "、".join(said) if said else "回访结果为未解决或不满意"


def decision_of(event_type: str, data: Mapping[str, Any]) -> UnitDecision | None:
    """The decision an event records that the unit must hear of, None for any other event
    (an extension approved in full among them)."""
    if event_type == "approve_extension" and not partly_approved(data):
        return None
    if event_type == "follow_up" and data.get("reopened") is not True:
        return None
    if event_type == "supervise" and data.get("auto"):
        return None  # the system's, on a red warning: the warning's own text says it
    return UNIT_DECISIONS.get(event_type)


def decision_reason(event_type: str, data: Mapping[str, Any]) -> str | None:
    """The reason recorded on a decision event, None when it has none (denials written before
    a reason was required)."""
    decision = decision_of(event_type, data)
    if decision is None:
        return None
    return str(data.get(decision.field) or data.get("note") or "").strip() or None


# what answers a decision: the unit's next request of that kind; a reply or a new dispatch
# answers them all
SUPERSEDED_BY = {"deny_return": "request_return", "deny_extension": "request_extension",
                 "approve_extension": "request_extension"}
ANSWERS_ALL = frozenset({"reply", "dispatch"})
# every event that decides whether a decision still stands
DECISION_THREAD = frozenset(UNIT_DECISIONS) | frozenset(SUPERSEDED_BY.values()) | ANSWERS_ALL
# while the unit works on the appeal: then a decision on its work is news
IN_HANDS = frozenset({"dispatched", "in_progress"})


class _Event(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def data(self) -> Any: ...


@dataclass(frozen=True)
class Decision:
    """A decision on the unit's work as the unit's pages show it."""

    type: str
    at: datetime
    what: str  # 退单申请未获同意
    todo: str  # 请继续办理
    label: str  # 驳回理由
    reason: str | None  # None on events written before a reason was required
    asked: int | None = None  # 延期部分批准: the working days asked ...
    granted: int | None = None  # ... and granted
    resolved: str | None = None  # a follow-up that reopened it: what the requester said
    satisfaction: str | None = None
    level: str | None = None  # a 督办: remind, yellow or red
    unit_id: int | None = None  # a 协办意见: the co-unit that wrote it


def _data(e: _Event) -> Mapping[str, Any]:
    return e.data if isinstance(e.data, Mapping) else {}


def standing_decisions(events: Iterable[_Event]) -> list[Decision]:
    """The decisions of an appeal's events (in order) that still stand: no newer request of
    the same kind, or reply, has answered them. Oldest first."""
    last: dict[str, _Event] = {}
    for e in events:
        if decision_of(e.type, _data(e)) is not None:
            last[_thread_key(e)] = e
        elif e.type in ANSWERS_ALL:
            last.clear()
        for decision, answer in SUPERSEDED_BY.items():
            if e.type == answer:
                last.pop(decision, None)
    out = []
    for e in sorted(last.values(), key=lambda e: e.at):
        d, data = UNIT_DECISIONS[e.type], _data(e)
        partly = partly_approved(data)
        co_unit = data.get("co_unit_id") if e.type == "co_opinion" else None
        out.append(Decision(e.type, e.at, d.what, d.todo, d.label, decision_reason(e.type, data),
                            asked=data["asked"] if partly else None,
                            granted=data["days"] if partly else None,
                            unit_id=co_unit if isinstance(co_unit, int) else None,
                            **_verdict(e.type, data)))
    return out


def _thread_key(e: _Event) -> str:
    """Which standing decision an event replaces: the last of its type, except that each
    co-unit's last 协办意见 stands beside the others'."""
    if e.type == "co_opinion":
        return f"co_opinion:{_data(e).get('co_unit_id')}"
    return e.type


def unit_decision_notice(event_type: str, data: Mapping[str, Any], *, code: str, title: str,
                         city: str, due_local: str | None = None,
                         co_unit: bool = False) -> str | None:
    """The message to the handling unit when a dispatcher refuses its request, sends its reply
    back or grants fewer days than asked, the appeal is reopened or a supervisor presses it
    (督办, with its level), with the reason and, when the handling deadline moved or presses,
    that deadline (`due_local`); None for any other event. With
    `co_unit`, the message to a co-unit (协办) of a reopened appeal; None for any other."""
    decision = decision_of(event_type, data)
    if decision is None or (co_unit and decision.co_todo is None):
        return None
    detail = []
    if partly_approved(data):
        detail.append(f"申请 {data['asked']} 个工作日，批准 {data['days']} 个工作日")
    if event_type == "follow_up":
        detail.append(follow_up_verdict(data))
    if event_type == "supervise" and (level := supervision_label(data)):
        detail.append(level)
    if decision.new_deadline and due_local:
        detail.append(f"办理时限 {due_local}")
    said = f"（{'，'.join(detail)}）" if detail else ""
    todo = decision.co_todo if co_unit else decision.todo
    text = f"【{city}12345】诉求 {code}「{_called(title)}」{decision.what}{said}，{todo}。"
    reason = decision_reason(event_type, data)
    if reason:
        cut = reason if len(reason) <= REASON_IN_TEXT else reason[:REASON_IN_TEXT - 1] + "…"
        text += f"{decision.label}：{cut}"
    return text


class CoUnitNews(NamedTuple):
    """A dispatcher's decision on the lead unit's request that changes what its co-units (协办)
    must do: keep helping, stop, or help by another deadline."""

    what: str  # 主办单位退单申请未获同意
    todo: str  # 请继续配合主办单位办理
    reason: bool = False  # the text carries the dispatcher's reason (驳回理由)
    new_deadline: bool = False  # the text says the handling deadline


# keyed by the event that records the decision; an extension approved in full is news to
# the co-units as well (their deadline moved), though not to the lead unit that asked for it
CO_UNIT_NEWS = {
    "approve_return": CoUnitNews("主办单位退单申请已获同意，该诉求将重新派单",
                                 "你单位暂无需继续协办"),
    "deny_return": CoUnitNews("主办单位退单申请未获同意", "请继续配合主办单位办理",
                              reason=True),
    "approve_extension": CoUnitNews("主办单位延期申请已获批准", "请在新的办理时限内配合办理",
                                    new_deadline=True),
    "deny_extension": CoUnitNews("主办单位延期申请未获同意",
                                 "请配合主办单位在原办理时限内办结", reason=True),
}


def co_unit_notice(event_type: str, data: Mapping[str, Any], *, code: str, title: str,
                   city: str, due_local: str | None = None) -> str | None:
    """The message to a co-unit (协办) of the appeal when a decision changes what it must do:
    the lead unit's return or extension decided, or the appeal reopened (重办); None for any
    other event (a reply sent back is the lead unit's alone)."""
    news = CO_UNIT_NEWS.get(event_type)
    if news is None:
        return unit_decision_notice(event_type, data, code=code, title=title, city=city,
                                    due_local=due_local, co_unit=True)
    detail = []
    if event_type == "approve_extension" and isinstance(data.get("days"), int):
        detail.append(f"延期 {data['days']} 个工作日")
    if news.new_deadline and due_local:
        detail.append(f"办理时限 {due_local}")
    said = f"（{'，'.join(detail)}）" if detail else ""
    text = f"【{city}12345】诉求 {code}「{_called(title)}」{news.what}{said}，{news.todo}。"
    reason = str(data.get("reason") or "").strip() if news.reason else ""
    if reason:
        cut = reason if len(reason) <= REASON_IN_TEXT else reason[:REASON_IN_TEXT - 1] + "…"
        text += f"驳回理由：{cut}"
    return text


def dispatch_notices(event_type: str, data: Mapping[str, Any], *, urgency: str, code: str,
                     title: str, city: str, due_local: str | None
                     ) -> list[tuple[int, str]]:
    """(unit id, message) for each unit an appeal was just given to: the lead unit and the
    co-units of a 派单 (the lead unit to sign by `due_local`), the unit below of a 二次派单 (to
    finish by `due_local`) and the one it was taken from (收回); [] for any other event. The
    urgency (紧急/特急) leads the text."""
    level = URGENCY_ZH[Urgency(urgency)] if urgency in (Urgency.URGENT, Urgency.EMERGENCY) else ""
    head = f"【{city}12345】{level}诉求 {code}「{_called(title)}」"
    if event_type == "dispatch":
        sign = f"，请于 {due_local} 前签收并办理" if due_local else "，请及时签收并办理"
        out = [(int(data["unit_id"]), f"{head}已派你单位主办{sign}。")]
        out += [(int(u), f"{head}已派你单位协办，请配合主办单位办理。")
                for u in data.get("co_unit_ids") or ()]
        return out
    if event_type == "sub_dispatch":
        by = f"，请于 {due_local} 前办结" if due_local else ""
        # taken back (收回) by the lead unit: nothing for it to be told; the unit below that
        # had it stops
        out = [] if data.get("taken_back") else [
            (int(data["unit_id"]), f"{head}已由上级单位转派你单位办理{by}。")]
        if data.get("taken_from") is not None:
            out.append((int(data["taken_from"]), f"{head}已由上级单位收回，你单位无需继续办理。"))
        return out
    return []


# how much of an enterprise's name a liaison's text carries (names run to 200 characters)
ENTERPRISE_IN_TEXT = 30


def _liaison_subject(city: str, enterprise: str, code: str, title: str, new: bool) -> str:
    """【示范市12345】您帮扶的企业…有新诉求（编号 …）：title — the title only when there is one."""
    what = "有新诉求" if new else "的诉求"
    named = f"：{_called(title)}" if title.strip() else ""
    return (f"【{city}12345】您帮扶的企业{shorten(enterprise, ENTERPRISE_IN_TEXT)}{what}"
            f"（编号 {code}）{named}")


def liaison_notice(event_type: str, data: Mapping[str, Any], *, code: str, enterprise: str,
                   title: str, city: str, closed: bool = False,
                   due_local: str | None = None) -> str | None:
    """The message to an enterprise's 精准帮扶 liaison for one event of its 涉企诉求: the
    appeal registered (`closed`: answered or settled on the spot as it was) or its handling
    deadline passed (红牌, by `due_local`); None for any other event."""
    if event_type == "register":
        todo = "已当场办结，可在“帮扶企业诉求”中查看" if closed else "请关注办理"
        return f"{_liaison_subject(city, enterprise, code, title, True)}，{todo}。"
    if (event_type == "deadline_warning" and data.get("clock") == "handle"
            and data.get("level") == "red"):
        by = f"（时限 {due_local}）" if due_local else ""
        return (f"{_liaison_subject(city, enterprise, code, title, False)}，办理已超期{by}，"
                "已自动督办，请关注并协调推进。")
    return None


def rectification_warning_notice(level: str, *, code: str | None, title: str, city: str,
                                 due_local: str) -> str:
    """The message to the rated unit when its rectification (整改) of a bad rating of an appeal
    (`code`) or of a service item (no code; `title` is its name) nears or passes its deadline."""
    what = (f"诉求 {code}「{_called(title)}」" if code
            else f"服务事项「{_called(title, '未命名')}」")
    head = f"【{city}12345】{what}的差评整改"
    if level == "red":
        return f"{head}已超期（时限 {due_local}），请尽快提交整改报告。"
    return f"{head}时限将于 {due_local} 到期，请尽快提交整改报告。"


def hotspot_notice(*, area: str | None, topic: str | None, terms: Sequence[str],
                   requesters: int, appeals: int, days: int, city: str, url: str,
                   grown_from: int | None = None) -> str:
    """The hotspot warning (热点预警, 未诉先办): many people report one problem at one place;
    the area's unit may act before the next hundred calls. `topic` is the category the
    appeals share (停水), `terms` the hotspot's key words; `grown_from`, the people of the
    warning sent before, when this one says it has grown (热点扩大)."""
    where = area or "同一地点"
    what = f"“{topic}”问题" if topic else "同一问题"
    terms = [t for t in terms if not topic or t not in topic]  # not “停水”问题（关键词：停水…）
    words = f"，关键词：{'、'.join(terms[:3])}" if terms else ""
    if grown_from is not None:
        return (f"【{city}12345】热点预警（扩大）：{where}近 {days} 天反映{what}的已由 "
                f"{grown_from} 人增至 {requesters} 人（{appeals} 件{words}），请尽快处置。"
                f"详见 {url}")
    return (f"【{city}12345】热点预警：{where}近 {days} 天有 {requesters} 人反映{what}"
            f"（{appeals} 件{words}），请关注并提前处置。详见 {url}")


def survey_notice(*, code: str, city: str, url: str, days: int) -> str:
    """The text that carries a requester's online follow-up questionnaire (网上回访)."""
    return (f"【{city}12345】您的诉求（编号 {code}）已答复，请点击链接告诉我们是否解决、"
            f"是否满意：{url}（{days} 天内有效）")
