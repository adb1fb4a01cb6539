"""Open data (一网通享) and the appeal ledger (台账) export.

Open data is what anyone may download: the appeals the board shows (never 举报 nor confidential
ones, and only once published by `board_publish`), every text
redacted with `nlp.pii.redact` exactly as on the public board, plus counts by month, category,
kind and status. The ledger is the staff export of the appeal list with the list's filters.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import defaultdict
from collections.abc import Collection, Generator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jiesu.adapters.xlsx_stream import MAX_ROWS, stream_xlsx
from jiesu.domain import appeal as dom
from jiesu.nlp.pii import redact
from jiesu.store import exchange_queries as xq
from jiesu.store import queries
from jiesu.store.tables import AppealRow
from jiesu.store.uow import Database

OPEN_DATA_FIELDS = [
    # codes that a program filters on keep a column in Chinese beside them (状态, 来源渠道);
    # 诉求类型 was Chinese from the start, so its code came later, in a column after it
    ("code", "工单编号"), ("created_at", "登记时间"), ("channel", "来源渠道"),
    ("channel_zh", "来源渠道(中文)"), ("kind", "诉求类型"), ("kind_code", "诉求类型编码"),
    ("category_code", "分类编码"), ("category", "事项分类"), ("title", "标题"),
    ("content", "诉求内容"), ("address", "地址"), ("status", "状态"), ("status_zh", "状态(中文)"),
    ("lead_unit", "承办单位"), ("replied_at", "答复时间"), ("reply", "答复内容"),
    ("closed_at", "办结时间"), ("satisfaction", "回访满意度"),
]
STATS_FIELDS = [("month", "月份"), ("category_code", "一级分类编码"), ("category", "一级分类"),
                ("kind", "诉求类型"), ("kind_code", "诉求类型编码"), ("received", "受理量"),
                ("open", "办理中"), ("closed", "已办结"), ("rejected", "不予受理"),
                ("merged", "已合并")]
LEDGER_FIELDS = [
    ("code", "工单编号"), ("created_at", "登记时间"), ("channel", "来源渠道"), ("kind", "诉求类型"),
    ("urgency", "紧急程度"), ("status", "办理状态"), ("category", "事项分类"), ("title", "标题"),
    ("content", "诉求内容"), ("requester_name", "诉求人"), ("requester_phone", "联系电话"),
    ("address", "地址"), ("lead_unit", "主办单位"), ("handling_unit", "承办单位"),
    ("dispatched_at", "派单时间"), ("signed_at", "签收时间"),
    ("first_contact_at", "首次联系时间"), ("handle_due_at", "办理时限"),
    ("replied_at", "答复时间"), ("reply_claim", "办理结果"), ("reply", "答复内容"),
    ("closed_at", "办结时间"), ("overdue", "是否超期"), ("supervision", "督办级别"),
    ("returned_count", "退单次数"), ("extension_count", "延期次数"),
    ("reopened_count", "重办次数"), ("followup_resolved", "是否解决"),
    ("satisfaction", "回访满意度"), ("source_ref", "来源编号"),
]
XLSX_MAX_ROWS = MAX_ROWS - 1  # the rows of data an XLSX holds below its header

log = logging.getLogger("jiesu.export")


def _local(t: datetime | None, tz: ZoneInfo) -> str:
    return t.astimezone(tz).isoformat(timespec="seconds") if t else ""


def _zh(table: dict[Any, str], value: str | None) -> str:
    if value is None:
        return ""
    for k, v in table.items():
        if str(k) == value:
            return v
    return value


class OpenDataService:
    def __init__(self, db: Database, tz: ZoneInfo,
                 published: Collection[str] = dom.PUBLISHED_STATUSES["accepted"]) -> None:
        self.db = db
        self.tz = tz
        self.published = published  # the statuses the board shows (JIESU_BOARD_PUBLISH)

    # --- public appeals ---------------------------------------------------------------------

    def public_appeal(self, row: AppealRow, categories: dict[str, Any],
                      units: dict[int, str]) -> dict[str, Any]:
        """One appeal as the public may see it (texts redacted, requester not shown)."""
        names = [row.requester_name] if row.requester_name else []
        cat = categories.get(row.category or "")
        return {
            "code": row.code, "created_at": _local(row.created_at, self.tz),
            "channel": row.channel, "channel_zh": _zh(dom.CHANNEL_ZH, row.channel),
            "kind": _zh(dom.KIND_ZH, row.kind), "kind_code": row.kind,
            "category_code": row.category or "", "category": cat.full_name if cat else "",
            "title": redact(row.title or "", names), "content": redact(row.content, names),
            "address": redact(row.address or "", names), "status": row.status,
            "status_zh": _zh(dom.STATUS_ZH, row.status),
            "lead_unit": units.get(row.lead_unit_id, "") if row.lead_unit_id else "",
            "replied_at": _local(row.replied_at, self.tz),
            "reply": redact(row.reply_text or "", names),
            "closed_at": _local(row.closed_at, self.tz),
            "satisfaction": _zh(dom.SATISFACTION_ZH, row.followup_satisfaction),
        }

    def appeals(self, *, created_from: datetime | None = None, created_to: datetime | None = None,
                category: str | None = None, limit: int | None = None,
                offset: int = 0) -> Iterator[dict[str, Any]]:
        """Public appeals oldest first; streams (keyset pages) when no limit is given."""
        with self.db.uow(write=False) as uow:
            cats = xq.categories_by_code(uow.session)
            units = xq.unit_names(uow.session)
            stmt = xq.open_data_statement(created_from=created_from, created_to=created_to,
                                          category=category, published=self.published)
            if limit is not None:
                rows: Iterable[AppealRow] = uow.session.scalars(
                    stmt.order_by(AppealRow.id).limit(limit).offset(offset))
            else:
                rows = xq.iterate(uow.session, stmt)
            for row in rows:
                yield self.public_appeal(row, cats, units)

    # --- statistics -------------------------------------------------------------------------

    def stats(self, *, created_from: datetime | None = None,
              created_to: datetime | None = None) -> list[dict[str, Any]]:
        """Counts by local month × level-1 category × kind (all appeals count, none is shown)."""
        offset = datetime.now(UTC).astimezone(self.tz).utcoffset()
        hours = offset.total_seconds() / 3600 if offset else 0.0
        with self.db.uow(write=False) as uow:
            # names, not rows: the rows are expired once the unit of work ends
            names = {code: c.name for code, c in xq.categories_by_code(uow.session).items()}
            raw = xq.stats_rows(uow.session, tz=str(self.tz.key), utc_offset_hours=hours,
                                created_from=created_from, created_to=created_to)
        out: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(dict)
        for month, level1, kind, status, n in raw:
            key = (month, level1 or "", kind)
            row = out[key]
            if not row:
                row.update(month=month, category_code=level1 or "",
                           category=names.get(level1 or "", "（未分类）"),
                           kind=_zh(dom.KIND_ZH, kind), kind_code=kind, received=0, open=0,
                           closed=0, rejected=0, merged=0)
            row["received"] += n
            if status in xq.OPEN:
                row["open"] += n
            elif status in ("closed", "rejected", "merged"):
                row[status] += n
        return [out[k] for k in sorted(out)]

    # --- ledger -----------------------------------------------------------------------------

    def ledger_size(self, filters: queries.AppealFilters, scope: queries.Scope, now: datetime,
                    *, cap: int = XLSX_MAX_ROWS) -> int:
        """How many rows the ledger of these filters holds (cap + 1: more than cap)."""
        with self.db.uow(write=False) as uow:
            return xq.count(uow.session, queries.filtered(uow.session, filters, scope, now),
                            cap=cap)

    def ledger(self, filters: queries.AppealFilters, scope: queries.Scope,
               now: datetime) -> Iterator[dict[str, Any]]:
        """The appeal ledger (台账) for staff: every appeal the filters and scope select."""
        with self.db.uow(write=False) as uow:
            cats = xq.categories_by_code(uow.session)
            units = xq.unit_names(uow.session)
            stmt = queries.filtered(uow.session, filters, scope, now)
            for row in xq.iterate(uow.session, stmt):
                cat = cats.get(row.category or "")
                overdue = (row.status in ("dispatched", "in_progress")
                           and row.handle_due_at is not None and now > row.handle_due_at)
                yield {
                    "code": row.code, "created_at": _local(row.created_at, self.tz),
                    "channel": _zh(dom.CHANNEL_ZH, row.channel),
                    "kind": _zh(dom.KIND_ZH, row.kind),
                    "urgency": _zh(dom.URGENCY_ZH, row.urgency),
                    "status": _zh(dom.STATUS_ZH, row.status),
                    "category": cat.full_name if cat else (row.category or ""),
                    "title": row.title, "content": row.content,
                    "requester_name": row.requester_name or "",
                    "requester_phone": row.requester_phone or "", "address": row.address or "",
                    "lead_unit": units.get(row.lead_unit_id, "") if row.lead_unit_id else "",
                    "handling_unit": (units.get(row.handling_unit_id, "")
                                      if row.handling_unit_id else ""),
                    "dispatched_at": _local(row.dispatched_at, self.tz),
                    "signed_at": _local(row.signed_at, self.tz),
                    "first_contact_at": _local(row.first_contact_at, self.tz),
                    "handle_due_at": _local(row.handle_due_at, self.tz),
                    "replied_at": _local(row.replied_at, self.tz),
                    "reply_claim": _zh(dom.REPLY_CLAIM_ZH, row.reply_claim),
                    "reply": row.reply_text or "", "closed_at": _local(row.closed_at, self.tz),
                    "overdue": "是" if overdue else "否",
                    "supervision": _zh(dom.SUPERVISION_ZH, row.supervision_level),
                    "returned_count": row.returned_count,
                    "extension_count": row.extension_count,
                    "reopened_count": row.reopened_count,
                    "followup_resolved": _zh(dom.RESOLVED_ZH, row.followup_resolved),
                    "satisfaction": _zh(dom.SATISFACTION_ZH, row.followup_satisfaction),
                    "source_ref": row.source_ref or "",
                }


def logged_export(rows: Iterable[dict[str, Any]], *, actor: str, fmt: str, via: str,
                  filters: dict[str, Any], target: str = "",
                  ) -> Generator[dict[str, Any], None, None]:
    """The ledger's rows, logged once the file is written (or the download stopped): the
    requesters' names and phones leave the system, so who took how many rows with which
    filters is kept in the log (`actor`: `signed_in(user)`, or who ran the command; `target`:
    where a command wrote the file)."""
    n = 0
    try:
        for row in rows:
            n += 1
            yield row
    finally:
        log.info("ledger export (%s, %s): %d rows by %s, filters %s%s", via, fmt, n, actor,
                 json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str),
                 f", written to {target}" if target else "")


def signed_in(user: Any) -> str:
    """How the export log names a signed-in user (with `id`, `username` and `role`)."""
    return f"user {user.username} (#{user.id}, {user.role})"


# --- file formats -------------------------------------------------------------------------------


def csv_chunks(rows: Iterable[dict[str, Any]], fields: list[tuple[str, str]], *,
               bom: bool = True, chunk_rows: int = 500) -> Iterator[str]:
    """CSV text in chunks, header in Chinese; a BOM so that Excel opens UTF-8 correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    if bom:
        buf.write("\ufeff")
    writer.writerow([label for _, label in fields])
    for n, row in enumerate(rows, start=1):
        writer.writerow([spreadsheet_cell(row.get(key, "")) for key, _ in fields])
        if n % chunk_rows == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def json_text(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array written element by element (streams large exports)."""
    yield "["
    first = True
    for row in rows:
        yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "]\n"


def xlsx_chunks(rows: Iterable[dict[str, Any]], fields: list[tuple[str, str]], *,
                title: str = "诉求台账") -> Iterator[bytes]:
    """An XLSX workbook, header in Chinese, sent as it is written (`adapters.xlsx_stream`:
    memory stays flat and the first bytes leave at once); stops at Excel's row limit."""
    keys = [key for key, _ in fields]
    times = {key for key in keys if key.endswith("_at")}

    def time_cell(value: str) -> Any:
        # a time (the rows carry the city's time as ISO text, e.g. 2026-03-05T14:30:00+08:00)
        # is a date in the workbook, so that Excel/WPS sorts and filters it by date; the city's
        # wall clock, since a spreadsheet has no time zones
        try:
            return datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            return spreadsheet_cell(value)

    def cells(row: dict[str, Any]) -> list[Any]:
        out = []
        for key in keys:
            value = row.get(key, "")
            if type(value) is str and value:  # "" (no such time yet): an empty cell
                if key in times:
                    value = time_cell(value)
                elif value[0] in _FORMULA_START:
                    value = "'" + value  # as spreadsheet_cell, without a call per cell
            out.append(value)
        return out

    return stream_xlsx([label for _, label in fields], map(cells, rows), sheet=title)


_FORMULA_START = "=+-@\t\r"


def spreadsheet_cell(value: Any) -> Any:
    """A value for a spreadsheet cell, CSV or XLSX: text that a requester typed and that
    starts with = + - @ (or a tab or carriage return before one) would be run as a formula
    by Excel/WPS when the export is opened (=HYPERLINK(...)), so it is quoted with '."""
    if isinstance(value, str) and value and value[0] in _FORMULA_START:
        return "'" + value
    return value
