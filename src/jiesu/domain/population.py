"""Resident figures of areas (户数, 常住人口) and 万人诉求比, appeals per 10,000 residents.

Pure standard library. A unit's figures roll up the unit tree: its own when an administrator
set them, otherwise the sum of its children's (as far as they are known). The rate divides the
appeals of an area's subtree by its population; fewer appeals per resident ranks first.
docs/kpi.md explains what is counted.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from jiesu.domain.errors import InvalidArguments
from jiesu.domain.kpi import published, rank

# The unit groups that are areas with residents, ranked against each other by 万人诉求比.
AREA_GROUPS: dict[str, str] = {
    "district": "区",
    "street": "街道/乡镇",
    "community": "社区/村",
    "grid": "网格",
}
FIGURE_ZH = {"households": "户数", "population": "常住人口"}
MAX_FIGURE = 1_000_000_000  # no area holds more residents (or households) than this
PER = 10_000

_WHOLE = re.compile(r"(\d+)(?:\.0*)?")
_SEPARATORS = re.compile(r"[\s,_']")


def check_area_group(group: str) -> str:
    """`group` if it is a group of areas (district, street, community, grid)."""
    if group not in AREA_GROUPS:
        raise InvalidArguments(f"单位分组“{group}”无效，可选：{'、'.join(AREA_GROUPS)}",
                               field="group")
    return group


def parse_figure(raw: object, field: str) -> int | None:
    """A 户数 or 常住人口 as typed in a form, sent as JSON or read from a spreadsheet cell: a
    whole number from 0 to 1,000,000,000; empty is None (no figure of its own).

    Full-width digits and thousands separators ("１２,３４５") are accepted, and so is the
    "12345.0" a spreadsheet may hold.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise _bad_figure(field)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise _bad_figure(field)
        value = int(raw)
    else:
        text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw)))
        if not text:
            return None
        found = _WHOLE.fullmatch(text)
        digits = (found[1].lstrip("0") or "0") if found else ""
        if not digits or len(digits) > len(str(MAX_FIGURE)):
            raise _bad_figure(field)
        value = int(digits)
    if not 0 <= value <= MAX_FIGURE:
        raise _bad_figure(field)
    return value


def _bad_figure(field: str) -> InvalidArguments:
    return InvalidArguments(f"{FIGURE_ZH[field]}应为 0 至 10 亿之间的整数", field=field)


@dataclass(frozen=True)
class AreaFigures:
    """One unit of the tree with the figures set on it (None: not set)."""

    unit_id: int
    parent_id: int | None
    households: int | None = None
    population: int | None = None


@dataclass(frozen=True)
class Residents:
    """A unit's rolled-up figures (None: unknown)."""

    households: int | None
    population: int | None


def roll_up(units: Iterable[AreaFigures]) -> dict[int, Residents]:
    """Every unit's figures: its own when set, otherwise the sum of its children's rolled-up
    figures when at least one child has one, otherwise None. 户数 and 常住人口 roll up each on
    its own, so a unit may know one and not the other."""
    tree = _Tree(units)
    households = tree.own_or_children({u.unit_id: u.households for u in tree.units})
    population = tree.own_or_children({u.unit_id: u.population for u in tree.units})
    return {uid: Residents(households[uid], population[uid]) for uid in tree.order}


def subtree_totals(units: Iterable[AreaFigures], own: Mapping[int, int]) -> dict[int, int]:
    """Every unit's count plus the counts of all its descendants (a count of a unit not in
    the tree is left out)."""
    tree = _Tree(units)
    total: dict[int, int] = {}
    for uid in tree.order:
        total[uid] = own.get(uid, 0) + sum(total[c] for c in tree.children.get(uid, ()))
    return total


class _Tree:
    """The units with their children, in an order where children come before their parent."""

    def __init__(self, units: Iterable[AreaFigures]) -> None:
        self.units = list(units)
        ids = {u.unit_id for u in self.units}
        self.children: dict[int, list[int]] = defaultdict(list)
        roots = []
        for u in self.units:
            if u.parent_id is not None and u.parent_id in ids and u.parent_id != u.unit_id:
                self.children[u.parent_id].append(u.unit_id)
            else:
                roots.append(u.unit_id)
        self.order = self._children_first(roots)
        seen = set(self.order)  # a unit in a loop (never in a real tree) counts on its own
        self.order += [u.unit_id for u in self.units if u.unit_id not in seen]

    def _children_first(self, roots: list[int]) -> list[int]:
        order: list[int] = []
        stack = [(r, False) for r in roots]
        while stack:
            uid, expanded = stack.pop()
            if expanded:
                order.append(uid)
                continue
            stack.append((uid, True))
            stack.extend((c, False) for c in self.children.get(uid, ()))
        return order

    def own_or_children(self, own: Mapping[int, int | None]) -> dict[int, int | None]:
        result: dict[int, int | None] = {}
        for uid in self.order:
            value = own.get(uid)
            if value is None:
                known = [v for c in self.children.get(uid, ()) if (v := result.get(c)) is not None]
                value = sum(known) if known else None
            result[uid] = value
        return result


def per_10k(appeals: int, population: int | None) -> float | None:
    """万人诉求比 = appeals ÷ population × 10,000, to two decimals; None without a population
    (or with a population of 0)."""
    if not population:
        return None
    return published(appeals * PER / population)


K = TypeVar("K", bound=Hashable)


def rank_by_rate(rates: Mapping[K, float | None]) -> dict[K, int | None]:
    """Competition ranking by 万人诉求比, lowest first (fewer appeals per resident is better);
    no rate → no rank. Ties are judged on the published figure (two decimals), as the KPI
    ranking's are (`domain.kpi.rank`)."""
    return rank(rates, lower_first=True)
