"""The unit tree's levels (承办单位层级): which kind of unit may sit under which, for an
administrator moving a unit to another parent (a community reassigned to another street).

Two branches hang from the city (DESIGN §1). The territorial one runs city → district →
street/township → community/village → grid → micro-grid: a unit goes under a unit of a higher
level of it (a community straight under a district too). Departments and public enterprises
sit under the city, under a district (区级部门: a district's own departments, to which the
district hands its appeals on) or under a department or enterprise (下属单位)."""

from __future__ import annotations

GROUP_ZH = {"city": "市", "district": "区", "street": "街道/乡镇", "department": "市级部门",
            "enterprise": "公共企业", "community": "社区/村", "grid": "网格",
            "micro_grid": "微网格"}
TERRITORIAL_LEVEL = {"city": 0, "district": 1, "street": 2, "community": 3, "grid": 4,
                     "micro_grid": 5}
SECTORAL = ("department", "enterprise")


def parent_fits(parent_group: str, child_group: str) -> bool:
    """Whether a unit of `child_group` may sit directly under one of `parent_group`; a group
    the tree does not know fits anywhere (there is nothing to check it against)."""
    if parent_group not in GROUP_ZH or child_group not in GROUP_ZH:
        return True
    if child_group in SECTORAL:
        return parent_group in ("city", "district") or parent_group in SECTORAL
    return (parent_group in TERRITORIAL_LEVEL
            and TERRITORIAL_LEVEL[parent_group] < TERRITORIAL_LEVEL[child_group])


def parent_groups(child_group: str) -> list[str]:
    """The groups a unit of `child_group` may sit under, in the tree's order."""
    return [g for g in GROUP_ZH if parent_fits(g, child_group)]
