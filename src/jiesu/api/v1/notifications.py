"""The notification outbox for administrators: what was sent, what waits, what failed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from jiesu.adapters.notify import unconfigured
from jiesu.api.deps import RuntimeDep, require_roles
from jiesu.domain.appeal import Role
from jiesu.services.auth import CurrentUser
from jiesu.services.clock import utcnow
from jiesu.services.notifications import outbox_page, retry_failed

router = APIRouter(prefix="/api/v1/admin/notifications", tags=["admin"])


class NotificationOut(BaseModel):
    id: int
    channel: str = Field(description="sms, email or webhook")
    recipient: str = Field(description="masked, e.g. 138****8000")
    subject: str
    kind: str = Field(description="what caused it, e.g. policy_match")
    ref: str | None = Field(description="what it is about, e.g. policy_match:12")
    status: str = Field(description="pending, sent, skipped (only logged: the channel has no "
                                    "gateway) or failed")
    attempts: int = Field(description="attempts started so far")
    next_attempt_at: datetime | None = Field(description="when a pending message is tried next")
    last_error: str | None = Field(description="why the last attempt failed")
    created_at: datetime
    sent_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut] = Field(description="failed first, then pending, then sent "
                                                    "and skipped; newest first within each")
    page: int
    per_page: int
    total: int = Field(description="messages matching the filter")
    counts: dict[str, int] = Field(description="messages per status in the whole outbox")
    unconfigured: list[str] = Field(
        description="channels with no gateway configured: their messages are only logged "
                    "and recorded as skipped")


@router.get("", response_model=NotificationPage, summary="通知发送记录 Notification outbox")
def list_notifications(
    runtime: RuntimeDep,
    _: Annotated[CurrentUser, require_roles(Role.ADMIN, message="只有管理员可以查看通知发送记录")],
    status: Annotated[Literal["pending", "sent", "skipped", "failed"] | None,
                      Query(description="only messages in this status")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationPage:
    """The outbox written by the features that notify (e.g. policy matches) and sent by the
    periodic jobs; recipients are masked."""
    views, total, counts = outbox_page(runtime.db, status=status, page=page, per_page=per_page)
    return NotificationPage(
        items=[NotificationOut(**vars(v)) for v in views], page=page, per_page=per_page,
        total=total, counts=counts, unconfigured=unconfigured(runtime.notifiers))


class RetryIn(BaseModel):
    ids: list[int] | None = Field(None, max_length=1000,
                                  description="only these messages; omitted: every failed one")


class RetryOut(BaseModel):
    queued: int = Field(description="failed messages put back in the queue")


@router.post("/retry", response_model=RetryOut, summary="重发失败的通知 Retry failed messages")
def retry_notifications(
    runtime: RuntimeDep,
    _: Annotated[CurrentUser, require_roles(Role.ADMIN, message="只有管理员可以重发通知")],
    body: RetryIn | None = None,
) -> RetryOut:
    """Failed messages go back in the queue with the full number of attempts and are sent by
    the periodic jobs' next pass (after a channel's configuration was mended)."""
    return RetryOut(queued=retry_failed(runtime.db, utcnow(), body.ids if body else None))
