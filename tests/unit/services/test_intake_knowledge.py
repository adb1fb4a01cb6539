"""IntakeIntelligence without a database: unit precedence and how knowledge is reloaded."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from jiesu.config import Settings
from jiesu.services.intake import (
    IntakeConfig,
    IntakeIntelligence,
    _add_history,
    _add_units,
    _Knowledge,
)

# C(1) ─ D1(2) ─ S1(3) ─ G1(4);  C ─ D2(5);  W(6) a department
PATHS = {1: "/1/", 2: "/1/2/", 3: "/1/2/3/", 4: "/1/2/3/4/", 5: "/1/5/", 6: "/1/6/"}
LEVELS = {"city": 0, "district": 1, "street": 2, "community": 3, "grid": 4}
CODES = {"C": 1, "D1": 2, "S1": 3, "G1": 4, "D2": 5, "W": 6}


def knowledge(routing: list[dict[str, str]] | None = None,
              history: list[tuple[str, int | None, int, int]] = (),
              paths: dict[int, str] = PATHS, groups: dict[int, str] | None = None,
              area_min_count: int = IntakeConfig().area_min_count) -> _Knowledge:
    """Knowledge of a unit tree (`paths`, with `groups`: none territorial unless given) and
    closed appeals (category, area, lead unit, count), loaded as the service loads them."""
    k = _Knowledge(routing=routing or [])
    codes = {u: c for c, u in CODES.items()}
    _add_units(k, [(u, codes.get(u, f"U{u}"), f"unit {u}", p, (groups or {}).get(u, "x"))
                   for u, p in paths.items()])
    _add_history(k, history, area_min_count)
    return k


def intel(**config: Any) -> IntakeIntelligence:
    return IntakeIntelligence(None, Settings(environment="test"),  # type: ignore[arg-type]
                              IntakeConfig(**config), classifier=object())


def test_routing_rules_deeper_area_then_longer_category_win_over_history() -> None:
    k = knowledge(routing=[{"category": "01", "unit": "W"},
                           {"category": "01.01", "unit": "D2"},
                           {"category": "01", "area": "D1", "unit": "D1"},
                           {"area": "S1", "unit": "S1"}],
                  history=[("01.01.001", 3, 5, 50)])
    i = intel()
    assert i._unit_for(k, "01.01.001", None) == (5, "rule", 1.0)  # longer prefix
    assert i._unit_for(k, "01.02", None) == (6, "rule", 1.0)
    assert i._unit_for(k, "01.01.001", 2) == (2, "rule", 1.0)  # an area rule beats category
    assert i._unit_for(k, "01.01.001", 4) == (3, "rule", 1.0)  # the street is deeper
    assert i._unit_for(k, "02", 5) == (None, "", 0.0)


def test_history_of_the_category_in_the_area_beats_the_category_alone() -> None:
    k = knowledge(history=[("01", 3, 6, 40),     # in street S1: the water bureau
                           ("01", 5, 5, 3),      # in district D2: D2 itself, 3 times
                           ("01", None, 6, 20),  # not located
                           ("01", 4, 2, 2)])     # grid G1: only twice
    i = intel()
    assert i._unit_for(k, "01", 5) == (5, "area_history", 3 / 3 * 3 / 20)
    # the grid's own history is too thin: its street decides
    unit, reason, _ = i._unit_for(k, "01", 4)
    assert (unit, reason) == (6, "area_history")
    unit, reason, conf = i._unit_for(k, "01", None)
    assert (unit, reason) == (6, "history") and conf == 60 / 65
    assert i._unit_for(k, "02", 5) == (None, "", 0.0)


def test_the_walk_up_the_areas_stops_below_the_city() -> None:
    """The city's located history is the city-wide history less the appeals never located: it
    says nothing of the area the city-wide one does not, on less evidence. An appeal whose own
    areas have too little history reads the city-wide history."""
    k = knowledge(history=[("01", 3, 6, 3),       # located, in street S1: the water bureau
                           ("01", None, 5, 20)])  # not located: D2
    i = intel()
    assert i._unit_for(k, "01", 5) == (5, "history", 20 / 23)  # not the water bureau's 3
    assert i._unit_for(k, "01", 4) == (6, "area_history", 3 / 3 * 3 / 20)  # S1's own


def test_history_of_other_areas_counts_for_the_located_area_at_the_same_level() -> None:
    # C(1) ─ D1(2) ─ S1(3) ─ G1(4), D1 ─ K(7) a community right under the district;
    # C ─ D2(5) ─ S2(8), D2 ─ P(9) 西城's own department;  W(6) a city department
    paths = {**PATHS, 7: "/1/2/7/", 8: "/1/5/8/", 9: "/1/5/9/"}
    groups = {1: "city", 2: "district", 3: "street", 4: "grid", 5: "district", 6: "department",
              7: "community", 8: "street", 9: "department"}
    history = [("01", None, 8, 4),   # another district's street
               ("01", None, 9, 3),   # another district's department
               ("01", None, 6, 5)]   # the city's water bureau
    k = knowledge(history=history, paths=paths, groups=groups)
    i = intel(unit_min_count=1)
    # in grid G1: S2's 4 become its street S1's; P's 3 its district D1's; W keeps 5
    assert i._unit_for(k, "01", 4) == (6, "history", 5 / 12)
    # now the street level leads: the grid's own street
    k = knowledge(history=[*history, ("01", None, 8, 2)], paths=paths, groups=groups)
    assert i._unit_for(k, "01", 4) == (3, "history", 6 / 14)
    # a community with no street above it: the street level is its district
    assert i._unit_for(k, "01", 7) == (2, "history", 9 / 14)
    # located to D2 only: which of its streets is not known, so its street's appeals are the
    # district's; its own department keeps its 3
    assert i._unit_for(k, "01", 5) == (5, "history", 6 / 14)
    assert i._unit_for(k, "01", None) == (8, "history", 6 / 14)  # not located


def _seen_from(k: _Knowledge, counts: dict[int, int], area: int | None) -> dict[int, int]:
    """The rule itself, unit by unit: a lead unit whose 属地 is not on the area's chain counts
    for the chain's unit of that 属地's level (or the nearest above it)."""
    chain = k.unit_chain.get(area, ()) if area is not None else ()
    if not chain:
        return dict(counts)
    out: dict[int, int] = {}
    for unit, n in counts.items():
        home = k.territory.get(unit, chain[-1])
        if home not in chain:
            level = k.unit_level[home]
            unit = next(u for u in reversed(chain)  # the deepest at that level or above
                        if k.unit_level.get(u, -1) <= level
                        and not any(k.unit_level.get(v, -1) <= level
                                    for v in chain[:chain.index(u)]))
        out[unit] = out.get(unit, 0) + n
    return out


def test_the_summaries_read_history_as_the_rule_does_from_every_area() -> None:
    """History is summed up by 属地 once when it loads; read from any area it gives the unit
    and share that mapping every lead unit one by one gives (random trees and histories)."""
    rnd = random.Random(11)
    for _ in range(30):
        paths, groups = {1: "/1/"}, {1: "city"}
        territorial = [1]
        for u in range(2, 40):
            parent = rnd.choice(list(paths))
            group = rnd.choice(["district", "street", "community", "grid", "department"])
            pg = groups[parent]
            if group != "department" and (pg == "department" or
                                          LEVELS[group] <= LEVELS.get(pg, 9)):
                group = "department"
            paths[u], groups[u] = f"{paths[parent]}{u}/", group
            if group != "department":
                territorial.append(u)
        rows = [("01", rnd.choice([None, *territorial]), rnd.choice(list(paths)),
                 rnd.randint(1, 9)) for _ in range(rnd.randint(1, 25))]
        k = knowledge(history=rows, paths=paths, groups=groups, area_min_count=1)
        i = intel(unit_min_count=1, area_min_count=1)
        for area in [None, *territorial]:
            seen: dict[int, int] = {}
            # nearest area first, up to the city's districts (the city: city-wide history)
            for node in k.unit_chain[area][:-1] if area is not None else ():
                for _, at, unit, n in rows:
                    if at is not None and node in k.unit_chain[at]:
                        seen[unit] = seen.get(unit, 0) + n
                if seen:
                    break
            in_area = bool(seen)
            if not in_area:  # the city-wide history, as seen from the area
                seen = {}
                for _, _, unit, n in rows:
                    seen[unit] = seen.get(unit, 0) + n
            expected = _seen_from(k, seen, area)
            unit, reason, share = i._unit_for(k, "01", area)
            assert reason == ("area_history" if in_area else "history")
            assert share == max(expected.values()) / sum(expected.values())
            assert expected[unit] == max(expected.values())


class CountingIntel(IntakeIntelligence):
    """Loads numbered knowledge; a load can be held until released."""

    def __init__(self, **config: Any) -> None:
        super().__init__(None, Settings(environment="test"),  # type: ignore[arg-type]
                         IntakeConfig(**config), classifier=object())
        self.loads = 0
        self.hold: threading.Event | None = None

    def _load_knowledge(self, generation: int) -> _Knowledge:
        if self.hold is not None:
            self.hold.wait(5)
        self.loads += 1
        k = knowledge()
        k.generation, k.loaded_at = generation, time.monotonic()
        k.unit_names = {0: f"load {self.loads}"}
        return k


def test_reload_takes_effect_on_the_next_call() -> None:
    i = CountingIntel()
    first = i._knowledge()
    assert i._knowledge() is first and i.loads == 1
    i.reload()
    second = i._knowledge()
    assert second is not first and i.loads == 2 and i._knowledge() is second


def test_old_knowledge_is_refreshed_in_the_background_and_kept_meanwhile() -> None:
    i = CountingIntel(knowledge_seconds=0.0)
    first = i._knowledge()
    i.hold = threading.Event()
    assert i._knowledge() is first  # stale: a background load starts, the caller goes on
    assert i._background is not None and i._background.is_alive()
    assert i._knowledge() is first  # only one background load at a time
    i.hold.set()
    i._background.join(5)
    assert i._k is not first and i.loads == 2


def test_a_background_load_started_before_a_change_is_thrown_away() -> None:
    i = CountingIntel(knowledge_seconds=0.0)
    first = i._knowledge()
    i.hold = threading.Event()
    i._knowledge()  # starts a background load of the old configuration
    background = i._background
    assert background is not None
    i.reload()  # an admin changes something meanwhile
    i.hold.set()
    background.join(5)
    assert i._k is first  # the stale load was not swapped in
    fresh = i._knowledge()  # invalidated: loaded here, synchronously
    assert fresh.generation == 1 and fresh is not first


def test_a_model_activated_elsewhere_is_used_after_the_next_knowledge_refresh(
        monkeypatch: Any) -> None:
    """`jiesu nlp activate` in a shell changes the registry's ACTIVE file only: each server
    process notices it when its knowledge is next refreshed and loads that model."""
    import jiesu.services.intake as intake_module

    loaded: list[str | None] = []
    active = {"version": None}

    def load(settings: Settings) -> Any:
        loaded.append(active["version"])
        return None if active["version"] is None else f"model {active['version']}"

    monkeypatch.setattr(intake_module, "_load_trained", load)
    i = IntakeIntelligence(None, Settings(environment="test"),  # type: ignore[arg-type]
                           IntakeConfig())
    k = knowledge()
    k.keywords = "keywords"
    assert i._model(k) == "keywords" and i._model(k) == "keywords"
    assert loaded == [None]  # loaded once, not per call
    active["version"] = "v2"
    assert i._model(k) == "keywords"  # this process has not refreshed its knowledge yet
    refreshed = knowledge()
    refreshed.model_version = "v2"
    assert i._model(refreshed) == "model v2" and i._model(refreshed) == "model v2"
    assert loaded == [None, "v2"]


def test_auto_dispatch_threshold_follows_the_title() -> None:
    """A trained model has one threshold for appeals with a title and one without; a model
    with a single threshold, or none (keywords never auto-dispatch), is used as it is."""

    class ByTitle:
        threshold = 0.8

        def threshold_for(self, title: str) -> float:
            return 0.9 if title else 0.7

    class OneThreshold:
        threshold = 0.8

    class Keywords:
        threshold = None

    k = knowledge()
    for model, title, expected in ((ByTitle(), "电梯坏了", 0.9), (ByTitle(), None, 0.7),
                                   (ByTitle(), "", 0.7), (OneThreshold(), "电梯坏了", 0.8),
                                   (Keywords(), "电梯坏了", None)):
        i = IntakeIntelligence(None, Settings(environment="test"),  # type: ignore[arg-type]
                               IntakeConfig(), classifier=model)
        assert i._threshold(k, title) == expected
