"""Intake intelligence at registration (DESIGN §6): category, unit, duplicates, PII, urgency,
location — and auto-dispatch when the model is confident enough.

One `IntakeIntelligence` per process. It keeps an in-memory duplicate index of recent appeals,
filled from the database on first use and topped up from `appeals.id > last seen` so that
appeals registered by other processes are found too.
"""

from __future__ import annotations

import gc
import io
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from jiesu.config import Settings
from jiesu.domain.appeal import phone_digits
from jiesu.domain.text import shorten
from jiesu.domain.unit_tree import TERRITORIAL_LEVEL
from jiesu.nlp import pii, urgency
from jiesu.nlp.duplicates import DuplicateIndex
from jiesu.nlp.location import Gazetteer, PolygonIndex
from jiesu.services.appeals import NewAppeal, Suggestions
from jiesu.services.intake_config import keyword_rules
from jiesu.store import intake_store
from jiesu.store.intake_store import (
    GAZETTEER_KEY,
    POLYGONS_KEY,
    ROUTING_RULES_KEY,
    URGENCY_RULES_KEY,
)
from jiesu.store.uow import Database

log = logging.getLogger("jiesu.intake")

__all__ = ["GAZETTEER_KEY", "POLYGONS_KEY", "ROUTING_RULES_KEY", "URGENCY_RULES_KEY",
           "CategoryGuess", "IntakeConfig", "IntakeIntelligence"]


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
    # History of one category in one area (or an area above it) counts once it has this many
    # closed appeals; below that the category's history over the whole city decides.
    area_min_count: int = 3
    refresh_seconds: float = 5.0  # duplicate index top-up
    knowledge_seconds: float = 60.0  # admin configuration and history, reloaded in background
    background_reload: bool = True


# A top-up reads again the appeals created this long before the previous one read: they may
# have been committed after it.
TOP_UP_SLACK = timedelta(seconds=30)
DEEPEST_LEVEL = max(TERRITORIAL_LEVEL.values())
# A first build of at least this many appeals is frozen out of the garbage collector's walks
FREEZE_INDEX_AT = 100_000


@dataclass(frozen=True)
class _Precedents:
    """The closed appeals of one category (in one area, or anywhere) by lead unit, summed up by
    属地 when history loads, so that reading them as seen from an appeal's area (`_as_local`)
    is a few lookups along that area's chain, however many units led them."""

    total: int
    own: dict[int, int]  # territorial unit -> the appeals it led itself
    by_level: tuple[int, ...]  # level -> appeals led by units whose 属地 is of that level
    by_territory: dict[int, int]  # 属地 -> appeals led by it or its own departments
    # 属地 (None: units with none) -> its busiest unit other than itself, with its appeals
    best_other: dict[int | None, tuple[int, int]]
    busiest: tuple[int, int]  # the unit that led most of them, and how many (not located)


@dataclass
class _Knowledge:
    """Slow-changing data loaded from the database and refreshed now and then.

    Never changed after loading: a refresh builds a new one and swaps it in.
    """

    categories: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (code, name)
    unit_codes: dict[str, int] = field(default_factory=dict)
    unit_names: dict[int, str] = field(default_factory=dict)
    unit_paths: dict[int, str] = field(default_factory=dict)
    # unit id -> the unit and its ancestors, deepest first (from the materialised path)
    unit_chain: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # territorial unit id -> its level (city 0, district 1, street 2, ...)
    unit_level: dict[int, int] = field(default_factory=dict)
    # unit id -> its 属地: itself if territorial, else its nearest territorial ancestor (a
    # district's own department: the district; a city department: the city)
    territory: dict[int, int] = field(default_factory=dict)
    # territorial unit id -> for each level (city 0, district 1, ...) the unit that stands for
    # it there: the deepest of its chain at that level or above (see `_as_local`)
    local_units: dict[int, tuple[int, ...]] = field(default_factory=dict)
    routing: list[dict[str, str]] = field(default_factory=list)
    history: dict[str, _Precedents] = field(default_factory=dict)  # category code -> leads
    # (category code, area unit id or an ancestor of it) -> lead units
    area_history: dict[tuple[str, int], _Precedents] = field(default_factory=dict)
    gazetteer: Gazetteer | None = None
    polygons: PolygonIndex | None = None
    urgency_rules: tuple[urgency.UrgencyRule, ...] | None = None
    keywords: Any | None = None  # cold-start KeywordClassifier (admin keywords or defaults)
    # The active trained model's version when this was loaded: `jiesu nlp activate` in another
    # process (or a shell) reaches this one with the next knowledge refresh.
    model_version: str | None = None
    generation: int = 0
    loaded_at: float = 0.0


