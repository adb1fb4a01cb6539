"""Putting the messages that steps of an appeal cause (jiesu.domain.notices) into the
notification outbox, in the transaction of the step."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from jiesu.config import Settings
from jiesu.domain import appeal as dom
from jiesu.domain import notices
from jiesu.domain.events import DomainEvent
from jiesu.store import feedback_store, lookups, notify_store
from jiesu.store.feedback_tables import RectificationRow
from jiesu.store.repositories import appeal_from_row
from jiesu.store.uow import Database, UnitOfWork


def notify_requester(uow: UnitOfWork, settings: Settings, appeal: dom.Appeal,
                     events: list[DomainEvent], now: datetime) -> None:
    """Text the requester about 受理 (or 直接答复), 不予受理, 合并, 答复 and 重办
    (JIESU_NOTIFY_REQUESTERS); never the requester of imported history (by its import marker,
    whatever channel the import's mapping gave it) nor of a leader's 上级交办. The 答复 or
    不予受理 goes to the requesters of the appeals merged into this one as well, under their
    own codes."""
    if not settings.notify_requesters or appeal.code is None:
        return
    superseded = {notices.SUPERSEDES[e.type] for e in events if e.type in notices.SUPERSEDES}
    wanted = [e for e in events if e.type not in superseded]
    told = [e for e in wanted if e.type in notices.TOLD_TO_MERGED]
    followers = ([appeal_from_row(row) for row in lookups.merged_followers(uow.session,
                                                                          appeal.id)]
                 if told and appeal.id is not None else [])
    _text_requesters(uow, settings,
                     [(appeal, wanted, False), *((f, told, True) for f in followers)], now)


def notify_merged_of_reply(uow: UnitOfWork, settings: Settings, merged: dom.Appeal,
                           target: dom.Appeal, now: datetime) -> None:
    """An appeal just merged into one already replied to (已答复, waiting for its follow-up):
    its requester, and those of the appeals merged into it before, are texted that reply now,
    as no later 答复 would bring it (the merge text promises 办理结果将一并答复)."""
    if (not settings.notify_requesters or target.status is not dom.Status.REPLIED
            or merged.id is None):
        return
    reply = DomainEvent("reply", now, None, dom.Role.SYSTEM.value,
                        {"claim": target.reply_claim})
    followers = [appeal_from_row(row) for row in lookups.merged_followers(uow.session,
                                                                         merged.id)]
    _text_requesters(uow, settings, [(a, [reply], True) for a in (merged, *followers)], now)


def _text_requesters(uow: UnitOfWork, settings: Settings,
                     told: list[tuple[dom.Appeal, list[DomainEvent], bool]],
                     now: datetime) -> None:
    """Queue the requester's text for each of the steps given with each appeal (merged: the
    steps are those of the appeal it was merged into)."""
    track_url = f"{settings.public_base_url.strip().rstrip('/')}/track"
    for requester, steps, merged in told:
        if (not requester.requester_phone or requester.code is None or requester.id is None
                or requester.channel in notices.QUIET_CHANNELS or dom.is_imported(requester)):
            continue
        for event in steps:
            text = notices.requester_notice(event.type, event.data, code=requester.code,
                                            city=settings.city_name, track_url=track_url,
                                            merged=merged)
            if text is not None:
                notify_store.enqueue(uow.session, channel="sms",
                                     recipient=requester.requester_phone, body=text,
                                     kind=notices.NOTICE_KIND, now=now,
                                     ref=notices.requester_ref(requester.id, event.type))


def notify_units(uow: UnitOfWork, settings: Settings, appeal: dom.Appeal,
                 events: list[DomainEvent], now: datetime) -> int:
    """Text the responsible unit's duty phone (its own, or the nearest unit above it that has
    one) about each 签收/办理 deadline warning, the units an urgent appeal is dispatched to
    (JIESU_NOTIFY_UNITS_ON_DISPATCH), the handling unit's about a dispatcher's 驳回退单,
    驳回延期, 延期部分批准 or 退回重办 and about a 重办, with the reason, and its co-units'
    about a 重办 and about the lead unit's 退单 or 延期 decided, and the handling unit's about
    a supervisor's 督办 while it has the appeal; returns how many messages were queued.
    Warnings of imported history that had come before the import are left to the
    `HistoryDigest`."""
    queued = 0
    for event in events:
        if event.type in ("dispatch", "sub_dispatch"):
            queued += _notify_dispatch(uow, settings, appeal, event, now)
            continue
        if appeal.code is not None and (notices.decision_of(event.type, event.data) is not None
                                        or event.type in notices.CO_UNIT_NEWS):
            # a 督办 presses the unit that has the appeal; registered or replied, none has it
            if event.type in notices.QUIET_DECISIONS:
                continue
            if event.type != "supervise" or appeal.status.value in notices.IN_HANDS:
                queued += _notify_decision(uow, settings, appeal, event, now)
            continue
        if (event.type != "deadline_warning" or appeal.code is None
                or event.data.get("before_import")):  # history's: in the digest (note_history)
            continue
        unit_id = _warned_unit(appeal, event)
        if unit_id is None:
            continue
        due = datetime.fromisoformat(str(event.data["due_at"])).astimezone(settings.tz)
        text = notices.unit_warning_notice(event.data, code=appeal.code, title=appeal.title,
                                           city=settings.city_name,
                                           due_local=f"{due:%m月%d日 %H:%M}")
        phone = lookups.duty_phone(uow.session, unit_id) if text is not None else None
        if text is not None and phone:
            notify_store.enqueue(uow.session, channel="sms", recipient=phone, body=text,
                                 kind=notices.WARNING_KIND, now=now,
                                 ref=f"appeal:{appeal.id}:{event.data.get('clock')}:"
                                     f"{event.data.get('level')}")
            queued += 1
    return queued


def _warned_unit(appeal: dom.Appeal, event: DomainEvent) -> int | None:
    """The unit a deadline warning is for: the lead unit signs, the handling unit handles."""
    if event.data.get("clock") == "sign":
        return appeal.lead_unit_id
    return appeal.handling_unit_id or appeal.lead_unit_id


@dataclass
class HistoryDigest:
    """The warnings of imported history that had come before the import (`before_import`) in
    one batch of the sweep, by duty phone and import, then by (clock, level), and how many
    appeals they are of (an appeal late on both clocks is one: the text counts appeals, 件).
    `record` adds them to the pending digests in the batch's own transaction
    (`history_digests`), so that they commit with the warnings; `send_history_digests` queues
    one text per digest. An appeal's warnings from before its import all come at its first
    check after the import, so it is counted once per digest."""

    counts: dict[tuple[str, str], Counter[tuple[str, str]]] = field(default_factory=dict)
    appeals: Counter[tuple[str, str]] = field(default_factory=Counter)

    def note(self, uow: UnitOfWork, appeal: dom.Appeal, events: list[DomainEvent]) -> None:
        digests: set[tuple[str, str]] = set()
        for event in events:
            clock = str(event.data.get("clock"))
            if (event.type != "deadline_warning" or not event.data.get("before_import")
                    or clock not in notices.UNIT_CLOCKS):
                continue
            unit_id = _warned_unit(appeal, event)
            phone = lookups.duty_phone(uow.session, unit_id) if unit_id is not None else None
            if phone:
                key = (phone, str((appeal.extra.get("import") or {}).get("at") or ""))
                self.counts.setdefault(key, Counter())[clock, str(event.data["level"])] += 1
                digests.add(key)
        self.appeals.update(digests)

    def record(self, uow: UnitOfWork, now: datetime) -> None:
        """Add what this batch noted to the pending digests, in the caller's transaction, in
        a fixed order (two sweepers' batches then wait for each other, never deadlock)."""
        for (phone, import_at), counts in sorted(self.counts.items()):
            notify_store.add_to_history_digest(uow.session, phone, import_at, counts, now,
                                               appeals=self.appeals[phone, import_at])
        self.counts.clear()
        self.appeals.clear()


def send_history_digests(db: Database, settings: Settings, now: datetime, *,
                         batch: int = 500) -> int:
    """Queue one text per pending digest of imported history's warnings, each in the
    transaction that deletes the digest (so it is queued once, and not lost: one a sweep left
    behind when its process died goes out on the next pass, whichever process runs it);
    returns how many. A pass finding none only reads: the sweeper runs this every pass, and
    on SQLite a writing unit of work takes the database's one write lock (BEGIN IMMEDIATE)."""
    with db.uow(write=False) as uow:
        if not notify_store.has_history_digests(uow.session):
            return 0
    queued = 0
    while True:
        with db.uow() as uow:
            rows = notify_store.claim_history_digests(uow.session, batch)
            for row in rows:
                counts = notify_store.digest_counts(row)
                if counts:
                    notify_store.enqueue(uow.session, channel="sms", recipient=row.recipient,
                                         body=notices.history_digest_notice(
                                             counts, appeals=row.appeals,
                                             city=settings.city_name),
                                         kind=notices.WARNING_KIND, now=now,
                                         ref=f"imported:{_stamp(row.import_at)}:{row.recipient}"[:64])
                    queued += 1
                uow.session.delete(row)
            uow.commit()
        if len(rows) < batch:
            return queued


def _stamp(import_at: str) -> str:
    """An import's time in a digest's ref: seconds since the epoch; "unknown" when it is."""
    try:
        return str(int(datetime.fromisoformat(import_at).timestamp()))
    except ValueError:
        return "unknown"


def _notify_dispatch(uow: UnitOfWork, settings: Settings, appeal: dom.Appeal,
                     event: DomainEvent, now: datetime) -> int:
    """The units an appeal was just dispatched (or passed on) to, at their duty phones, when
    JIESU_NOTIFY_UNITS_ON_DISPATCH says so (default: 紧急 and 特急 appeals). An imported
    appeal is dispatched here only live (an import records its history as one `import`
    event), so a unit hears of it like any other; its requester stays quiet."""
    wanted = settings.notify_units_on_dispatch
    if (wanted == "none" or appeal.code is None
            or (wanted == "urgent" and appeal.urgency is dom.Urgency.NORMAL)):
        return 0
    due = appeal.sign_due_at if event.type == "dispatch" else appeal.handle_due_at
    texts = notices.dispatch_notices(
        event.type, event.data, urgency=appeal.urgency.value, code=appeal.code,
        title=appeal.title, city=settings.city_name,
        due_local=f"{due.astimezone(settings.tz):%m月%d日 %H:%M}" if due else None)
    queued = 0
    for unit_id, text in texts:
        phone = lookups.duty_phone(uow.session, unit_id)
        if phone:
            notify_store.enqueue(uow.session, channel="sms", recipient=phone, body=text,
                                 kind=notices.DISPATCH_KIND, now=now,
                                 ref=f"appeal:{appeal.id}:{event.type}:{unit_id}")
            queued += 1
    return queued


def _notify_decision(uow: UnitOfWork, settings: Settings, appeal: dom.Appeal,
                     event: DomainEvent, now: datetime) -> int:
    """The unit handling the appeal now (after a 重办 back to registration, or a 退单 approved,
    there is none) and its co-units when the decision changes what they must do (the co-units
    of an approved 退单 are read from its event: they left with it); one text per duty phone
    (units without their own share the phone of the unit above them)."""
    assert appeal.code is not None
    due = appeal.handle_due_at.astimezone(settings.tz) if appeal.handle_due_at else None
    due_local = f"{due:%m月%d日 %H:%M}" if due else None
    lead = appeal.handling_unit_id or appeal.lead_unit_id
    co_units = appeal.co_unit_ids or tuple(
        int(u) for u in event.data.get("co_unit_ids") or () if event.type == "approve_return")
    texted: set[str] = set()
    units = [(lead, False)] if lead is not None else []
    for unit_id, co_unit in [*units, *((u, True) for u in co_units)]:
        if co_unit:
            text = notices.co_unit_notice(event.type, event.data, code=appeal.code,
                                          title=appeal.title, city=settings.city_name,
                                          due_local=due_local)
        else:
            text = notices.unit_decision_notice(
                event.type, event.data, code=appeal.code, title=appeal.title,
                city=settings.city_name, due_local=due_local)
        phone = lookups.duty_phone(uow.session, unit_id) if text is not None else None
        if text is None or not phone or phone in texted:
            continue
        notify_store.enqueue(uow.session, channel="sms", recipient=phone, body=text,
                             kind=notices.DECISION_KIND, now=now,
                             ref=f"appeal:{appeal.id}:{event.type}"
                                 + (f":{unit_id}" if co_unit else ""))
        texted.add(phone)
    return len(texted)


def notify_liaison(uow: UnitOfWork, settings: Settings, appeal: dom.Appeal,
                   events: list[DomainEvent], now: datetime) -> int:
    """Text the 精准帮扶 liaison of the enterprise of a 涉企诉求 (the mobile phone on their
    account, while they are active) when it is registered, unless imported, and when its
    handling deadline passes, unless imported history's deadline passed before the import
    (JIESU_NOTIFY_LIAISONS); returns how many messages were queued.
    Each is queued once: registered once, and red once per handling deadline (a reopened
    appeal's new deadline may pass again)."""
    if not settings.notify_liaisons or appeal.code is None or not appeal.enterprise_code:
        return 0
    wanted = [e for e in events if (e.type == "register" and not dom.is_imported(appeal))
              or (e.type == "deadline_warning" and e.data.get("clock") == "handle"
                  and e.data.get("level") == "red" and not e.data.get("before_import"))]
    if not wanted:
        return 0
    liaison = lookups.liaison_to_text(uow.session, appeal.enterprise_code)
    if liaison is None:
        return 0
    enterprise, phone = liaison
    queued = 0
    for event in wanted:
        due_local = None
        if event.type == "register":
            ref = f"liaison:{appeal.id}:register"
        else:
            due = datetime.fromisoformat(str(event.data["due_at"]))
            due_local = f"{due.astimezone(settings.tz):%m月%d日 %H:%M}"
            ref = f"liaison:{appeal.id}:handle:{int(due.timestamp())}"
        text = notices.liaison_notice(event.type, event.data, code=appeal.code,
                                      enterprise=enterprise, title=appeal.title,
                                      city=settings.city_name,
                                      closed=appeal.status is dom.Status.CLOSED,
                                      due_local=due_local)
        if text is None or notify_store.queued(uow.session, ref):
            continue
        notify_store.enqueue(uow.session, channel="sms", recipient=phone, body=text,
                             kind=notices.LIAISON_KIND, now=now, ref=ref)
        queued += 1
    return queued


def notify_rectification_unit(uow: UnitOfWork, settings: Settings,
                              rectification: RectificationRow, level: str,
                              now: datetime) -> int:
    """Text the rated unit's duty phone (or the nearest unit above it that has one) that its
    rectification (整改) nears or passed its deadline; returns how many messages were queued."""
    phone = lookups.duty_phone(uow.session, rectification.unit_id)
    if not phone:
        return 0
    code, title = feedback_store.rectification_subject(uow.session, rectification)
    due = rectification.due_at.astimezone(settings.tz)
    text = notices.rectification_warning_notice(level, code=code, title=title,
                                                city=settings.city_name,
                                                due_local=f"{due:%m月%d日 %H:%M}")
    notify_store.enqueue(uow.session, channel="sms", recipient=phone, body=text,
                         kind=notices.RECTIFICATION_WARNING_KIND, now=now,
                         ref=f"rectification:{rectification.id}:{rectification.rounds}:{level}")
    return 1
