"""One appeal's life as the staff live it, on the pages (SQLite and PostgreSQL): what each
person must see first, the deadline that is running, who had the appeal before, and messages
a person can act on."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.city import PASSWORD, City


def _login(client: TestClient, username: str) -> str:
    """Sign in on the page; returns the session's CSRF token."""
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert m
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": m.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff").text)
    assert m
    return m.group(1)


def _codes(html: str) -> list[str]:
    """The appeal codes of a work list, top to bottom."""
    return re.findall(r'class="work-item[^"]*" data-code="(\d+)"', html)


def test_the_dispatch_queue_puts_emergencies_first(city: City) -> None:
    older = [city.register()["code"] for _ in range(3)]
    urgent = city.register(urgency="urgent")["code"]
    emergency = city.register(urgency="emergency", content="楼道里有很大的燃气味")["code"]
    _login(city.client, "dispatcher")
    codes = _codes(city.client.get("/staff/dispatch").text)
    # 特急, then 紧急, then the rest oldest first: not the newest call at the bottom
    assert codes == [emergency, urgent, *older], codes
