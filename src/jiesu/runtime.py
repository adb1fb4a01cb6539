"""Wires settings to the database and services for one process (app, CLI or job runner)."""

from __future__ import annotations

from dataclasses import dataclass, field

from jiesu.config import Settings
from jiesu.services.appeals import AppealService, Suggester
from jiesu.services.auth import Authenticator
from jiesu.services.rules import RulesProvider
from jiesu.store.uow import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    rules: RulesProvider
    auth: Authenticator
    appeals: AppealService
    extras: dict[str, object] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings | None = None, *, suggester: Suggester | None = None) -> Runtime:
        settings = settings or Settings()
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        rules = RulesProvider(db, settings)
        auth = Authenticator(db, settings.secret_key, ttl_hours=settings.token_ttl_hours)
        appeals = AppealService(db, rules, suggester)
        return cls(settings, db, rules, auth, appeals)

    def close(self) -> None:
        self.db.dispose()
