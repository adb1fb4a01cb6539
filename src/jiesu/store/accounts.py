"""Store side of accounts: staff users by username and the API keys of Open311 clients."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiesu.store.exchange_tables import ApiKeyRow
from jiesu.store.tables import UserRow


def user_by_username(session: Session, username: str) -> UserRow | None:
    """The user with this username (active or not), if any."""
    return session.scalar(select(UserRow).where(UserRow.username == username))


def user_for_update(session: Session, user_id: int) -> UserRow | None:
    """The user with this id, its row locked until the transaction ends (PostgreSQL)."""
    return session.scalar(select(UserRow).where(UserRow.id == user_id).with_for_update())


def lock_active_admins(session: Session) -> list[int]:
    """The ids of the active administrators, their rows locked until the transaction ends
    (PostgreSQL), so that two administrators demoting each other at once cannot both see the
    other still there: the second waits, then reads the first's change."""
    return list(session.scalars(select(UserRow.id).where(
        UserRow.role == "admin", UserRow.active.is_(True)).order_by(UserRow.id).with_for_update()))


def api_key_id_by_name(session: Session, name: str) -> int | None:
    """The id of the API key of the client with this name (revoked or not), if any."""
    return session.scalar(select(ApiKeyRow.id).where(ApiKeyRow.name == name))


def api_key_by_hash(session: Session, key_hash: str) -> ApiKeyRow | None:
    """The API key whose hash this is (revoked or not), if any."""
    return session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash))


def all_api_keys(session: Session) -> list[ApiKeyRow]:
    """Every API key, revoked ones included, by id."""
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id)))
