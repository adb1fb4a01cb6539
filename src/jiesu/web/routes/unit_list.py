"""The whole list of lead units as <option>s (主办单位): fetched once by jiesu.js for the
dispatch forms of the queue, the appeal page and the hotspots, and kept by the browser.

`Cache-Control: private, no-cache` with an ETag from the unit tree's version: the browser asks
again on each use with If-None-Match and gets a 304 of no body until a unit is added, renamed,
stopped, started or moved. The process keeps the rendered list per version too, so a new
reader costs no read of the whole tree either.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from jiesu.services.clock import utcnow
from jiesu.store import web_queries
from jiesu.web import core, staff

router = APIRouter(prefix="/staff/units", include_in_schema=False)

# The rendered list is kept per tree version: a version never comes back, so only memory
# bounds how long (KeptFigures keeps the most recently asked few).
KEPT = timedelta(hours=12)


@router.get("/options.html", response_model=None)
def unit_options(request: Request) -> Response:
    core.require(request, staff.UNIT_PICKERS)
    rt = core.runtime_of(request)
    with core.reading(rt) as uow:
        # the version first: a unit changed while the list is read makes the next ask fetch
        etag = staff.unit_options_etag(web_queries.unit_tree_version(uow.session))
        headers = {"ETag": etag, "Cache-Control": "private, no-cache",
                   # as a page's (core.render): the fragment is HTML too
                   "Content-Security-Policy": core.CSP, "X-Content-Type-Options": "nosniff"}
        if _matches(request.headers.get("if-none-match", ""), etag):
            return Response(status_code=304, headers=headers)
        html = rt.figures.get(("unit_options", etag), utcnow(),
                              lambda: staff.unit_options(staff.lead_units(uow.session)),
                              ttl=KEPT)
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` ("*" names any; compared weakly, W/)."""
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags or "*" in tags
