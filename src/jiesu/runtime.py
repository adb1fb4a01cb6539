"""Wires settings to the database and services for one process (app, CLI or job runner)."""

from __future__ import annotations

from dataclasses import dataclass, field

from jiesu.adapters.notify import Notifier, notifiers_from_settings
from jiesu.config import Settings
from jiesu.services.appeals import AppealService, Suggester
from jiesu.services.auth import Authenticator
from jiesu.services.hotspots import HotspotService
from jiesu.services.intake import IntakeIntelligence
from jiesu.services.kept import KeptFigures
from jiesu.services.knowledge import KnowledgeService
from jiesu.services.policies import PolicyService
from jiesu.services.rules import RulesProvider
from jiesu.services.throttle import AttemptLimiter, ItemRatingLimit, SubmissionLimit
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
    def create(cls, settings: Settings | None = None, *, suggester: Suggester | None = None,
               with_intelligence: bool = True) -> Runtime:
        """Wire one process. Registration runs intake intelligence unless told otherwise."""
        settings = settings or Settings()
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        rules = RulesProvider(db, settings)
        auth = Authenticator(db, settings.secret_key, ttl_hours=settings.token_ttl_hours)
        extras: dict[str, object] = {}
        on_registered = None
        if suggester is None and with_intelligence:
            intake = IntakeIntelligence(db, settings)
            extras["intake"] = intake
            suggester, on_registered = intake, intake.remember
        appeals = AppealService(db, rules, suggester, on_registered)
        return cls(settings, db, rules, auth, appeals, extras)

    @property
    def intake(self) -> IntakeIntelligence | None:
        value = self.extras.get("intake")
        return value if isinstance(value, IntakeIntelligence) else None

    def unit_tree_changed(self) -> None:
        """After a unit moved: this process forgets the users it keeps (each carries its unit
        subtree) and intake's unit paths; other processes within their cache times."""
        self.auth.forget()
        if self.intake is not None:
            self.intake.reload()

    @property
    def hotspots(self) -> HotspotService:
        """The process's hotspot service (it keeps the hotspots it computed for five minutes)."""
        value = self.extras.get("hotspots")
        if not isinstance(value, HotspotService):
            made = HotspotService(self.db, self.appeals,
                                  window_days=self.settings.hotspot_window_days)
            value = self.extras.setdefault("hotspots", made)  # a racing thread's may win
        assert isinstance(value, HotspotService)
        return value

    @property
    def figures(self) -> KeptFigures:
        """Aggregate figures this process computed lately (the dashboard, the public figures,
        万人诉求比), kept a minute and shared by the pages and the API."""
        value = self.extras.get("figures")
        if not isinstance(value, KeptFigures):
            value = self.extras.setdefault("figures", KeptFigures())
        assert isinstance(value, KeptFigures)
        return value

    @property
    def lookup_limiter(self) -> AttemptLimiter:
        """Wrong guesses at the public code + phone lookups (counted in the database)."""
        value = self.extras.get("lookup_limiter")
        if not isinstance(value, AttemptLimiter):
            value = self.extras.setdefault("lookup_limiter", AttemptLimiter(self.db))
        assert isinstance(value, AttemptLimiter)
        return value

    @property
    def submission_limit(self) -> SubmissionLimit:
        """The public form's limit per phone number and client address (in the database)."""
        value = self.extras.get("submission_limit")
        if not isinstance(value, SubmissionLimit):
            made = SubmissionLimit(self.db, per_phone=self.settings.submit_per_phone,
                                   per_address=self.settings.submit_per_address,
                                   secret=self.settings.secret_key)
            value = self.extras.setdefault("submission_limit", made)
        assert isinstance(value, SubmissionLimit)
        return value

    @property
    def item_rating_limit(self) -> ItemRatingLimit:
        """Service-item ratings per client address and item (in the database)."""
        value = self.extras.get("item_rating_limit")
        if not isinstance(value, ItemRatingLimit):
            made = ItemRatingLimit(self.db, per_address=self.settings.item_ratings_per_address)
            value = self.extras.setdefault("item_rating_limit", made)
        assert isinstance(value, ItemRatingLimit)
        return value

    @property
    def policies(self) -> PolicyService:
        """The process's enterprise-policy service (shares the lookup limiter)."""
        value = self.extras.get("policies")
        if not isinstance(value, PolicyService):
            made = PolicyService(self.db, self.rules, self.settings, limiter=self.lookup_limiter)
            value = self.extras.setdefault("policies", made)
        assert isinstance(value, PolicyService)
        return value

    @property
    def knowledge(self) -> KnowledgeService:
        """The process's knowledge-base service (it keeps the search index)."""
        value = self.extras.get("knowledge")
        if not isinstance(value, KnowledgeService):
            value = self.extras.setdefault("knowledge", KnowledgeService(self.db, self.settings))
        assert isinstance(value, KnowledgeService)
        return value

    @property
    def notifiers(self) -> dict[str, Notifier]:
        """The process's notification channels by name (sms, email, webhook), made from the
        settings on first use; an unconfigured channel is a NullNotifier that only logs."""
        value = self.extras.get("notifiers")
        if not isinstance(value, dict):
            value = self.extras.setdefault("notifiers", notifiers_from_settings(self.settings))
        assert isinstance(value, dict)
        return value

    @notifiers.setter
    def notifiers(self, value: dict[str, Notifier]) -> None:
        self.extras["notifiers"] = value  # tests swap in NullNotifiers and read what they kept

    def close(self) -> None:
        self.db.dispose()
