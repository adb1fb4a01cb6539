"""好差评 of a service item (服务事项) at a unit's window: the page a QR code printed at the
window opens (`/rate/item/{id}`). Public, no login: 1–5 stars, an optional comment and the
rater's phone, as `POST /api/v1/feedback/ratings` with `service_item_id` asks. A switched-off
item (停用) still shows its name and unit, and says it takes no rating (409)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.errors import DomainError, NotFound
from jiesu.domain.rating import parse_stars
from jiesu.services.clock import utcnow
from jiesu.web import core, feedback
from jiesu.web.core import FormDep

router = APIRouter(prefix="/rate/item", include_in_schema=False)
PHONE_CHARS = 32  # what the form gives back as typed (the service checks the number)
THANKED = "rated_item"  # the session remembers which item was just rated: the thank-you state


def _item_id(text: str) -> int:
    """The id in the printed address; anything else is a page that does not exist (404, not
    the 422 of a malformed request: the resident only scanned a code)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise NotFound("服务事项不存在")
    return int(text)


def _page(request: Request, item_id: int, *, typed: dict[str, str] | None = None,
          error: str | None = None, error_field: str | None = None, thanks: bool = False,
          status_code: int = 200) -> HTMLResponse:
    item = feedback.service(core.runtime_of(request)).service_item(item_id)  # unknown: 404
    # switched off (also between the form and its post): the page says so, with no form
    stopped = not item.rateable and not thanks
    return core.render(request, "public/rate_item.html", {
        "item_id": item_id, "item_name": item.name, "unit_name": item.unit_name,
        "thanks": thanks, "stopped": stopped, "error": error, "error_field": error_field,
        "typed": typed or {}},
        status_code=409 if stopped else status_code)


@router.get("/{item_id}", response_class=HTMLResponse)
def rate_item_form(request: Request, item_id: str) -> HTMLResponse:
    item = _item_id(item_id)
    thanks = request.session.pop(THANKED, None) == item
    return _page(request, item, thanks=thanks)


@router.post("/{item_id}", response_class=HTMLResponse, response_model=None)
def rate_item(request: Request, item_id: str, form: FormDep) -> Response:
    item = _item_id(item_id)
    stars_text, comment = core.text(form, "stars"), core.text(form, "comment")
    phone = core.text(form, "phone")
    # a comment refused as too long comes back whole (not cut to what would be accepted)
    typed = {"stars": stars_text, "comment": comment[:5000], "phone": phone[:PHONE_CHARS]}
    try:
        # parsed as every rating form parses it (the appeal's on /track, the survey's)
        stars = parse_stars(stars_text)
        feedback.service(core.runtime_of(request)).rate_service_item(
            item, phone, stars, utcnow(), comment=comment or None,
            address=request.client.host if request.client else "")
    except DomainError as exc:  # nothing stored: the form again, as typed, with the reason
        return _page(request, item, typed=typed, error=exc.message,
                     error_field=core.error_field(exc), status_code=exc.http_status)
    request.session[THANKED] = item
    return core.redirect(f"/rate/item/{item}")