class IntakeIntelligence:
    """Computes `Suggestions` for a new appeal; used as the AppealService suggester."""

    def __init__(self, db: Database, settings: Settings, config: IntakeConfig | None = None,
                 classifier: Any | None = None) -> None:
        self.db = db
        self.settings = settings
        self.config = config or IntakeConfig()
        self._injected = classifier  # a classifier given by the caller is kept on reload
        self._trained: Any | None = None
        self._trained_loaded = False
        self._trained_version: str | None = None
        self._lock = threading.Lock()  # the duplicate index
        self._index = DuplicateIndex()
        self._index_ready = False
        self._build_lock = threading.Lock()  # the first, synchronous build of the index
        self._top_up: threading.Thread | None = None
        self._cursor = datetime.min.replace(tzinfo=UTC)  # creation time read up to
        self._unindexable: dict[int, datetime] = {}  # no phone, no area: skipped, by created
        self._last_refresh = 0.0
        self._knowledge_lock = threading.Lock()
        self._k: _Knowledge | None = None
        # Bumped by reload(): knowledge of an older generation is never used again, and a
        # background load started before the change is thrown away.
        self._generation = 0
        self._background: threading.Thread | None = None
        self._retry_at = 0.0

    # --- public ---------------------------------------------------------------------------

    def __call__(self, data: NewAppeal, now: datetime) -> Suggestions:
        return self.suggest(data, now)

    def suggest(self, data: NewAppeal, now: datetime) -> Suggestions:
        k = self._knowledge()
        self._refresh(now)
        text = f"{data.title}\n{data.content}".strip()
        out: dict[str, Any] = {}
        cats = self._categories(k, data.title, data.content)
        out["categories"] = [
            {"code": c.code, "label": c.label, "name": c.name,
             "probability": round(c.probability, 4)} for c in cats
        ]
        u = urgency.assess(text, k.urgency_rules)
        out["urgency"] = {"level": u.level, "transfer_to": list(u.transfer_to),
                          "message": u.message, "matched": list(u.matched)}
        area_id = self._locate(k, data)
        if area_id is not None:
            out["area"] = {"unit_id": area_id, "name": k.unit_names.get(area_id)}
        # the category the operator set, else the classifier's guess; kept with the unit so a
        # page can tell when the appeal's category has changed since (a dispatcher's, on a
        # returned appeal) and ask `unit_suggestion` again
        category = data.category or (cats[0].code if cats else None)
        out["unit_category"] = category
        unit_id, unit_reason, unit_conf = self._unit_for(k, category, area_id)
        if unit_id is not None:
            out["unit"] = _unit_shape(k, unit_id, unit_reason, unit_conf)
        out["duplicates"] = self.duplicates(text, data.requester_phone, area_id, now)
        out["pii"] = sorted({m.kind for m in pii.find_pii(text, _names(data))})
        threshold = self._threshold(k, data.title)
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

    def unit_suggestion(self, category: str | None, area_id: int | None
                        ) -> dict[str, Any] | None:
        """The lead unit suggested now for an appeal of `category` located in `area_id`
        (routing rules, then history; a few lookups), shaped as `suggest` stores it."""
        k = self._knowledge()
        unit_id, reason, confidence = self._unit_for(k, category, area_id)
        return None if unit_id is None else _unit_shape(k, unit_id, reason, confidence)

    def categories(self, title: str, content: str, k: int = 3) -> list[CategoryGuess]:
        return self._categories(self._knowledge(), title, content, k)

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
            info = intake_store.appeal_summaries(uow.session, ids)
        out = []
        for c in found:
            if c.appeal_id not in info:
                continue
            code, title, content, status = info[c.appeal_id]
            out.append({"id": c.appeal_id, "code": code, "score": round(float(c.score), 3),
                        "reason": c.reason, "status": status,
                        "title": title or shorten(content, 30)})
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
        """Forget cached knowledge and the trained model (after admin changes or `nlp activate`).

        The next suggestion loads them again, so a change made in this process counts at once.
        """
        with self._knowledge_lock:
            self._generation += 1
            self._trained_loaded = False

    # --- internals ------------------------------------------------------------------------

    def _knowledge(self) -> _Knowledge:
        """Current knowledge; loaded here when missing or invalidated, else refreshed in the
        background once older than `knowledge_seconds` (the request keeps the old one)."""
        k = self._k
        if k is not None and k.generation == self._generation:
            if time.monotonic() - k.loaded_at > self.config.knowledge_seconds:
                self._refresh_knowledge_later(k)
            return k
        with self._knowledge_lock:
            k = self._k
            if k is None or k.generation != self._generation:
                k = self._load_knowledge(self._generation)
                self._k = k
            return k

    def _refresh_knowledge_later(self, stale: _Knowledge) -> None:
        if not self.config.background_reload:
            with self._knowledge_lock:
                if self._k is stale:
                    self._k = self._load_knowledge(self._generation)
            return
        with self._knowledge_lock:
            busy = self._background is not None and self._background.is_alive()
            if busy or self._k is not stale or time.monotonic() < self._retry_at:
                return
            generation = self._generation
            self._background = threading.Thread(
                target=self._load_in_background, args=(generation,),
                name="jiesu-intake-knowledge", daemon=True)
            self._background.start()

    def _load_in_background(self, generation: int) -> None:
        try:
            k = self._load_knowledge(generation)
        except Exception:  # keep serving the old knowledge; try again a little later
            log.exception("intake knowledge could not be reloaded")
            self._retry_at = time.monotonic() + 10
            return
        with self._knowledge_lock:
            if generation == self._generation:
                self._k = k

    def _categories(self, k: _Knowledge, title: str, content: str,
                    n: int = 3) -> list[CategoryGuess]:
        model = self._model(k)
        if model is None:
            return []
        guesses = []
        for p in model.predict_top(title or "", content or "", k=n):
            code, name = k.categories.get(p.label, (None, p.label))
            guesses.append(CategoryGuess(code, p.label, name, float(p.probability)))
        return guesses

    def _model(self, k: _Knowledge) -> Any | None:
        """The injected classifier, else the active trained model, else the keyword rules."""
        if self._injected is not None:
            return self._injected
        if not self._trained_loaded or k.model_version != self._trained_version:
            with self._knowledge_lock:
                if not self._trained_loaded or k.model_version != self._trained_version:
                    self._trained = _load_trained(self.settings)
                    self._trained_version = k.model_version
                    self._trained_loaded = True
        return self._trained if self._trained is not None else k.keywords

    def _threshold(self, k: _Knowledge, title: str | None) -> float | None:
        """The model's auto-dispatch threshold for this appeal; None: never auto-dispatch."""
        model = self._model(k)
        per_title = getattr(model, "threshold_for", None)  # trained models: by title or not
        value = per_title(title or "") if per_title else getattr(model, "threshold", None)
        return float(value) if value is not None else None

    def _refresh(self, now: datetime) -> None:
        """Top up the duplicate index with appeals registered since (also by other processes).

        The first build runs here; later top-ups run in a background thread, so no request
        waits for another process's appeals to be read and hashed.
        """
        mono = time.monotonic()
        if not self._index_ready:
            with self._build_lock:
                if not self._index_ready:
                    self._last_refresh = mono
                    self._top_up_index(now)
                    self.settle_index()
            return
        if mono - self._last_refresh < self.config.refresh_seconds:
            return
        with self._lock:
            busy = self._top_up is not None and self._top_up.is_alive()
            if busy or mono - self._last_refresh < self.config.refresh_seconds:
                return
            self._last_refresh = mono
            if self.config.background_reload:
                self._top_up = threading.Thread(target=self._top_up_logged, args=(now,),
                                                name="jiesu-duplicate-top-up", daemon=True)
                self._top_up.start()
                return
        self._top_up_index(now)

    def settle_index(self) -> None:
        """Take a freshly built, large duplicate index out of the garbage collector's walks.

        A full collection walks every tracked object, and a million-appeal index is millions
        of them (buckets, the id map): a pause of 185 ms for every thread (`bench/nlp.py`),
        in the middle of some registration. Built once and long-lived, the index is frozen like
        the objects that exist at startup (`jiesu.app`); appeals added later by top-ups stay
        tracked, and entries evicted later are still freed (by reference counting). Small
        indexes are not worth the one collection this costs.
        """
        if len(self._index) >= FREEZE_INDEX_AT:
            gc.collect()
            gc.freeze()

    def _top_up_logged(self, now: datetime) -> None:
        try:
            self._top_up_index(now)
        except Exception:  # the next top-up tries again; registration goes on meanwhile
            log.exception("duplicate index top-up failed")

    def _top_up_index(self, now: datetime) -> None:
        """Index the appeals created since the last top-up (less a slack), skipping known ones.

        By creation time, not by id: ids are not committed in order (each process takes its
        ids from the sequence a block at a time, and transactions end in any order), so an
        id cursor would pass over another process's appeals for good. The slack covers a
        registration still in flight when the previous top-up read.
        """
        window = max(self.config.requester_window, self.config.area_window)
        since = now - window if not self._index_ready else max(
            now - window, self._cursor - TOP_UP_SLACK)
        fresh: list[tuple[int, str, str | None, str | None, datetime]] = []

        def add_fresh() -> None:
            with self._lock:  # in chunks of 100 (~4 ms): searches go on between them
                for appeal_id, text, phone_key, area_key, created in fresh:
                    if appeal_id not in self._index:
                        self._index.add(appeal_id, text, phone_key, area_key, created)
            fresh.clear()

        with self.db.uow(write=False) as uow:
            for appeal_id, title, content, phone, area, created in (
                    intake_store.appeals_created_since(uow.session, since)):
                if appeal_id in self._unindexable or appeal_id in self._index:
                    continue
                if not phone and area is None:  # nothing could ever be matched against it
                    self._unindexable[appeal_id] = created
                    continue
                fresh.append((appeal_id, f"{title}\n{content}".strip(), _phone_key(phone),
                              _area_key(area), created))
                if len(fresh) >= 100:
                    add_fresh()
        add_fresh()
        with self._lock:
            self._index.evict_older_than(now - window)
            self._index_ready = True
        self._cursor = now
        cutoff = now - TOP_UP_SLACK
        self._unindexable = {i: c for i, c in self._unindexable.items() if c >= cutoff}

    def _load_knowledge(self, generation: int) -> _Knowledge:
        k = _Knowledge(generation=generation, loaded_at=time.monotonic(),
                       model_version=_active_version(self.settings))
        with self.db.uow(write=False) as uow:
            s = uow.session
            cats = intake_store.categories(s)
            units = intake_store.units(s)
            stored = {key: v.value for key, v in intake_store.read_settings(s).items()}
            history = intake_store.unit_history(s)
        for c in cats:
            k.categories[c.full_name] = (c.code, c.full_name)
            if c.level == 1:
                k.categories.setdefault(c.name, (c.code, c.full_name))
        _add_units(k, units)
        _add_history(k, history, self.config.area_min_count)
        # A broken stored value must not stop registration: log it and go on without it.
        k.routing = list(stored.get(ROUTING_RULES_KEY) or [])
        if stored.get(GAZETTEER_KEY):
            try:
                k.gazetteer = Gazetteer.from_csv(io.StringIO(stored[GAZETTEER_KEY]))
            except Exception:
                log.exception("gazetteer could not be loaded")
        if stored.get(POLYGONS_KEY):
            try:
                k.polygons = PolygonIndex.from_geojson(stored[POLYGONS_KEY])
            except Exception:
                log.exception("grid polygons could not be loaded")
        if stored.get(URGENCY_RULES_KEY):
            try:
                k.urgency_rules = urgency.rules_from_dicts(stored[URGENCY_RULES_KEY])
            except Exception:
                log.exception("urgency rules could not be loaded; using the built-in rules")
        k.keywords = _keyword_classifier(keyword_rules(cats))
        return k

    def _locate(self, k: _Knowledge, data: NewAppeal) -> int | None:
        """The unit of the polygon containing lat/lon, else of the place named in the address
        (or of its nearest enclosing place that is a unit: a grid may not be one)."""
        if data.latitude is not None and data.longitude is not None and k.polygons:
            code = k.polygons.locate(data.latitude, data.longitude)
            if code is not None and code in k.unit_codes:
                return k.unit_codes[code]
        if data.address and k.gazetteer:
            match = k.gazetteer.resolve(data.address)
            if match is not None:
                for place in reversed(k.gazetteer.chain(match.deepest.code)):
                    if place.code in k.unit_codes:
                        return k.unit_codes[place.code]
        return None

    def _unit_for(self, k: _Knowledge, category: str | None, area_id: int | None
                  ) -> tuple[int | None, str, float]:
        """Admin routing rules first (most specific), then history of the category in the
        area (or the nearest area above it, the city's districts at most), then history of the
        category anywhere; history is read as seen from the appeal's area (`_as_local`)."""
        # Specificity: a rule for a deeper area wins, then one for a longer category prefix.
        best: tuple[tuple[int, int], int] | None = None  # (specificity, unit id)
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
                spec = (len(k.unit_paths[k.unit_codes[area_rule]]) if area_rule else 0,
                        len(rule.get("category") or ""))
                if best is None or spec > best[0]:
                    best = (spec, unit)
        if best is not None:
            return best[1], "rule", 1.0
        if not category:
            return None, "", 0.0
        for area in k.unit_chain.get(area_id, ()) if area_id is not None else ():
            seen = k.area_history.get((category, area))  # only those with enough appeals
            if seen is not None and seen.total >= self.config.area_min_count:
                return self._from_history(seen, k, area_id, "area_history")
        if category in k.history:
            return self._from_history(k.history[category], k, area_id, "history")
        return None, "", 0.0

    def _from_history(self, seen: _Precedents, k: _Knowledge, area_id: int | None,
                      reason: str) -> tuple[int, str, float]:
        unit, n = _as_local(k, seen, area_id)
        share = n / seen.total
        return unit, reason, share * min(1.0, seen.total / self.config.unit_min_count)


