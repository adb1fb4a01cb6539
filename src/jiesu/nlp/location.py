"""Where an appeal is: address text → district/street/community/grid, and lat/lon → grid.

`Gazetteer` is loaded by an admin from CSV (`code,name,level,parent_code,aliases`).
`PolygonIndex` is loaded from a GeoJSON FeatureCollection of grid (or any area) polygons.
Both are pure Python and read-only after loading.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jiesu.nlp.text import fold_width

LEVELS = ("district", "street", "community", "grid")
_DEPTH = {level: i for i, level in enumerate(LEVELS)}
# Everyday short forms of official names: 五一街道 is called 五一街道办事处 or 五一街.
_SUFFIX_VARIANTS = {
    "street": (("街道", ("街道办事处", "街道办")),),
    "community": (("社区", ("社区居委会", "居委会")), ("村", ("村委会",))),
}


@dataclass(frozen=True)
class Place:
    """One gazetteer entry."""

    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class LocationMatch:
    """The resolved hierarchy (deepest level may be None) and a confidence in [0, 1]."""

    district: Place | None
    street: Place | None
    community: Place | None
    grid: Place | None
    confidence: float

    @property
    def deepest(self) -> Place:
        """The most precise place resolved."""
        for place in (self.grid, self.community, self.street, self.district):
            if place is not None:
                return place
        raise AssertionError("a LocationMatch always has a place")  # pragma: no cover


class Gazetteer:
    """Admin-loaded place names with aliases, resolved by longest match + hierarchy."""

    def __init__(self, places: Iterable[Place], aliases: Mapping[str, Iterable[str]]) -> None:
        self._places = {p.code: p for p in places}
        for p in self._places.values():
            if p.level not in _DEPTH:
                raise ValueError(f"{p.code}: unknown level {p.level!r}, expected one of {LEVELS}")
            if p.parent_code and p.parent_code not in self._places:
                raise ValueError(f"{p.code}: parent {p.parent_code!r} is not in the gazetteer")
        self._by_alias: dict[str, list[Place]] = defaultdict(list)
        for code, names in aliases.items():
            for alias in names:
                alias = fold_width(alias.strip())
                if len(alias) >= 2 and self._places[code] not in self._by_alias[alias]:
                    self._by_alias[alias].append(self._places[code])
        self._lengths = sorted({len(a) for a in self._by_alias}, reverse=True)

    @classmethod
    def from_csv(cls, source: str | Path | io.TextIOBase) -> Gazetteer:
        """Load CSV with columns code,name,level,parent_code[,aliases] (aliases split by '|')."""
        if isinstance(source, str | Path):
            with open(source, encoding="utf-8-sig", newline="") as f:
                return cls.from_csv(io.StringIO(f.read()))
        places: list[Place] = []
        aliases: dict[str, list[str]] = {}
        for line, row in enumerate(csv.DictReader(source), start=2):
            try:
                code, name, level = row["code"].strip(), row["name"].strip(), row["level"].strip()
            except (KeyError, AttributeError):
                raise ValueError(f"line {line}: needs code, name, level columns") from None
            if not code or not name:
                raise ValueError(f"line {line}: code and name are required")
            parent = (row.get("parent_code") or "").strip() or None
            places.append(Place(code, name, level, parent))
            extra = [a for a in (row.get("aliases") or "").replace("；", "|").split("|") if a]
            aliases[code] = [name, *extra, *_variants(name, level)]
        return cls(places, aliases)

    def __len__(self) -> int:
        return len(self._places)

    def place(self, code: str) -> Place:
        """The place with this code (KeyError if unknown)."""
        return self._places[code]

    def chain(self, code: str) -> list[Place]:
        """The place and its ancestors, top level first."""
        out = []
        node: Place | None = self._places[code]
        while node is not None:
            out.append(node)
            node = self._places[node.parent_code] if node.parent_code else None
        return out[::-1]

    def mentions(self, text: str) -> list[tuple[int, str, list[Place]]]:
        """Leftmost-longest alias occurrences in `text`: (position, alias, places)."""
        text = fold_width(text)
        out = []
        i = 0
        while i < len(text):
            for n in self._lengths:
                alias = text[i : i + n]
                if len(alias) == n and alias in self._by_alias:
                    out.append((i, alias, self._by_alias[alias]))
                    i += n
                    break
            else:
                i += 1
        return out

    def resolve(self, address_text: str) -> LocationMatch | None:
        """Best consistent hierarchy for the places named in `address_text`, or None.

        Each mentioned place is a candidate; it is supported by the mentions of its own
        ancestors (weighted by alias length). The candidate with most support wins, deeper
        first on ties. Confidence falls when mentions contradict the chosen chain or when
        another candidate is equally good (an ambiguous name like 新华社区 in two streets).
        """
        found = self.mentions(address_text)
        if not found:
            return None
        mentioned: dict[str, int] = {}  # code → longest alias length that named it
        for _, alias, places in found:
            for p in places:
                mentioned[p.code] = max(mentioned.get(p.code, 0), len(alias))

        def support(code: str) -> tuple[int, int, int]:
            chain = self.chain(code)
            named = [p for p in chain if p.code in mentioned]
            return (len(named), sum(mentioned[p.code] for p in named), _DEPTH[chain[-1].level])

        ranked = sorted(mentioned, key=support, reverse=True)
        best = ranked[0]
        chain = self.chain(best)
        chain_codes = {p.code for p in chain}
        ties = sum(1 for c in ranked if support(c) == support(best))
        # Mentions that name a place off the chosen chain, and are not merely another
        # reading of an alias that also named a place on it, contradict it.
        conflicts = sum(
            1 for _, _, places in found if not any(p.code in chain_codes for p in places)
        )
        named_on_chain = support(best)[0]
        confidence = named_on_chain / (named_on_chain + conflicts) / ties
        if named_on_chain == 1 and len(chain) > 1:
            confidence *= 0.8  # a lone lower-level name without its parents
        by_level: dict[str, Place] = {p.level: p for p in chain}
        return LocationMatch(
            by_level.get("district"),
            by_level.get("street"),
            by_level.get("community"),
            by_level.get("grid"),
            round(confidence, 3),
        )


def _variants(name: str, level: str) -> list[str]:
    out = []
    for suffix, longer in _SUFFIX_VARIANTS.get(level, ()):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            out += [stem + s for s in longer]
            if level == "street" and len(stem) >= 2:
                out.append(stem + "街")
    return out


# -- polygons --------------------------------------------------------------------------------

Ring = list[tuple[float, float]]  # (lon, lat) as in GeoJSON


@dataclass(frozen=True)
class _Area:
    code: str
    name: str | None
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: outer ring, then holes
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    size: float  # bbox area: smaller wins when areas overlap (a grid inside its community)


def _point_in_ring(x: float, y: float, ring: Ring) -> bool:
    # Even–odd ray casting to the right of the point.
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


class PolygonIndex:
    """lat/lon → area code by point-in-polygon, with a uniform-grid bounding-box prefilter.

    Pure Python: a query looks up one cell of a coarse grid over all bounding boxes and ray
    casts only the polygons whose box contains the point, so cost is independent of how many
    areas a city has. Shapely would add a compiled dependency for no measurable gain here.
    """

    def __init__(self, areas: Iterable[_Area], cells: int = 64) -> None:
        self._areas = list(areas)
        if not self._areas:
            self._cells: dict[tuple[int, int], list[_Area]] = {}
            self._origin = (0.0, 0.0)
            self._step = (1.0, 1.0)
            return
        min_x = min(a.bbox[0] for a in self._areas)
        min_y = min(a.bbox[1] for a in self._areas)
        max_x = max(a.bbox[2] for a in self._areas)
        max_y = max(a.bbox[3] for a in self._areas)
        self._origin = (min_x, min_y)
        self._step = (max((max_x - min_x) / cells, 1e-9), max((max_y - min_y) / cells, 1e-9))
        self._cells = defaultdict(list)
        for a in self._areas:
            (cx0, cy0), (cx1, cy1) = (
                self._cell(a.bbox[0], a.bbox[1]),
                self._cell(a.bbox[2], a.bbox[3]),
            )
            for cx in range(cx0, cx1 + 1):
                for cy in range(cy0, cy1 + 1):
                    self._cells[(cx, cy)].append(a)
        for bucket in self._cells.values():
            bucket.sort(key=lambda a: a.size)

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        return (
            math.floor((x - self._origin[0]) / self._step[0]),
            math.floor((y - self._origin[1]) / self._step[1]),
        )

    @classmethod
    def from_geojson(cls, source: str | Path | Mapping[str, Any]) -> PolygonIndex:
        """Load a FeatureCollection; features need properties.code and a (Multi)Polygon."""
        data: Mapping[str, Any] = (
            json.loads(Path(source).read_text(encoding="utf-8"))
            if isinstance(source, str | Path)
            else source
        )
        if data.get("type") != "FeatureCollection":
            raise ValueError("expected a GeoJSON FeatureCollection")
        areas = []
        for n, feature in enumerate(data.get("features", [])):
            props = feature.get("properties") or {}
            geom = feature.get("geometry") or {}
            code = props.get("code")
            if code is None:
                raise ValueError(f"feature #{n}: properties.code is required")
            if geom.get("type") == "Polygon":
                raw = [geom["coordinates"]]
            elif geom.get("type") == "MultiPolygon":
                raw = geom["coordinates"]
            else:
                raise ValueError(f"feature {code}: geometry must be Polygon or MultiPolygon")
            polygons = tuple(
                tuple([(float(p[0]), float(p[1])) for p in ring] for ring in poly) for poly in raw
            )
            xs = [x for poly in polygons for x, _ in poly[0]]
            ys = [y for poly in polygons for _, y in poly[0]]
            bbox = (min(xs), min(ys), max(xs), max(ys))
            areas.append(
                _Area(
                    str(code),
                    props.get("name"),
                    polygons,
                    bbox,
                    (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]),
                )
            )
        return cls(areas)

    def __len__(self) -> int:
        return len(self._areas)

    def locate(self, lat: float, lon: float) -> str | None:
        """Code of the (smallest) area containing the point, or None outside all areas."""
        for a in self._cells.get(self._cell(lon, lat), ()):
            min_x, min_y, max_x, max_y = a.bbox
            if not (min_x <= lon <= max_x and min_y <= lat <= max_y):
                continue
            for outer, *holes in a.polygons:
                if _point_in_ring(lon, lat, outer) and not any(
                    _point_in_ring(lon, lat, h) for h in holes
                ):
                    return a.code
        return None
