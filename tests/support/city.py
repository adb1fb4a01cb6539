"""A small city for integration tests: a unit tree, a user for every staff role, tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from jiesu.adapters.calendar_source import official_year
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.clock import utcnow

PASSWORD = "test-pass-123"

UNITS = [
    # code, name, parent, group
    ("C", "示范市", None, "city"),
    ("D1", "东城区", "C", "district"),
    ("D1S1", "东华门街道", "D1", "street"),
    ("D1S1C1", "多福巷社区", "D1S1", "community"),
    ("D2", "西城区", "C", "district"),
    ("D2S1", "西长安街街道", "D2", "street"),
    ("W", "市水务局", "C", "department"),
]

USERS = [
    # username, role, unit
    ("operator", "operator", None),
    ("dispatcher", "dispatcher", None),
    ("handler_d1", "handler", "D1"),
    ("handler_s1", "handler", "D1S1"),
    ("handler_d2", "handler", "D2"),
    ("grid", "grid_worker", "D1S1C1"),
    ("supervisor", "supervisor", None),
    ("followup", "followup_agent", None),
    ("analyst", "analyst", None),
    ("admin", "admin", None),
    ("auditor", "auditor", None),
]


@dataclass
class City:
    runtime: Runtime
    client: TestClient
    unit_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            r = self.client.post("/api/v1/auth/token",
                                 json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def register(self, username: str = "operator", **body: Any) -> dict[str, Any]:
        payload = {"kind": "complaint", "content": "小区门口的路灯坏了一个多月，晚上出行不安全",
                   "requester_phone": "13812345678", "requester_name": "张三"}
        payload.update(body)
        r = self.client.post("/api/v1/appeals", json=payload, headers=self.headers(username))
        assert r.status_code == 201, r.text
        return r.json()

    def act(self, username: str, appeal_id: int, action: str, expect: int = 200,
            **body: Any) -> dict[str, Any]:
        r = self.client.post(f"/api/v1/appeals/{appeal_id}/{action}", json=body,
                             headers=self.headers(username))
        assert r.status_code == expect, r.text
        return r.json()


def make_city(runtime: Runtime, client: TestClient) -> City:
    admin = AdminService(runtime.db, runtime.rules)
    city = City(runtime, client)
    for code, name, parent, group in UNITS:
        city.unit_ids[code] = admin.add_unit(code, name, parent_code=parent, group=group).id
    now = utcnow()
    for username, role, unit in USERS:
        admin.add_user(username, PASSWORD, role, unit_code=unit, now=now)
    for year in (2025, 2026):
        admin.load_calendar_year(year, official_year(year), source="test", now=now)
    admin.import_categories([["城乡建设", "市政设施", "路灯"], ["城乡建设", "市政设施", "道路"],
                             ["环境保护", "噪音污染", "施工噪音"]])
    return city


def page_login(client: TestClient, username: str) -> str:
    """Sign in on the login page as a city user; returns the session's CSRF token."""
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert m
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": m.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff").text)
    assert m
    return m.group(1)


def add_big_district(city: City, streets: int = 45, communities: int = 50) -> list[int]:
    """A district of `streets` × `communities` (大区, 大街道{s}, 大社区{s}-{c}) added to the city as
    an import of the tree would (no log entry): the ids of its units."""
    from sqlalchemy import select

    from jiesu.store.tables import UnitRow

    with city.runtime.db.uow(write=False) as uow:
        d1 = uow.session.get(UnitRow, city.unit_ids["D1"])
        assert d1 is not None and d1.parent_id is not None
        root, base = d1.parent_id, d1.path.rsplit("/", 2)[0] + "/"
        top = max(uow.session.scalars(select(UnitRow.id)))
    district = next_id = top + 1
    rows = [{"id": district, "code": "BIG", "name": "大区", "parent_id": root,
             "unit_group": "district", "path": f"{base}{district}/", "depth": 1,
             "active": True}]
    for s in range(streets):
        next_id += 1
        street = next_id
        rows.append({"id": street, "code": f"BIG{s}", "name": f"大街道{s}",
                     "parent_id": district, "unit_group": "street",
                     "path": f"{base}{district}/{street}/", "depth": 2, "active": True})
        for c in range(communities):
            next_id += 1
            rows.append({"id": next_id, "code": f"BIG{s}-{c}", "name": f"大社区{s}-{c}",
                         "parent_id": street, "unit_group": "community",
                         "path": f"{base}{district}/{street}/{next_id}/", "depth": 3,
                         "active": True})
    with city.runtime.db.engine.begin() as conn:
        conn.execute(UnitRow.__table__.insert(), rows)
    return [int(str(r["id"])) for r in rows]
