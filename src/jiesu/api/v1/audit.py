"""The audit check (审计链校验) for auditors and administrators: the last recorded runs of the
full hash-chain verification, so that monitoring can alert on a broken or stale check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from jiesu.api.deps import RuntimeDep, require_roles
from jiesu.domain.appeal import Role
from jiesu.services.audit import Check, acknowledge, alarms, recent_checks
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

AuditReaderDep = Annotated[CurrentUser, require_roles(
    Role.AUDITOR, Role.ADMIN, message="只有审计员和管理员可以查看审计链校验结果")]


class BrokenOut(BaseModel):
    event_id: int | None = Field(description="the first event found broken, if one is named")
    appeal_id: int | None = Field(description="the appeal whose chain is broken, if one is")
    appeal_code: str | None = Field(description="that appeal's code, while the appeal exists")
    seq: int | None = Field(description="the event's place in its appeal's chain")
    reason: str = Field(description="what is wrong, in Chinese")


class AuditCheckOut(BaseModel):
    id: int
    started_at: datetime
    finished_at: datetime
    runner: str = Field(description="jobs (the periodic check) or cli (`jiesu audit verify`)")
    process: str = Field(description="host:pid of the process that ran it")
    events: int = Field(description="events walked (up to the break, when broken)")
    appeals: int = Field(description="appeal chains walked")
    anchors: int = Field(description="global anchors checked")
    config_changes: int | None = Field(
        description="configuration-change entries (配置变更记录) verified; null for checks "
                    "recorded before they were counted")
    ok: bool = Field(description="every chain and anchor was whole")
    broken: BrokenOut | None = Field(description="the first break found; null when ok")
    acknowledged_at: datetime | None = Field(
        description="when an auditor or administrator acknowledged this broken check")
    acknowledged_by: int | None = Field(description="the user id who acknowledged it")
    acknowledgement: str | None = Field(description="what they found and did")


class AuditChecksOut(BaseModel):
    last: AuditCheckOut | None = Field(description="the newest check; null: never checked")
    alarms: list[AuditCheckOut] = Field(
        description="broken checks not yet acknowledged, newest first: alert while not empty "
                    "(a later whole check does not end an alarm)")
    checks: list[AuditCheckOut] = Field(description="the latest checks, newest first")
    interval_hours: int = Field(description="hours between the periodic jobs' checks "
                                            "(JIESU_AUDIT_VERIFY_HOURS); 0: they do not check")


def _out(c: Check) -> AuditCheckOut:
    b = c.broken
    return AuditCheckOut(
        id=c.id, started_at=c.started_at, finished_at=c.finished_at, runner=c.runner,
        process=c.process, events=c.events, appeals=c.appeals, anchors=c.anchors,
        config_changes=c.config_changes, ok=c.ok,
        broken=None if b is None else BrokenOut(event_id=b.event_id, appeal_id=b.appeal_id,
                                                appeal_code=c.appeal_code, seq=b.seq,
                                                reason=b.reason),
        acknowledged_at=c.acknowledged_at, acknowledged_by=c.acknowledged_by,
        acknowledgement=c.acknowledgement)


@router.get("/checks", response_model=AuditChecksOut, summary="审计链校验结果 Audit checks")
def list_checks(runtime: RuntimeDep, _: AuditReaderDep,
                limit: Annotated[int, Query(ge=1, le=100)] = 10) -> AuditChecksOut:
    """The latest recorded verifications of every hash chain and anchor, by the periodic jobs
    or by `jiesu audit verify`; `last.ok` false means records were edited, inserted or
    deleted behind the application's back."""
    checks = [_out(c) for c in recent_checks(runtime.db, limit)]
    return AuditChecksOut(last=checks[0] if checks else None, checks=checks,
                          alarms=[_out(c) for c in alarms(runtime.db, limit)],
                          interval_hours=runtime.settings.audit_verify_hours)


class AcknowledgeIn(BaseModel):
    note: str = Field(max_length=2000, description="what was found and done (required)")


@router.post("/checks/{check_id}/acknowledge", response_model=AuditCheckOut,
             summary="确认审计告警 Acknowledge an audit alarm")
def acknowledge_check(runtime: RuntimeDep, user: AuditReaderDep, check_id: int,
                      body: AcknowledgeIn) -> AuditCheckOut:
    """An auditor or administrator records what a broken check turned out to be and what was
    done; its alarm ends (the check and the note stay on record). 409 when already
    acknowledged, 422 for a whole check or an empty note."""
    return _out(acknowledge(runtime.db, user.actor(), check_id, body.note, utcnow()))
