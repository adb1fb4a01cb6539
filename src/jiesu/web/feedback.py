"""The resident's rating (好差评) from the tracking page, through `jiesu.services.feedback`.

The feedback service is built by the KPI team; until it is installed the page shows the form
and answers with a clear "coming soon" message instead of failing.
"""

from __future__ import annotations

import importlib
from typing import Any

from jiesu.runtime import Runtime
from jiesu.web import reads

COMING_SOON = "评价功能即将上线"


def _service(rt: Runtime) -> Any | None:
    existing = rt.extras.get("feedback") if hasattr(rt, "extras") else None
    if existing is not None:
        return existing
    try:
        module = importlib.import_module("jiesu.services.feedback")
    except ImportError:
        return None
    cls = getattr(module, "FeedbackService", None)
    if cls is None:
        return None
    try:
        service = cls(rt.db, rt.rules)
    except TypeError:
        return None
    rt.extras["feedback"] = service
    return service


def available(rt: Runtime) -> bool:
    return _service(rt) is not None


def rating_of(rt: Runtime, appeal_id: int) -> int | None:
    with rt.db.uow(write=False) as uow:
        return reads.appeal_rating(uow.session, appeal_id)


def rate(rt: Runtime, appeal_id: int, phone: str, stars: int, comment: str) -> tuple[str, str]:
    """(message, flash kind) after rating an appeal as its requester."""
    service = _service(rt)
    if service is None or not hasattr(service, "rate_appeal"):
        return COMING_SOON, "info"
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.clock import utcnow

    service.rate_appeal(Actor(role=Role.REQUESTER, phone=phone), appeal_id, stars,
                        comment or None, utcnow())
    return "感谢您的评价", "ok"
