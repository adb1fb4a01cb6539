"""The lead-unit suggestion alone (`IntakeIntelligence._unit_for`) on a generated city.

No database: the unit tree and the closed-appeal history are generated and loaded the way
`_load_knowledge` loads them (`_add_units`, `_add_history`). A city of 16 districts × 20 streets
× 20 communities (6,736 territorial units) and 40 city departments; N closed appeals (default
200,000, what `unit_history` reads at most) over 300 categories. Half of a category's appeals
go to the street of their address, a quarter to the district, a quarter to one department, so
each category's history names hundreds of units, and read from a community every one of them
is seen from there (属地).

    python bench/unit_suggest.py [--appeals 200000] [--repeat 20000]

Times (µs per call, best of 5 rounds of timeit) for: a category with history only city-wide
(the appeal located to a community: the worst case, every unit of the category is read from
there), the same not located, area history of the appeal's own street, and a routing rule.
The last line is `unit_for_worst_us=N unit_for_area_us=N`.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jiesu.config import Settings  # noqa: E402
from jiesu.services.intake import (  # noqa: E402
    IntakeConfig,
    IntakeIntelligence,
    _add_history,
    _add_units,
    _Knowledge,
)


def city(districts: int = 16, streets: int = 20, communities: int = 20, departments: int = 40
         ) -> tuple[list[tuple[int, str, str, str, str]], list[int], list[int], list[int]]:
    """(unit rows, street ids, community ids, department ids)."""
    rows: list[tuple[int, str, str, str, str]] = [(1, "C", "市", "/1/", "city")]
    street_ids: list[int] = []
    community_ids: list[int] = []
    next_id = 2
    for d in range(districts):
        did = next_id
        next_id += 1
        rows.append((did, f"D{d}", f"区{d}", f"/1/{did}/", "district"))
        for s in range(streets):
            sid = next_id
            next_id += 1
            rows.append((sid, f"D{d}S{s}", f"街道{d}-{s}", f"/1/{did}/{sid}/", "street"))
            street_ids.append(sid)
            for c in range(communities):
                cid = next_id
                next_id += 1
                rows.append((cid, f"D{d}S{s}C{c}", f"社区{d}-{s}-{c}",
                             f"/1/{did}/{sid}/{cid}/", "community"))
                community_ids.append(cid)
    department_ids = []
    for b in range(departments):
        rows.append((next_id, f"B{b}", f"部门{b}", f"/1/{next_id}/", "department"))
        department_ids.append(next_id)
        next_id += 1
    return rows, street_ids, community_ids, department_ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--appeals", type=int, default=200_000)
    ap.add_argument("--categories", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=20_000)
    args = ap.parse_args()
    rnd = random.Random(5)
    units, streets, communities, departments = city()
    parent = {uid: int(path.strip("/").split("/")[-2]) for uid, _, _, path, _ in units
              if path.count("/") > 2}
    history: dict[tuple[str, int | None, int], int] = {}
    for _ in range(args.appeals):
        cat = f"{rnd.randrange(args.categories):03d}"
        community = rnd.choice(communities)
        street = parent[community]
        roll = rnd.random()
        lead = street if roll < 0.5 else parent[street] if roll < 0.75 else departments[
            int(cat) % len(departments)]
        # a tenth of the appeals were never located (no address); most to a community
        area = None if roll > 0.9 else community if rnd.random() < 0.7 else street
        key = (cat, area, lead)
        history[key] = history.get(key, 0) + 1
    history_units = {u for (c, _, u) in history if c == "000"}
    t0 = time.perf_counter()
    k = _Knowledge()
    _add_units(k, units)
    _add_history(k, [(c, a, u, n) for (c, a, u), n in history.items()],
                 IntakeConfig().area_min_count)
    load_ms = (time.perf_counter() - t0) * 1000
    intel = IntakeIntelligence(None, Settings(environment="test"),  # type: ignore[arg-type]
                               IntakeConfig(), classifier=object())
    # the worst case: city-wide history only (a category never seen in this community's area,
    # which the generated history has everywhere, is read from a community of a new street)
    lonely_cat = "999"
    k.history[lonely_cat] = k.history["000"]
    community = communities[-1]
    street = parent[community]
    k.routing = [{"category": "R", "unit": "B1"}]
    cases = {
        "city-wide history, located to a community (worst)": (lonely_cat, community),
        "city-wide history, not located": (lonely_cat, None),
        "area history of the community's street": ("000", community),
        "area history, the street itself": ("000", street),
        "routing rule": ("R", community),
    }
    figures = {}
    for label, (cat, area) in cases.items():
        result = intel._unit_for(k, cat, area)
        best = min(timeit.repeat(lambda cat=cat, area=area: intel._unit_for(k, cat, area),
                                 number=args.repeat, repeat=5)) / args.repeat * 1e6
        figures[label] = best
        name = k.unit_names.get(result[0] or 0, "-")
        print(f"{label}: {best:.2f} µs -> {name} {result[1]} {result[2]:.3f}")
    print(f"history of {args.appeals:,} closed appeals, {len(history):,} rows, "
          f"{len(history_units)} units in one category's history; "
          f"loaded in {load_ms:.0f} ms; load {os.getloadavg()[0]:.2f}")
    worst = figures["city-wide history, located to a community (worst)"]
    area = figures["area history of the community's street"]
    print(f"unit_for_worst_us={worst:.2f} unit_for_area_us={area:.2f}")


if __name__ == "__main__":
    main()
