"""Store side of accounts: staff users by username and the API keys of Open311 clients."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiesu.store.exchange_tables import ApiKeyRow
from jiesu.store.tables import UserRow


def user_by_username(session: Session, username: str) -> UserRow | None:
    """The user with this username (active or not), if any."""
    return session.scalar(select(UserRow).where(UserRow.username == username))


def api_key_id_by_name(session: Session, name: str) -> int | None:
    """The id of the API key of the client with this name (revoked or not), if any."""
    return session.scalar(select(ApiKeyRow.id).where(ApiKeyRow.name == name))


def api_key_by_hash(session: Session, key_hash: str) -> ApiKeyRow | None:
    """The API key whose hash this is (revoked or not), if any."""
    return session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash))


def all_api_keys(session: Session) -> list[ApiKeyRow]:
    """Every API key, revoked ones included, by id."""
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id)))
