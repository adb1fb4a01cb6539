"""The resident's rating (好差评) from the tracking page, through `jiesu.services.feedback`."""

from __future__ import annotations

from jiesu.domain.appeal import Actor, Role
from jiesu.runtime import Runtime
from jiesu.services.clock import utcnow
from jiesu.services.feedback import FeedbackService
from jiesu.store import web_queries


def service(rt: Runtime) -> FeedbackService:
    existing = rt.extras.get("feedback")
    if isinstance(existing, FeedbackService):
        return existing
    svc = FeedbackService(rt.db, rt.rules, rt.settings, limiter=rt.lookup_limiter,
                          item_limit=rt.item_rating_limit)
    rt.extras["feedback"] = svc
    return svc


def rating_of(rt: Runtime, appeal_id: int) -> int | None:
    """The requester's rating of their appeal, even one excluded on 申诉: they rated, and a
    second rating is refused (the form came back and answered 您已评价过该诉求)."""
    with rt.db.uow(write=False) as uow:
        return web_queries.appeal_rating(uow.session, appeal_id, excluded=True)


def rate(rt: Runtime, appeal_id: int, phone: str, stars: int, comment: str) -> None:
    """The requester rates their appeal (code + phone prove it is theirs)."""
    service(rt).rate_appeal(Actor(role=Role.REQUESTER, phone=phone), appeal_id, stars,
                            comment or None, utcnow())
