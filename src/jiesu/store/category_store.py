"""Taxonomy lookups (事项分类) for registration's category check and the admin's additions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from jiesu.store.tables import CategoryRow


def _under(parent_id: int | None) -> ColumnElement[bool]:
    return CategoryRow.parent_id.is_(None) if parent_id is None \
        else CategoryRow.parent_id == parent_id


def category_id(session: Session, code: str) -> int | None:
    """The id of the category with this code (None when there is none)."""
    return session.scalar(select(CategoryRow.id).where(CategoryRow.code == code))


def category_by_code(session: Session, code: str) -> CategoryRow | None:
    """The category with this code."""
    return session.scalar(select(CategoryRow).where(CategoryRow.code == code))


def every_category(session: Session) -> list[CategoryRow]:
    """Every category, in no particular order (a bulk import indexes them by parent)."""
    return list(session.scalars(select(CategoryRow)))


def category_name_taken(session: Session, parent_id: int | None, name: str) -> bool:
    """A category under `parent_id` (None: a first-level one) already has this name."""
    return bool(session.scalar(select(CategoryRow.id).where(_under(parent_id),
                                                            CategoryRow.name == name)))


def category_codes_under(session: Session, parent_id: int | None) -> set[str]:
    """The codes of the categories directly under `parent_id` (None: the first level)."""
    return set(session.scalars(select(CategoryRow.code).where(_under(parent_id))))
