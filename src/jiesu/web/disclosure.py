"""What the public may see of an appeal (DESIGN §7): every free text through `pii.redact`, no
names, phones, addresses below the street, notes or staff identities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jiesu.nlp.pii import redact
from jiesu.store.tables import AppealRow, EventRow

# Events a resident may see on the board and on the tracking page, in the order they happen.
PUBLIC_EVENTS = ("register", "answer_directly", "resolve_on_site", "dispatch", "sign",
                 "contact", "reply", "follow_up", "reopen", "approve_extension", "merged_in",
                 "rated")


UNREACHED = "unreached"  # a step detail: the call-back reached nobody
# step details of a rectification's follow-up (整改回访): what the requester said of it
RECTIFIED_OK, RECTIFIED_NOT = "rectified_ok", "rectified_not"


@dataclass
class PublicStep:
    type: str
    at: datetime
    detail: str = ""


@dataclass
class PublicAppeal:
    code: str
    status: str
    kind: str
    category: str | None
    title: str
    content: str
    created_at: datetime
    unit: str | None
    reply: str | None
    reply_claim: str | None
    satisfaction: str | None
    resolved: str | None
    area: str | None
    steps: list[PublicStep] = field(default_factory=list)


def _names(row: AppealRow) -> list[str]:
    return [row.requester_name] if row.requester_name else []


def public_text(row: AppealRow, text: str | None) -> str:
    return redact(text or "", names=_names(row))


def _follow_up_detail(e: EventRow) -> str:
    """What a call-back step adds: the satisfaction, or "unreached" for a call nobody answered
    (the step alone read as a call-back done, while the appeal still waited for one); for a
    rectification's, whether the requester was satisfied with it (else it goes round again)."""
    if e.type == "rectification_followed_up":
        return RECTIFIED_OK if e.data.get("satisfied") else RECTIFIED_NOT
    if e.type != "follow_up":
        return ""
    if e.data.get("reached") is False:
        return UNREACHED
    return str(e.data.get("satisfaction") or "") if e.data.get("reached") else ""


def found_by(row: AppealRow, q: str) -> bool:
    """Whether the board's search for `q` may list `row`: by its code or by the text the board
    publishes. A name, phone or ID number is found only in the stored text, and listing the
    appeal for it would tell anyone who typed one what that person asked for."""
    needle = q.strip().casefold()
    return row.code == q.strip() or any(
        needle in public_text(row, text).casefold() for text in (row.title, row.content))


def public_appeal(row: AppealRow, unit_name: str | None, category: str | None,
                  events: list[EventRow] | None = None, *, rated: bool = True) -> PublicAppeal:
    """The redacted view; `events` adds the status timeline (types and times only). The stars
    are the page's own (its 诉求人评价): the step says only when; `rated` False (no rating shown,
    e.g. one excluded on 申诉) leaves the step out too, so the two never disagree."""
    steps = []
    for e in events or []:
        if e.type not in PUBLIC_EVENTS or (e.type == "rated" and not rated):
            continue
        steps.append(PublicStep(e.type, e.at, _follow_up_detail(e)))
    return PublicAppeal(
        code=row.code or "",
        status=row.status,
        kind=row.kind,
        category=category,
        title=public_text(row, row.title),
        content=public_text(row, row.content),
        created_at=row.created_at,
        unit=unit_name,
        reply=public_text(row, row.reply_text) if row.reply_text else None,
        reply_claim=row.reply_claim,
        satisfaction=row.followup_satisfaction,
        resolved=row.followup_resolved,
        area=None,
        steps=steps,
    )


# Steps only the requester sees on their own page: why their appeal left the public flow
# A bad rating's rectification (整改) too: the requester who gave it learns that the unit must
# rectify, reported, was asked about it and published (not the report, nor any 申诉)
REQUESTER_EVENTS = ("add_info", "reject", "merge", "rectification_opened",
                    "rectification_reported", "rectification_followed_up",
                    "rectification_published")


def requester_view(row: AppealRow, events: list[EventRow]) -> list[dict[str, Any]]:
    """The requester's own timeline: their own text is theirs, staff notes stay internal."""
    out = []
    for e in events:
        if e.type not in PUBLIC_EVENTS and e.type not in REQUESTER_EVENTS:
            continue
        item: dict[str, Any] = {"type": e.type, "at": e.at, "detail": _follow_up_detail(e)}
        if e.type == "add_info" and e.actor_role == "requester":
            item["text"] = e.data.get("text")
            item["photos"] = len(e.data.get("photos") or [])
        out.append(item)
    return out
