"""A table the phone layout shows as blocks (.table.stack) keeps its table semantics: its
rows, header cells and cells carry explicit roles, since a browser may drop the implicit ones
for display: block (Safari does)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.conftest import Visitor

pytestmark = pytest.mark.browser

ROLES = """t => ({
    table: t.getAttribute('role'),
    groups: [...t.querySelectorAll('thead, tbody')].map(g => g.getAttribute('role')),
    rows: [...t.querySelectorAll('tr')].map(r => r.getAttribute('role')),
    heads: [...t.querySelectorAll('th')]
        .map(c => [c.getAttribute('scope'), c.getAttribute('role')]),
    cells: [...t.querySelectorAll('td')].map(c => c.getAttribute('role')),
    display: getComputedStyle(t.querySelector('tbody tr')).display,
})"""


def test_stacked_tables_keep_their_roles_on_a_phone(visitor: Callable[..., Visitor]) -> None:
    v = visitor("admin-phone", phone=True)
    v.login("admin")
    v.goto("/staff/admin?tab=users")
    table = v.page.locator("table[data-users]")  # type: ignore[attr-defined]
    got = table.evaluate(ROLES)
    assert got["display"] == "block"  # the phone layout: rows shown as blocks
    assert got["table"] == "table"
    assert got["groups"] and set(got["groups"]) == {"rowgroup"}
    assert len(got["rows"]) > 1 and set(got["rows"]) == {"row"}
    assert got["heads"] and all(role == ("rowheader" if scope == "row" else "columnheader")
                                for scope, role in got["heads"])
    assert got["cells"] and set(got["cells"]) == {"cell"}
    # and the accessibility tree agrees: the users are rows of a table, not loose text
    assert v.page.get_by_role("table").filter(  # type: ignore[attr-defined]
        has=v.page.get_by_role("columnheader", name="用户名")).count() == 1  # type: ignore[attr-defined]
