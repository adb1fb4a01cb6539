"""Open311 GeoReport v2: services (public categories), requests (public appeals), new requests.

Only what the public board may show leaves here: no 举报 (report) and no confidential appeal is
ever listed or returned, and every text is redacted. An appeal the board does not publish (only
registered, 不予受理, merged) is not listed; by id it is answered with its status only, so that a
client can show the request it has just posted. Posting works for every kind.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jiesu.domain import appeal as dom
from jiesu.domain.errors import DomainError
from jiesu.domain.notification import new_email_address
from jiesu.domain.retention import coarse
from jiesu.nlp.pii import redact
from jiesu.services.api_keys import ApiKeyService
from jiesu.services.appeals import AppealService, NewAppeal
from jiesu.store import exchange_queries as xq
from jiesu.store.tables import AppealRow, CategoryRow
from jiesu.store.uow import Database

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_SPAN = timedelta(days=90)
DEFAULT_LIMIT = 1000
MAX_DESCRIPTION = 4000
MAX_EXTRA = 1000  # media_url, email, device_id, account_id, address_id: kept, never trusted


class Open311Error(DomainError):
    """A request the GeoReport spec answers with 400 (bad or missing argument)."""

    code = "open311_bad_request"
    http_status = 400


class Open311NotFound(DomainError):
    code = "not_found"
    http_status = 404


# Attributes every service accepts (GET services/{code}); values map onto jiesu fields.
ATTRIBUTES: list[dict[str, Any]] = [
    {"variable": True, "code": "kind", "datatype": "singlevaluelist", "required": False,
     "datatype_description": "诉求类型；默认 complaint", "order": 1,
     "description": "诉求类型 Kind of request",
     "values": [{"key": k.value, "name": dom.KIND_ZH[k]} for k in dom.Kind]},
    {"variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
     "datatype_description": "紧急程度；默认 normal", "order": 2,
     "description": "紧急程度 Urgency",
     "values": [{"key": u.value, "name": dom.URGENCY_ZH[u]} for u in dom.Urgency]},
    {"variable": True, "code": "confidential", "datatype": "singlevaluelist", "required": False,
     "datatype_description": "true：不在公开栏和开放数据中公开", "order": 3,
     "description": "是否保密 Keep this request off public listings",
     "values": [{"key": "false", "name": "公开"}, {"key": "true", "name": "保密"}]},
]
_ATTR_VALUES = {a["code"]: {v["key"] for v in a["values"]} for a in ATTRIBUTES}


@dataclass
class Open311Service:
    db: Database
    appeals: AppealService
    keys: ApiKeyService
    tz: ZoneInfo
    city_name: str = "示范市"
    # the statuses the board shows (JIESU_BOARD_PUBLISH): GET requests show no other
    published: Collection[str] = dom.PUBLISHED_STATUSES["accepted"]

    # --- discovery and services -------------------------------------------------------------

    def discovery(self, base_url: str, changeset: datetime) -> dict[str, Any]:
        stamp = changeset.astimezone(self.tz).isoformat(timespec="seconds")
        return {
            "changeset": stamp, "contact": f"{self.city_name} 12345 政务服务便民热线",
            "key_service": "API 密钥由平台管理员发放（jiesu apikey add NAME）",
            "endpoints": [{"specification": SPEC_URL, "url": base_url, "changeset": stamp,
                           "type": "production",
                           "formats": ["text/xml", "application/json"]}],
        }

    def services(self) -> list[dict[str, Any]]:
        with self.db.uow(write=False) as uow:
            return [self._service(c) for c in xq.public_services(uow.session)]

    @staticmethod
    def _service(c: CategoryRow) -> dict[str, Any]:
        parts = c.full_name.split("/")
        keywords = ",".join(k.strip() for k in (c.keywords or "").replace("，", ",").split(",")
                            if k.strip())
        return {"service_code": c.code, "service_name": c.name, "description": c.full_name,
                "metadata": True, "type": "realtime", "keywords": keywords,
                "group": parts[0] if parts else ""}

    def definition(self, service_code: str) -> dict[str, Any]:
        self._public_service(service_code)
        return {"service_code": service_code, "attributes": ATTRIBUTES}

    def _public_service(self, service_code: str) -> dict[str, Any]:
        for s in self.services():
            if s["service_code"] == service_code:
                return s
        raise Open311NotFound(f"service_code {service_code} not found（没有该公开服务）")

    # --- requests ---------------------------------------------------------------------------

    def requests(self, params: Mapping[str, str], now: datetime) -> list[dict[str, Any]]:
        ids = _comma(params.get("service_request_id"))
        codes = _comma(params.get("service_code"))
        statuses = _comma(params.get("status"))
        for s in statuses or []:
            if s not in ("open", "closed"):
                raise Open311Error(f"status must be open or closed, not {s!r}（状态只能是 open 或 "
                                   "closed）")
        start = self._when(params.get("start_date"), "start_date")
        end = self._when(params.get("end_date"), "end_date")
        if ids is None:
            if start is not None and end is not None:
                if end < start:
                    raise Open311Error("end_date is before start_date（结束时间早于开始时间）")
                if end - start > MAX_SPAN:
                    raise Open311Error("start_date and end_date may not span more than 90 days"
                                       "（查询范围不能超过 90 天）")
            elif start is not None:
                end = start + MAX_SPAN
            elif end is not None:
                start = end - MAX_SPAN
            else:
                start, end = now - MAX_SPAN, now
        with self.db.uow(write=False) as uow:
            rows = xq.open311_requests(uow.session, codes=ids, service_codes=codes, start=start,
                                       end=end, statuses=statuses, limit=DEFAULT_LIMIT,
                                       published=self.published)
            cats = xq.categories_by_code(uow.session)
            units = xq.unit_names(uow.session)
            return [self.request_out(r, cats, units) for r in rows]

    def request(self, service_request_id: str) -> list[dict[str, Any]]:
        """One request by id: in full once the board publishes it; before that, or once 不予受理
        or merged, its status only (a client shows the request it has just posted at once)."""
        with self.db.uow(write=False) as uow:
            row = xq.open311_request(uow.session, service_request_id)
            if row is None:
                raise Open311NotFound(f"service_request_id {service_request_id} not found"
                                      "（没有该工单或不公开）")
            cats = xq.categories_by_code(uow.session)
            if row.status in self.published:
                return [self.request_out(row, cats, xq.unit_names(uow.session))]
            target = (xq.disclosable_code(uow.session, row.merged_into_id)
                      if row.status == dom.Status.MERGED and row.merged_into_id else None)
            return [self.status_only(row, cats, target)]

    def request_out(self, row: AppealRow, cats: dict[str, CategoryRow],
                    units: dict[int, str]) -> dict[str, Any]:
        """A published appeal as a GeoReport request, every text redacted."""
        names = [row.requester_name] if row.requester_name else []
        closed = row.status in xq.CLOSED
        notes = redact(row.reply_text, names) if row.reply_text else _zh(dom.STATUS_ZH,
                                                                          row.status)
        return self._request(row, cats, notes) | {
            "description": redact(row.content, names),
            "agency_responsible": units.get(row.lead_unit_id) if row.lead_unit_id else None,
            "expected_datetime": self._w3c(row.handle_due_at) if not closed else None,
            "address": redact(row.address, names) if row.address else None,
            # a requester's position to about 100 m, as the redacted address keeps the street
            "lat": coarse(row.latitude), "long": coarse(row.longitude),
        }

    def status_only(self, row: AppealRow, cats: dict[str, CategoryRow],
                    merged_into: str | None) -> dict[str, Any]:
        """An appeal the board does not publish: its status and nothing it says. Until a
        dispatcher has read it, it may yet be 不予受理 (违背公序良俗…); a rejected one's reason
        would tell what it was about (纪检监察, 涉密), so the note only says where to ask."""
        if row.status == dom.Status.REJECTED:
            notes = "不予受理；原因请凭工单编号和登记的电话号码在“查询诉求”页查看"
        elif row.status == dom.Status.MERGED:
            notes = "已与同类诉求合并办理" + (f"，请查询工单 {merged_into}" if merged_into else "")
        else:
            later = ("待审核后公开" if dom.Status.DISPATCHED in self.published
                     else "办结后公开")
            notes = ("已受理登记，" if row.status == dom.Status.REGISTERED
                     else _zh(dom.STATUS_ZH, row.status) + "，") + later
        return self._request(row, cats, notes)

    def _request(self, row: AppealRow, cats: dict[str, CategoryRow],
                 notes: str) -> dict[str, Any]:
        """The fields every answer about an appeal has; what it says (description, address,
        position, unit, expected time) left empty for the caller to fill when published."""
        cat = cats.get(row.category or "")
        return {
            "service_request_id": row.code,
            "status": "closed" if row.status in xq.CLOSED else "open",
            "status_notes": notes, "service_name": cat.name if cat else None,
            "service_code": row.category, "description": None, "agency_responsible": None,
            "service_notice": None, "requested_datetime": self._w3c(row.created_at),
            "updated_datetime": self._w3c(self._updated(row)), "expected_datetime": None,
            "address": None, "address_id": None, "zipcode": None, "lat": None, "long": None,
            "media_url": None,
        }

    @staticmethod
    def _updated(row: AppealRow) -> datetime | None:
        return row.closed_at if row.status in xq.CLOSED and row.closed_at else row.updated_at

    def _w3c(self, t: datetime | None) -> str | None:
        return t.astimezone(self.tz).isoformat(timespec="seconds") if t else None

    def _when(self, value: str | None, name: str) -> datetime | None:
        if not value:
            return None
        try:
            t = datetime.fromisoformat(value.strip().replace(" ", "+"))
        except ValueError:
            raise Open311Error(f"{name} must use W3C format, e.g. 2010-01-01T00:00:00Z"
                               f"（{name} 格式不正确）") from None
        return t if t.tzinfo else t.replace(tzinfo=self.tz)

    # --- POST requests ----------------------------------------------------------------------

    def submit(self, form: Mapping[str, str], attributes: Mapping[str, str],
               now: datetime) -> list[dict[str, Any]]:
        """Register a new appeal from a POST requests form; returns the spec's response list."""
        client = self.keys.authenticate(form.get("api_key"), now)
        code = (form.get("service_code") or "").strip()
        if not code:
            raise Open311Error("service_code was not provided（缺少 service_code）")
        service = self._public_service(code)
        lat, lon = _coordinate(form, "lat", -90, 90), _coordinate(form, "long", -180, 180)
        address = (form.get("address_string") or "").strip()
        address_id = (form.get("address_id") or "").strip()
        if (lat is None) != (lon is None):
            raise Open311Error("lat and long must both be sent（lat 与 long 须同时提供）")
        if lat is None and not address and not address_id:
            raise Open311Error("A full location parameter must be submitted: lat & long, "
                               "address_string or address_id（须提供位置）")
        description = (form.get("description") or "").strip()
        if len(description) > MAX_DESCRIPTION:
            raise Open311Error("description is limited to 4,000 characters（描述不能超过 4000 字）")
        for key, value in attributes.items():
            allowed = _ATTR_VALUES.get(key)
            if allowed is not None and value not in allowed:
                raise Open311Error(f"attribute[{key}] must be one of {', '.join(sorted(allowed))}"
                                   f"（属性 {key} 的取值无效）")
        phone = (form.get("phone") or "").strip()
        if phone and not dom.callable_phone(phone):
            raise Open311Error("phone must be a number of 7 to 20 digits"
                               "（phone 须为 7–20 位数字的电话号码，用于回访）")
        name = ((form.get("last_name") or "").strip() + (form.get("first_name") or "").strip())
        extra = {"open311": _extra(form) | {"client": client.name}}
        data = NewAppeal(
            kind=attributes.get("kind", "complaint"), urgency=attributes.get("urgency", "normal"),
            confidential=attributes.get("confidential") == "true",
            content=description or f"{service['service_name']}（通过 Open311 提交，未填写描述）",
            title=service["service_name"][:200], channel=dom.Channel.OPEN311.value,
            category=code, requester_name=name[:100] or None,
            requester_phone=phone or None,
            address=(address or address_id)[:500] or None, latitude=lat, longitude=lon,
            extra=extra,
        )
        result = self.appeals.register(dom.Actor.system(), data, now)
        return [{"service_request_id": result.code,
                 "service_notice": f"诉求已受理，工单编号 {result.code}，可凭此编号查询办理进度",
                 "account_id": form.get("account_id") or None}]