def _unit_shape(k: _Knowledge, unit_id: int, reason: str, confidence: float
                ) -> dict[str, Any]:
    return {"unit_id": unit_id, "name": k.unit_names.get(unit_id), "reason": reason,
            "confidence": round(confidence, 4)}


def _add_units(k: _Knowledge, units: Iterable[tuple[int, str, str, str, str]]) -> None:
    """The unit tree as intake reads it: (id, code, name, materialised path, group) rows."""
    for uid, code, name, path, group in units:
        k.unit_codes[code] = uid
        k.unit_names[uid] = name
        k.unit_paths[uid] = path
        k.unit_chain[uid] = tuple(int(x) for x in reversed(path.strip("/").split("/")) if x)
        if group in TERRITORIAL_LEVEL:
            k.unit_level[uid] = TERRITORIAL_LEVEL[group]
    for uid, chain in k.unit_chain.items():
        home = next((u for u in chain if u in k.unit_level), None)
        if home is not None:
            k.territory[uid] = home
        if uid in k.unit_level:
            k.local_units[uid] = _local_units(k, chain)


def _local_units(k: _Knowledge, chain: tuple[int, ...]) -> tuple[int, ...]:
    """Level -> the deepest unit of the chain at that level or above it (a community right
    under a district has no street: its district); the chain's root stands for the city."""
    local: dict[int, int] = {}
    for u in reversed(chain):  # city first
        if u in k.unit_level:
            local[k.unit_level[u]] = u
    at_level = [local.get(0, chain[-1])]
    for level in range(1, DEEPEST_LEVEL + 1):
        at_level.append(local.get(level, at_level[-1]))
    return tuple(at_level)


