"""POST /api/v1/intake/suggest: what intake intelligence proposes while an appeal is typed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from jiesu.api.deps import RuntimeDep, optional_user
from jiesu.domain.appeal import Role
from jiesu.domain.text import shorten
from jiesu.services.appeals import NewAppeal
from jiesu.services.clock import utcnow
from jiesu.store import lookups

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])

STAFF_VIEW = {Role.OPERATOR, Role.DISPATCHER, Role.GRID_WORKER, Role.SUPERVISOR, Role.ADMIN}


class SuggestIn(BaseModel):
    title: str = Field("", max_length=200)
    content: str = Field("", max_length=10_000)
    requester_phone: str | None = Field(None, max_length=32)
    requester_name: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=500)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


@router.post("/suggest", summary="智能建议：分类、紧急程度、重复诉求、来电人历史诉求")
def suggest(body: SuggestIn, request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """Anyone gets category and urgency; staff also get duplicates and the caller's history."""
    user = optional_user(request, runtime)
    intake = runtime.intake
    now = utcnow()
    if intake is None or not (body.title.strip() or body.content.strip()):
        return {"categories": [], "urgency": None, "duplicates": [], "earlier": []}
    data = NewAppeal(kind="consult", content=body.content, title=body.title,
                     requester_phone=body.requester_phone, requester_name=body.requester_name,
                     address=body.address, latitude=body.latitude, longitude=body.longitude)
    result = intake.suggest(data, now).data
    out: dict[str, Any] = {"categories": result.get("categories", []),
                           "urgency": result.get("urgency"), "duplicates": [], "earlier": []}
    if user is not None and user.role in STAFF_VIEW:
        out["duplicates"] = result.get("duplicates", [])
        out["unit"] = result.get("unit")
        out["area"] = result.get("area")
        if body.requester_phone:
            out["earlier"] = _earlier(runtime, body.requester_phone)
    return out


def _earlier(runtime: Any, phone: str, limit: int = 10) -> list[dict[str, Any]]:
    with runtime.db.uow(write=False) as uow:
        rows = lookups.appeals_by_phone(uow.session, phone.strip(), limit)
        return [{"id": r.id, "code": r.code, "title": r.title or shorten(r.content, 30),
                 "status": r.status, "created_at": r.created_at.isoformat()} for r in rows]
