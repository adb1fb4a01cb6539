"""Intake intelligence at registration (DESIGN §6): category, unit, duplicates, PII, urgency,
location — and auto-dispatch when the model is confident enough.

One `IntakeIntelligence` per process. It keeps an in-memory duplicate index of recent appeals,
filled from the database on first use and topped up from `appeals.id > last seen` so that
appeals registered by other processes are found too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from jiesu.config import Settings
from jiesu.nlp import pii, urgency
from jiesu.nlp.duplicates import DuplicateIndex
from jiesu.nlp.location import Gazetteer, PolygonIndex
from jiesu.services.appeals import NewAppeal, Suggestions
from jiesu.store.tables import AppealRow, CategoryRow, SettingRow, UnitRow
from jiesu.store.uow import Database

log = logging.getLogger("jiesu.intake")

ROUTING_RULES_KEY = "routing_rules"  # [{"category": code prefix, "area": unit code, "unit": code}]
GAZETTEER_KEY = "gazetteer_csv"
POLYGONS_KEY = "grid_polygons"
URGENCY_RULES_KEY = "urgency_rules"


@dataclass
class CategoryGuess:
    code: str | None
    label: str
    name: str
    probability: float


@dataclass
class IntakeConfig:
    requester_window: timedelta = timedelta(days=30)
    area_window: timedelta = timedelta(days=7)
    duplicate_min_score: float = 0.5
    unit_min_share: float = 0.8  # history: share of a category's appeals that went to one unit
    unit_min_count: int = 20
    refresh_seconds: float = 5.0


@dataclass
class _Knowledge:
    """Slow-changing data loaded from the database and refreshed now and then."""

    categories: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (code, name)
    unit_codes: dict[str, int] = field(default_factory=dict)
    unit_names: dict[int, str] = field(default_factory=dict)
    unit_paths: dict[int, str] = field(default_factory=dict)
    routing: list[dict[str, str]] = field(default_factory=list)
    history: dict[str, Counter[int]] = field(default_factory=dict)  # category code -> units
    gazetteer: Gazetteer | None = None
    polygons: PolygonIndex | None = None
    urgency_rules: tuple[urgency.UrgencyRule, ...] | None = None
    loaded_at: float = 0.0


class IntakeIntelligence:
    """Computes `Suggestions` for a new appeal; used as the AppealService suggester."""

    def __init__(self, db: Database, settings: Settings, config: IntakeConfig | None = None,
                 classifier: Any | None = None) -> None:
        self.db = db
        self.settings = settings
        self.config = config or IntakeConfig()
        self._classifier = classifier
        self._classifier_loaded = classifier is not None
        self._lock = threading.Lock()
        self._index = DuplicateIndex()
        self._index_ready = False
        self._last_id = 0
        self._last_refresh = 0.0
        self._k = _Knowledge()

    # --- public ---------------------------------------------------------------------------

    def __call__(self, data: NewAppeal, now: datetime) -> Suggestions:
        return self.suggest(data, now)

    def suggest(self, data: NewAppeal, now: datetime) -> Suggestions:
        self._refresh(now)
        text = f"{data.title}\n{data.content}".strip()
        k = self._k
        out: dict[str, Any] = {}
        cats = self.categories(data.title, data.content)
        out["categories"] = [
            {"code": c.code, "label": c.label, "name": c.name, "probability": round(c.probability, 4)}
            for c in cats
        ]
        u = urgency.assess(text, k.urgency_rules) if k.urgency_rules else urgency.assess(text)
        out["urgency"] = {"level": u.level, "transfer_to": list(u.transfer_to),
                          "message": u.message, "matched": list(u.matched)}
        area_id = self._locate(data)
        if area_id is not None:
            out["area"] = {"unit_id": area_id, "name": k.unit_names.get(area_id)}
        category = data.category or (cats[0].code if cats else None)
        unit_id, unit_reason, unit_conf = self._unit_for(category, area_id)
        if unit_id is not None:
            out["unit"] = {"unit_id": unit_id, "name": k.unit_names.get(unit_id),
                           "reason": unit_reason, "confidence": round(unit_conf, 4)}
        out["duplicates"] = self.duplicates(text, data.requester_phone, area_id, now)
        out["pii"] = sorted({m.kind for m in pii.find_pii(text, _names(data))})
        threshold = self._threshold()
        auto_unit = None
        auto_category = None
        if (self.settings.auto_dispatch_enabled and cats and cats[0].code
                and threshold is not None and cats[0].probability >= threshold
                and unit_id is not None and unit_conf >= self.config.unit_min_share
                and not out["duplicates"] and data.category in (None, cats[0].code)):
            auto_unit = unit_id
            auto_category = cats[0].code
            out["auto_dispatch"] = {"unit_id": unit_id, "threshold": threshold}
        return Suggestions(
            data=out,
            urgency=u.level if u.level != "normal" else None,
            area_unit_id=area_id,
            auto_dispatch_unit_id=auto_unit,
            auto_category=auto_category if data.category is None else None,
        )

    def categories(self, title: str, content: str, k: int = 3) -> list[CategoryGuess]:
        model = self._model()
        if model is None:
            return []
        guesses = []
        for p in model.predict_top(title or "", content or "", k=k):
            code, name = self._k.categories.get(p.label, (None, p.label))
            guesses.append(CategoryGuess(code, p.label, name, float(p.probability)))
        return guesses

    def duplicates(self, text: str, phone: str | None, area_id: int | None,
                   now: datetime) -> list[dict[str, Any]]:
        with self._lock:
            found = self._index.candidates(
                text, _phone_key(phone), _area_key(area_id), now,
                requester_window=self.config.requester_window,
                area_window=self.config.area_window,
                min_score=self.config.duplicate_min_score, limit=5)
        if not found:
            return []
        ids = [c.appeal_id for c in found]
        with self.db.uow(write=False) as uow:
            info = {i: (code, title, content, status) for i, code, title, content, status in
                    uow.session.execute(select(AppealRow.id, AppealRow.code, AppealRow.title,
                                               AppealRow.content, AppealRow.status)
                                        .where(AppealRow.id.in_(ids)))}
        out = []
        for c in found:
            if c.appeal_id not in info:
                continue
            code, title, content, status = info[c.appeal_id]
            out.append({"id": c.appeal_id, "code": code, "score": round(float(c.score), 3),
                        "reason": c.reason, "status": status,
                        "title": title or content[:30]})
        return out

    def remember(self, appeal_id: int, data: NewAppeal, area_id: int | None,
                 at: datetime) -> None:
        """Index an appeal this process just registered (others arrive via the top-up)."""
        text = f"{data.title}\n{data.content}".strip()
        with self._lock:
            if self._index_ready:
                self._index.add(appeal_id, text, _phone_key(data.requester_phone),
                                _area_key(area_id), at)

    def reload(self) -> None:
        """Forget cached knowledge and the classifier (after admin changes or `nlp activate`)."""
        with self._lock:
            self._k.loaded_at = 0.0
            self._classifier_loaded = False

    # --- internals ------------------------------------------------------------------------

    def _model(self) -> Any | None:
        if not self._classifier_loaded:
            self._classifier = _load_classifier(self.settings)
            self._classifier_loaded = True
        return self._classifier

    def _threshold(self) -> float | None:
        model = self._model()
        value = getattr(model, "threshold", None)
        return float(value) if value is not None else None

    def _refresh(self, now: datetime) -> None:
        mono = time.monotonic()
        if mono - self._last_refresh < self.config.refresh_seconds and self._index_ready:
            return
        with self._lock:
            if mono - self._last_refresh < self.config.refresh_seconds and self._index_ready:
                return
            self._last_refresh = mono
            if mono - self._k.loaded_at > 60 or not self._k.loaded_at:
                self._k = self._load_knowledge()
            self._top_up_index(now)

    def _top_up_index(self, now: datetime) -> None:
        since = now - max(self.config.requester_window, self.config.area_window)
        with self.db.uow(write=False) as uow:
            stmt = (select(AppealRow.id, AppealRow.title, AppealRow.content,
                           AppealRow.requester_phone, AppealRow.area_unit_id,
                           AppealRow.created_at)
                    .where(AppealRow.id > self._last_id)
                    .order_by(AppealRow.id))
            if not self._index_ready:
                stmt = stmt.where(AppealRow.created_at >= since)
            for appeal_id, title, content, phone, area, created in uow.session.execute(stmt):
                self._index.add(appeal_id, f"{title}\n{content}".strip(), _phone_key(phone),
                                _area_key(area), created)
                self._last_id = appeal_id
        self._index.evict_older_than(since)
        self._index_ready = True

    def _load_knowledge(self) -> _Knowledge:
        k = _Knowledge(loaded_at=time.monotonic())
        with self.db.uow(write=False) as uow:
            s = uow.session
            for code, name, full_name, level in s.execute(
                    select(CategoryRow.code, CategoryRow.name, CategoryRow.full_name,
                           CategoryRow.level)):
                k.categories[full_name] = (code, full_name)
                if level == 1:
                    k.categories.setdefault(name, (code, full_name))
            for uid, code, name, path in s.execute(
                    select(UnitRow.id, UnitRow.code, UnitRow.name, UnitRow.path)):
                k.unit_codes[code] = uid
                k.unit_names[uid] = name
                k.unit_paths[uid] = path
            settings = {r.key: r.value for r in s.scalars(select(SettingRow).where(
                SettingRow.key.in_([ROUTING_RULES_KEY, GAZETTEER_KEY, POLYGONS_KEY,
                                    URGENCY_RULES_KEY])))}
            history: dict[str, Counter[int]] = defaultdict(Counter)
            for cat, unit in s.execute(
                    select(AppealRow.category, AppealRow.lead_unit_id)
                    .where(AppealRow.status == "closed", AppealRow.category.is_not(None),
                           AppealRow.lead_unit_id.is_not(None))
                    .order_by(AppealRow.id.desc()).limit(200_000)):
                history[cat][unit] += 1
            k.history = dict(history)
        k.routing = list(settings.get(ROUTING_RULES_KEY) or [])
        if settings.get(GAZETTEER_KEY):
            try:
                k.gazetteer = Gazetteer.from_csv(_text_io(settings[GAZETTEER_KEY]))
            except Exception:  # a broken upload must not stop registration
                log.exception("gazetteer could not be loaded")
        if settings.get(POLYGONS_KEY):
            try:
                k.polygons = PolygonIndex.from_geojson(settings[POLYGONS_KEY])
            except Exception:
                log.exception("grid polygons could not be loaded")
        if settings.get(URGENCY_RULES_KEY):
            k.urgency_rules = urgency.rules_from_dicts(settings[URGENCY_RULES_KEY])
        return k

    def _locate(self, data: NewAppeal) -> int | None:
        k = self._k
        code: str | None = None
        if data.latitude is not None and data.longitude is not None and k.polygons:
            code = k.polygons.locate(data.latitude, data.longitude)
        if code is None and data.address and k.gazetteer:
            match = k.gazetteer.resolve(data.address)
            if match is not None:
                code = match.deepest.code
        return k.unit_codes.get(code) if code else None

    def _unit_for(self, category: str | None, area_id: int | None
                  ) -> tuple[int | None, str, float]:
        """Admin routing rules first (most specific), then what history says."""
        k = self._k
        best: tuple[int, int] | None = None  # (specificity, unit id)
        area_path = k.unit_paths.get(area_id) if area_id is not None else None
        for rule in k.routing:
            cat_ok = not rule.get("category") or (
                category is not None and (category == rule["category"]
                                          or category.startswith(rule["category"] + ".")))
            area_rule = rule.get("area")
            area_ok = not area_rule or (
                area_path is not None and area_rule in k.unit_codes
                and area_path.startswith(k.unit_paths[k.unit_codes[area_rule]]))
            unit = k.unit_codes.get(rule.get("unit", ""))
            if cat_ok and area_ok and unit is not None:
                spec = len(rule.get("category") or "") + (1000 if area_rule else 0)
                if best is None or spec > best[0]:
                    best = (spec, unit)
        if best is not None:
            return best[1], "rule", 1.0
        if category and category in k.history:
            counts = k.history[category]
            unit, n = counts.most_common(1)[0]
            total = sum(counts.values())
            if total >= self.config.unit_min_count:
                return unit, "history", n / total
            return unit, "history", (n / total) * (total / self.config.unit_min_count)
        return None, "", 0.0


def _load_classifier(settings: Settings) -> Any | None:
    """The active trained model, else the keyword cold start, else nothing."""
    try:
        from jiesu.nlp.classify import ModelRegistry

        model = ModelRegistry(settings.model_dir).active()
        if model is not None:
            return model
    except Exception:  # a missing or unreadable model falls back to keywords
        log.exception("active classifier could not be loaded; using keyword rules")
    try:
        from jiesu.nlp.keywords import KeywordClassifier

        return KeywordClassifier()
    except ImportError:
        return None


def _names(data: NewAppeal) -> list[str]:
    return [data.requester_name] if data.requester_name else []


def _phone_key(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits or None


def _area_key(area_id: int | None) -> str | None:
    return str(area_id) if area_id is not None else None


def _text_io(text: str) -> Any:
    import io

    return io.StringIO(text)