def _add_history(k: _Knowledge, history: Iterable[tuple[str, int | None, int, int]],
                 area_min_count: int = 1) -> None:
    """Closed appeals as (category, area unit id, lead unit id, count) rows (after the units),
    summed up per category, and per category and area (each area counts for those above, up
    to the city's districts) where there are at least `area_min_count` of them (fewer are
    never read). The city itself is no such area: its located appeals are the category's
    history less those never located, no nearer to the appeal and fewer."""
    by_category: dict[str, dict[int, int]] = {}
    totals: dict[tuple[str, int], int] = {}
    leads: dict[tuple[str, int, int], int] = {}  # (category, area, lead unit) -> appeals
    chains = k.unit_chain
    for cat, area, unit, n in history:
        units = by_category.setdefault(cat, {})
        units[unit] = units.get(unit, 0) + n
        for above in chains.get(area, ())[:-1] if area is not None else ():  # not the root
            totals[(cat, above)] = totals.get((cat, above), 0) + n
            leads[(cat, above, unit)] = leads.get((cat, above, unit), 0) + n
    by_area: dict[tuple[str, int], dict[int, int]] = {}
    for (cat, above, unit), n in leads.items():
        if totals[(cat, above)] >= area_min_count:
            by_area.setdefault((cat, above), {})[unit] = n
    k.history = {cat: _precedents(k, counts) for cat, counts in by_category.items()}
    k.area_history = {key: _precedents(k, counts) for key, counts in by_area.items()}