def _zh(table: Mapping[Any, str], value: str | None) -> str:
    for k, v in table.items():
        if str(k) == value:
            return v
    return value or ""


def _comma(value: str | None) -> list[str] | None:
    if value is None or not value.strip():
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def _extra(form: Mapping[str, str]) -> dict[str, str]:
    """The optional fields jiesu keeps as sent; an email must be an address, and a media_url a
    web address, so that a page showing it one day cannot be handed a javascript: or data:
    link."""
    kept = {}
    for key in ("email", "device_id", "account_id", "media_url", "address_id"):
        value = (form.get(key) or "").strip()
        if not value:
            continue
        if len(value) > MAX_EXTRA:
            raise Open311Error(f"{key} is limited to {MAX_EXTRA:,} characters"
                               f"（{key} 不能超过 {MAX_EXTRA} 个字符）")
        kept[key] = value
    email = kept.get("email")
    if email is not None and not new_email_address(email):
        # kept for the client's sake, but an address no mail system takes is a typo to say
        raise Open311Error("email must be an e-mail address such as name@example.com"
                           "（email 须为有效的电子邮箱地址，如 name@example.com）")
    media = kept.get("media_url")
    if media is not None:
        parts = urlsplit(media) if media.isprintable() else None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise Open311Error("media_url must be an http or https URL"
                               "（media_url 须为 http 或 https 网址）")
    return kept


def _coordinate(form: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(f"{name} must be a number（{name} 须为数字）") from None
    if not low <= value <= high:
        raise Open311Error(f"{name} out of range（{name} 超出范围）")
    return value
