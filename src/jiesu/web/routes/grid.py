"""Grid worker (网格员): my grid on a phone — report what the patrol found (巡查上报), solve it
on the spot (就地解决) or send it for dispatch, and see the grid's month and my own reports."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jiesu.domain.appeal import Role
from jiesu.domain.errors import DomainError, InvalidArguments
from jiesu.services.appeals import NewAppeal
from jiesu.services.clock import utcnow
from jiesu.services.grids import GridService
from jiesu.web import core, i18n, uploads
from jiesu.web.core import FormDep

router = APIRouter(prefix="/staff/grid", include_in_schema=False)
ROLES = {Role.GRID_WORKER}
KINDS = ("help", "complaint", "report", "suggestion")
FIELDS = ("kind", "title", "content", "address", "urgency", "latitude", "longitude",
          "on_site_text")


def _page(request: Request, values: dict[str, Any], error: str | None = None,
          status_code: int = 200, photo: dict[str, Any] | None = None,
          lost: str | None = None) -> HTMLResponse:
    user = core.require(request, ROLES)
    rt = core.runtime_of(request)
    grid = GridService(rt.db, rt.settings.tz).overview(user.actor(), utcnow())
    lang = core.lang_of(request)
    return core.render(request, "staff/grid.html", {
        "grid": grid, "values": values, "error": error,
        "period": grid.period.label_en if lang == "en" else grid.period.label_zh,
        "kinds": [(k, i18n.label(lang, "kind", k)) for k in KINDS],
        "urgencies": i18n.choices(lang, "urgency"),
        "reported": request.session.pop("last_patrol", None), "held_photo": photo,
        "lost_photo": lost}, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def grid_page(request: Request) -> HTMLResponse:
    return _page(request, {"kind": "help", "urgency": "normal"})


@router.post("/patrol", response_class=HTMLResponse, response_model=None)
def report(request: Request, form: FormDep) -> Response:
    """巡查上报: registered from the grid (channel grid_patrol); closed at once when solved on
    the spot, otherwise waiting for dispatch like any appeal."""
    user = core.require(request, ROLES)
    rt = core.runtime_of(request)
    values: dict[str, Any] = {k: core.text(form, k) for k in FIELDS}
    values["on_site"] = core.text(form, "on_site") == "on"
    held = uploads.held_photo(rt.settings, request.session, "patrol",
                              core.text(form, "keep_photo") == "on")
    photo = held
    try:
        photo = uploads.save_photo(rt.settings, form.get("photo")) or held
        data = NewAppeal(
            kind=values["kind"] or "help", content=values["content"], title=values["title"],
            urgency=values["urgency"] or "normal", channel="grid_patrol",
            address=values["address"] or None,
            latitude=_coordinate(values["latitude"], 90),
            longitude=_coordinate(values["longitude"], 180),
            extra={"attachments": [photo]} if photo else {})
        key = core.text(form, "idempotency_key")[:128] or None
        result = rt.appeals.register(
            user.actor(), data, utcnow(), idempotency_key=key,
            resolved_on_site=values["on_site_text"] if values["on_site"] else None)
    except DomainError as exc:
        lost = uploads.refused(request.session, "patrol", form.get("photo"), photo, held,
                               exc.details.get("field"))
        return _page(request, values, core.refusal_message(exc), status_code=exc.http_status,
                     photo=photo, lost=lost)
    uploads.hold(request.session, "patrol", None)
    request.session["last_patrol"] = {"code": result.code, "id": result.appeal_id,
                                      "on_site": values["on_site"]}
    return core.redirect("/staff/grid")


def _coordinate(raw: str, bound: float) -> float | None:
    """A latitude or longitude from the form (the phone's position), or None when not given."""
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > bound:
        raise InvalidArguments("定位信息无效，请重新定位或清除后提交", field="latitude")
    return value