def _precedents(k: _Knowledge, counts: dict[int, int]) -> _Precedents:
    levels = [0] * (DEEPEST_LEVEL + 1)
    own: dict[int, int] = {}
    by_territory: dict[int, int] = {}
    best_other: dict[int | None, tuple[int, int]] = {}
    for unit, n in counts.items():
        home = k.territory.get(unit)
        if home is not None:
            levels[k.unit_level[home]] += n
            by_territory[home] = by_territory.get(home, 0) + n
            if unit == home:
                own[unit] = n
                continue
        best = best_other.get(home)
        if best is None or n > best[1]:
            best_other[home] = (unit, n)
    return _Precedents(sum(counts.values()), own, tuple(levels), by_territory, best_other,
                       max(counts.items(), key=itemgetter(1)))


def _as_local(k: _Knowledge, seen: _Precedents, area_id: int | None) -> tuple[int, int]:
    """The unit that led most of these appeals as seen from the appeal's area (属地管理), and
    how many: an appeal led elsewhere by a unit of another area (a street, a district or a
    district's own department) counts for this area's own unit of that level, e.g. 滨江街道
    for 东湖街道 if the appeal is in 东湖街道; units with no area (the city's departments and
    enterprises) count as they are. Not located: the history as it is."""
    chain = k.unit_chain.get(area_id, ()) if area_id is not None else ()
    if not chain:
        return seen.busiest
    best: tuple[int, int] = (0, 0)
    # what moves to this area's unit of each level: all led at that level less what was led
    # from this area's own chain (those stay with their units)
    local = k.local_units.get(area_id) or _local_units(k, chain)  # type: ignore[arg-type]
    moved = list(seen.by_level)
    unit_level = k.unit_level
    for u in chain:
        if u in unit_level:
            moved[unit_level[u]] -= seen.by_territory.get(u, 0)
    gained: dict[int, int] = {}
    for level, n in enumerate(moved):
        if n:
            gained[local[level]] = gained.get(local[level], 0) + n
    for u in chain:  # deepest first: on a tie the unit nearest the appeal
        n = seen.own.get(u, 0) + gained.get(u, 0)
        if n > best[1]:
            best = (u, n)
        other = seen.best_other.get(u)
        if other is not None and other[1] > best[1]:
            best = other
    other = seen.best_other.get(None)
    if other is not None and other[1] > best[1]:
        best = other
    return best


def _active_version(settings: Settings) -> str | None:
    try:
        from jiesu.nlp.classify import ModelRegistry

        return ModelRegistry(settings.model_dir).active_version()
    except Exception:  # no registry yet, or unreadable: as if nothing were active
        return None


def _load_trained(settings: Settings) -> Any | None:
    """The active trained model, or None (then the keyword rules give a cold start)."""
    try:
        from jiesu.nlp.classify import ModelRegistry

        return ModelRegistry(settings.model_dir).active()
    except Exception:  # a missing or unreadable model falls back to keywords
        log.exception("active classifier could not be loaded; using keyword rules")
        return None


def _keyword_classifier(rules: dict[str, list[str]]) -> Any | None:
    """Keyword rules from the categories' admin keywords, else the built-in DEFAULT_RULES."""
    try:
        from jiesu.nlp.keywords import KeywordClassifier
    except ImportError:
        return None
    return KeywordClassifier(rules or None)


def _names(data: NewAppeal) -> list[str]:
    return [data.requester_name] if data.requester_name else []


def _phone_key(phone: str | None) -> str | None:
    if not phone:
        return None
    return phone_digits(phone) or None


def _area_key(area_id: int | None) -> str | None:
    return str(area_id) if area_id is not None else None
