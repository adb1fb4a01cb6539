"""Store side of intake intelligence: its admin configuration and the history it learns from.

Routing rules, urgency rules, the gazetteer and grid polygons live in the `settings` key/value
table under the keys below; keyword rules live on the categories (`categories.keywords`, the
same comma-separated list Open311 publishes as a service's keywords).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jiesu.store.tables import AppealRow, CategoryRow, SettingRow, UnitRow

ROUTING_RULES_KEY = "routing_rules"  # [{"category": code prefix, "area": unit code, "unit": code}]
GAZETTEER_KEY = "gazetteer_csv"  # the uploaded CSV text
POLYGONS_KEY = "grid_polygons"  # a GeoJSON FeatureCollection (object)
URGENCY_RULES_KEY = "urgency_rules"  # [{name, keywords, level, transfer_to, message, exclude}]
INTAKE_KEYS = (ROUTING_RULES_KEY, GAZETTEER_KEY, POLYGONS_KEY, URGENCY_RULES_KEY)

# Keywords are stored comma-separated; people also type the Chinese comma, 、, | and ;.
_KEYWORD_SEPARATORS = re.compile(r"[,，、|;；\n]")


def split_keywords(text: str | None) -> list[str]:
    """The keywords of a `categories.keywords` value, in order, without blanks or repeats."""
    return list(dict.fromkeys(k.strip() for k in _KEYWORD_SEPARATORS.split(text or "")
                              if k.strip()))


def join_keywords(keywords: Iterable[str]) -> str:
    return ",".join(keywords)


@dataclass(frozen=True)
class StoredSetting:
    value: Any
    updated_at: datetime


def read_settings(session: Session, keys: Iterable[str] = INTAKE_KEYS
                  ) -> dict[str, StoredSetting]:
    rows = session.scalars(select(SettingRow).where(SettingRow.key.in_(list(keys))))
    return {r.key: StoredSetting(r.value, r.updated_at) for r in rows}


def write_setting(session: Session, key: str, value: Any, now: datetime) -> None:
    row = session.get(SettingRow, key)
    if row is None:
        session.add(SettingRow(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now


def delete_setting(session: Session, key: str) -> None:
    session.execute(delete(SettingRow).where(SettingRow.key == key))


def unit_ids_by_code(session: Session) -> dict[str, int]:
    return {code: uid for uid, code in session.execute(select(UnitRow.id, UnitRow.code))}


def units(session: Session) -> list[tuple[int, str, str, str, str]]:
    """(id, code, name, path, group) of every unit."""
    return [(uid, code, name, path, group) for uid, code, name, path, group in session.execute(
        select(UnitRow.id, UnitRow.code, UnitRow.name, UnitRow.path, UnitRow.group))]


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    full_name: str
    level: int
    active: bool
    keywords: str


def categories(session: Session) -> list[CategoryInfo]:
    """Every category, ordered by code."""
    return [CategoryInfo(*row) for row in session.execute(
        select(CategoryRow.id, CategoryRow.code, CategoryRow.name, CategoryRow.full_name,
               CategoryRow.level, CategoryRow.active, CategoryRow.keywords)
        .order_by(CategoryRow.code))]


def replace_keywords(session: Session, keywords: Mapping[int, str]) -> int:
    """Set every category's keywords: those in `keywords` (by id) get theirs, the rest none.

    Returns how many categories changed.
    """
    changed = 0
    for row in session.scalars(select(CategoryRow)):
        value = keywords.get(row.id, "")
        if (row.keywords or "") != value:
            row.keywords = value
            changed += 1
    return changed


def unit_history(session: Session, limit: int = 200_000
                 ) -> list[tuple[str, int | None, int, int]]:
    """(category, area unit id, lead unit id, count) over the latest `limit` closed appeals."""
    recent = (select(AppealRow.category, AppealRow.area_unit_id, AppealRow.lead_unit_id)
              .where(AppealRow.status == "closed", AppealRow.category.is_not(None),
                     AppealRow.lead_unit_id.is_not(None))
              .order_by(AppealRow.id.desc()).limit(limit).subquery())
    stmt = (select(recent.c.category, recent.c.area_unit_id, recent.c.lead_unit_id,
                   func.count())
            .group_by(recent.c.category, recent.c.area_unit_id, recent.c.lead_unit_id))
    return [(cat, area, unit, int(n)) for cat, area, unit, n in session.execute(stmt)]


def appeals_created_since(
    session: Session, since: datetime
) -> Iterator[tuple[int, str, str, str | None, int | None, datetime]]:
    """(id, title, content, requester phone, area unit, created) of the appeals created since
    `since`, oldest first (ix_appeals_created_at), streamed: what the duplicate index is built
    and topped up from (a first build reads a month of appeals)."""
    rows = session.execute(
        select(AppealRow.id, AppealRow.title, AppealRow.content, AppealRow.requester_phone,
               AppealRow.area_unit_id, AppealRow.created_at)
        .where(AppealRow.created_at >= since)
        .order_by(AppealRow.created_at, AppealRow.id)
        .execution_options(yield_per=2000))
    for i, t, c, p, a, at in rows:
        yield i, t or "", c or "", p, a, at


def appeal_summaries(session: Session, ids: list[int]
                     ) -> dict[int, tuple[str | None, str, str, str]]:
    """Appeal id → (code, title, content, status) of those of `ids` that exist: what a
    duplicate candidate is shown with."""
    return {i: (code, title, content, status) for i, code, title, content, status in
            session.execute(select(AppealRow.id, AppealRow.code, AppealRow.title,
                                   AppealRow.content, AppealRow.status)
                            .where(AppealRow.id.in_(ids)))}


def appeal_suggestions(session: Session, appeal_id: int | None) -> dict[str, Any] | None:
    """What intake suggested when the appeal was registered (its `suggestions` record)."""
    return session.scalar(select(AppealRow.suggestions).where(AppealRow.id == appeal_id))
