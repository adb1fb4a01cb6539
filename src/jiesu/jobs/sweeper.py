"""Deadline sweeper: yellow/red warnings and automatic 督办, once per appeal and clock, and
yellow/red warnings once per open rectification (整改) round; and `run_all`, one pass of every
periodic job, the erasure of personal data past its retention period (个人信息保存期限) and the
audit check (审计链校验, once per JIESU_AUDIT_VERIFY_HOURS) among them.

Safe with several app processes on one PostgreSQL: each batch claims its rows with
FOR UPDATE SKIP LOCKED, so two sweepers never handle the same appeal or rectification at once,
the digests of imported history's warnings are recorded with the warnings and queued by
whichever process claims them (SKIP LOCKED again), and the audit check is run by whichever
process takes its job lease.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jiesu.domain import appeal as dom
from jiesu.runtime import Runtime
from jiesu.services import notices
from jiesu.services.admin import AdminService
from jiesu.services.audit import Check, anchor, run_due
from jiesu.services.feedback import FeedbackService, RectificationWarnings
from jiesu.services.notifications import DeliveryResult, deliver_due, purge_sent
from jiesu.services.retention import ErasureResult, erase_due
from jiesu.store import lookups

NOTIFY_PER_PASS = 10_000  # messages one pass sends at most (its time budget comes first)


@dataclass
class SweepResult:
    checked: int = 0
    yellow: int = 0
    red: int = 0
    supervised: int = 0
    units_texted: int = 0  # deadline warnings sent to the responsible unit's duty phone
    liaisons_texted: int = 0  # 涉企诉求 past their handling deadline, to the 精准帮扶 liaison
    rectifications: RectificationWarnings = field(default_factory=RectificationWarnings)
    recomputed: int = 0
    anchored: int = 0
    default_ratings: int = 0
    hotspots_refreshed: bool = False
    hotspot_alerts: int = 0  # hotspots texted as warnings (热点预警) in this pass
    policies_expired: int = 0
    policy_pages_matched: int = 0  # pages of enterprises matched for large registries
    notified: DeliveryResult = field(default_factory=DeliveryResult)
    notifications_purged: int = 0  # sent messages older than JIESU_NOTIFY_KEEP_DAYS
    lookup_failures_purged: int = 0  # wrong lookup guesses that left the limiter's window
    # personal data erased after JIESU_PERSONAL_DATA_DAYS (个人信息保存期限)
    erased: ErasureResult = field(default_factory=ErasureResult)
    notices: list[str] = field(default_factory=list)
    audit_check: Check | None = None  # the audit check, when this pass ran one


def sweep_deadlines(runtime: Runtime, now: datetime, *, batch: int = 200,
                    max_batches: int = 1000) -> SweepResult:
    result = SweepResult()
    rules = runtime.rules.get()
    # warnings of imported history, late before the import: one text per duty phone and import
    history = notices.HistoryDigest()
    for _ in range(max_batches):
        with runtime.db.uow() as uow:
            ids = lookups.due_for_sweep(uow.session, now, batch)
            if not ids:
                break
            for appeal_id in ids:
                appeal, row = uow.appeals.get(appeal_id)
                events = dom.check_deadlines(appeal, rules, now)
                result.checked += 1
                for e in events:
                    if e.type == "deadline_warning":
                        if e.data["level"] == "red":
                            result.red += 1
                        else:
                            result.yellow += 1
                    elif e.type == "supervise":
                        result.supervised += 1
                uow.appeals.save(appeal, row, events, now=now)
                result.units_texted += notices.notify_units(uow, runtime.settings, appeal,
                                                            events, now)
                history.note(uow, appeal, events)
                # a 涉企诉求 past its handling deadline: the enterprise's liaison hears too
                result.liaisons_texted += notices.notify_liaison(uow, runtime.settings, appeal,
                                                                 events, now)
            history.record(uow, now)  # with the warnings: a crash after commit loses nothing
            uow.commit()
        if len(ids) < batch:
            break
    # the digests this pass recorded, and any a pass that died before queuing them left
    result.units_texted += notices.send_history_digests(runtime.db, runtime.settings, now)
    return result


def run_all(runtime: Runtime, now: datetime, *, audit: bool = True) -> SweepResult:
    """One pass of every periodic job (what `jiesu sweep` and the serve loop run). The serving
    process passes `audit=False` and runs `audit_check` in a thread of its own, so that a long
    walk of the audit log never holds up deadline warnings and notifications."""
    result = sweep_deadlines(runtime, now)
    feedback = FeedbackService(runtime.db, runtime.rules)
    result.rectifications = feedback.watch_rectifications(now)
    admin = AdminService(runtime.db, runtime.rules)
    result.recomputed = admin.recompute_provisional(now) if _has_newly_loaded(runtime) else 0
    result.notices = admin.calendar_notices(now)
    result.default_ratings = feedback.apply_default_ratings(now)
    result.anchored = anchor(runtime.db, now)
    result.hotspots_refreshed = runtime.hotspots.refresh(now)
    result.hotspot_alerts = runtime.hotspots.alert(now, runtime.settings)  # every 15 minutes
    result.policies_expired = runtime.policies.expire(now)
    result.policy_pages_matched = runtime.policies.match_pending(now)
    # what is due, within half a pass's interval (a burst of 受理 texts at a busy hour goes out
    # in this pass, not 100 a minute), at most NOTIFY_PER_PASS
    result.notified = deliver_due(
        runtime.db, runtime.notifiers, now, batch=NOTIFY_PER_PASS,
        budget=timedelta(seconds=max(runtime.settings.sweep_interval_seconds / 2, 5)),
        max_attempts=runtime.settings.notify_max_attempts)
    result.notifications_purged = purge_sent(runtime.db, now,
                                             keep_days=runtime.settings.notify_keep_days)
    result.lookup_failures_purged = runtime.lookup_limiter.purge(now)
    # a backlog (the first passes after erasure is turned on) goes a few thousand a pass, in
    # at most a quarter of the pass's interval, so that warnings and texts are not held up
    result.erased = erase_personal_data(
        runtime, now,
        budget=timedelta(seconds=max(runtime.settings.sweep_interval_seconds / 4, 5)))
    if audit:  # last: a full walk takes about a minute per million events
        result.audit_check = audit_check(runtime, now)
    return result


def erase_personal_data(runtime: Runtime, now: datetime, *, dry_run: bool = False,
                        budget: timedelta | None = None) -> ErasureResult:
    """The requester's personal data of the appeals ended more than JIESU_PERSONAL_DATA_DAYS
    ago (and past the requester's reopen window), erased; nothing when that setting is 0."""
    settings = runtime.settings
    return erase_due(runtime.db, now, days=settings.personal_data_days,
                     reopen_window_days=runtime.rules.get().reopen_window_days,
                     upload_dir=settings.upload_dir, dry_run=dry_run, budget=budget)


def audit_check(runtime: Runtime, now: datetime) -> Check | None:
    """The audit check when due (JIESU_AUDIT_VERIFY_HOURS since the jobs' last one, no other
    process running one); None when not due or turned off (0 hours)."""
    hours = runtime.settings.audit_verify_hours
    if hours <= 0:
        return None
    return run_due(runtime.db, now, every=timedelta(hours=hours))


def _has_newly_loaded(runtime: Runtime) -> bool:
    """Provisional appeals whose years are now loaded exist (a calendar loaded elsewhere)."""
    rules = runtime.rules.get()
    with runtime.db.uow(write=False) as uow:
        due = lookups.latest_provisional_due(uow.session)
    return due is not None and rules.calendar.is_loaded(rules.calendar.local_date(due).year)
