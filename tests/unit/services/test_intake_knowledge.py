"""IntakeIntelligence without a database: unit precedence and how knowledge is reloaded."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from jiesu.config import Settings
from jiesu.services.intake import IntakeConfig, IntakeIntelligence, _Knowledge

# C(1) ─ D1(2) ─ S1(3) ─ G1(4);  C ─ D2(5);  W(6) a department
PATHS = {1: "/1/", 2: "/1/2/", 3: "/1/2/3/", 4: "/1/2/3/4/", 5: "/1/5/", 6: "/1/6/"}
CODES = {"C": 1, "D1": 2, "S1": 3, "G1": 4, "D2": 5, "W": 6}


def knowledge(routing: list[dict[str, str]] | None = None,
              history: list[tuple[str, int | None, int, int]] = ()) -> _Knowledge:
    k = _Knowledge(unit_codes=dict(CODES), unit_paths=dict(PATHS), routing=routing or [])
    k.unit_chain = {u: tuple(int(x) for x in reversed(p.strip("/").split("/")))
                    for u, p in PATHS.items()}
    for cat, area, unit, n in history:
        k.history.setdefault(cat, Counter())[unit] += n
        for above in k.unit_chain[area] if area else ():
            k.area_history.setdefault((cat, above), Counter())[unit] += n
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


def test_history_of_other_areas_counts_for_the_located_area_at_the_same_level() -> None:
    # C(1) ─ D1(2) ─ S1(3) ─ G1(4), D1 ─ K(7) a community right under the district;
    # C ─ D2(5) ─ S2(8), D2 ─ P(9) 西城's own department;  W(6) a city department
    paths = {**PATHS, 7: "/1/2/7/", 8: "/1/5/8/", 9: "/1/5/9/"}
    k = knowledge(history=[("01", None, 8, 4),   # another district's street
                           ("01", None, 9, 3),   # another district's department
                           ("01", None, 6, 5)])  # the city's water bureau
    k.unit_paths = paths
    k.unit_chain = {u: tuple(int(x) for x in reversed(p.strip("/").split("/")))
                    for u, p in paths.items()}
    k.unit_level = {1: 0, 2: 1, 3: 2, 4: 4, 5: 1, 7: 3, 8: 2}
    k.territory = {2: 2, 3: 3, 4: 4, 5: 5, 7: 7, 8: 8, 9: 5}
    i = intel(unit_min_count=1)
    # in grid G1: S2's 4 become its street S1's; P's 3 its district D1's; W keeps 5
    assert i._unit_for(k, "01", 4) == (6, "history", 5 / 12)
    k.history["01"][8] += 2  # now the street level leads: the grid's own street
    assert i._unit_for(k, "01", 4) == (3, "history", 6 / 14)
    # a community with no street above it: the street level is its district
    assert i._unit_for(k, "01", 7) == (2, "history", 9 / 14)
    # located to D2 only: which of its streets is not known, so its street's appeals are the
    # district's; its own department keeps its 3
    assert i._unit_for(k, "01", 5) == (5, "history", 6 / 14)
    assert i._unit_for(k, "01", None) == (8, "history", 6 / 14)  # not located


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
