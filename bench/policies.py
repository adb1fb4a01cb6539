"""Policy publishing benchmark: publish one policy against N enterprises (SQLite and PostgreSQL).

    python bench/policies.py [--enterprises 20000] [--db sqlite|postgresql|both] [--keep]

Seeds the bench city and N enterprise profiles (industry, figures, a region among the city's
streets, a phone for 80 %), then times `PolicyService.publish` — what
POST /api/v1/policies/{id}/publish runs: the first pages of enterprises streamed, evaluated,
a match inserted for each eligible one and an SMS queued in the outbox — and then the periodic
jobs' `match_pending` going on with the rest, one page per transaction. About 78 % of the
enterprises are eligible (size 小型/微型 and not tax credit D).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import create_database, drop_database, log, seed_city  # noqa: E402


def seed_enterprises(url: str, n: int, regions: list[int]) -> None:
    from sqlalchemy import insert

    from jiesu.config import Settings
    from jiesu.domain.enterprise import classify_size, uscc_check_char
    from jiesu.runtime import Runtime
    from jiesu.store.enterprise_tables import EnterpriseRow

    r = random.Random(7)
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        first17 = f"91110101MA{i:07d}"
        employees = int(r.lognormvariate(3.5, 1.2))
        revenue = round(employees * r.uniform(5, 60), 1)
        size = classify_size("C", employees=employees, revenue=revenue)
        rows.append({
            "uscc": first17 + uscc_check_char(first17), "name": f"企业{i}", "industry": "C",
            "employees": employees, "revenue": revenue, "assets": None,
            "size_class": size.value if size else None, "size_declared": False,
            "region_unit_id": r.choice(regions), "founded_on": date(2010 + i % 15, 1, 1),
            "certifications": ["高新技术企业"] if i % 5 == 0 else [],
            "tax_credit": r.choice("ABMCD"),
            "contact_phone": f"139{i:08d}" if r.random() < 0.8 else None,
            "created_at": now, "updated_at": now, "version": 0})
    rt = Runtime.create(Settings(database_url=url, environment="test"))
    try:
        with rt.db.uow() as uow:
            for start in range(0, n, 5000):
                uow.session.execute(insert(EnterpriseRow), rows[start:start + 5000])
            uow.commit()
    finally:
        rt.close()


def run(kind: str, n: int, keep: bool) -> None:
    from jiesu.config import Settings
    from jiesu.domain.appeal import Actor, Role
    from jiesu.runtime import Runtime
    from jiesu.services.clock import utcnow
    from jiesu.services.policies import PolicyService
    from jiesu.services.policy_inputs import PolicyInput
    from jiesu.store import notify_store

    url = create_database(kind, "policies")
    try:
        city = seed_city(url, handlers=False)
        streets = [uid for code, uid in city.units.items() if code.count("S") == 1
                   and "C" not in code[1:]]
        seed_enterprises(url, n, streets or list(city.units.values()))
        rt = Runtime.create(Settings(database_url=url, environment="test"))
        try:
            svc = PolicyService(rt.db, rt.rules, rt.settings)
            admin = Actor(role=Role.ADMIN)
            policy = svc.save_policy(admin, PolicyInput(
                code="BENCH-1", title="小微企业稳岗补贴", issuer_unit_id=city.units["C"],
                mode="apply", conditions=[
                    {"field": "size", "op": "in", "value": ["small", "micro"]},
                    {"field": "tax_credit", "op": "not_in", "value": ["D"]},
                    {"field": "region", "op": "in", "value": [city.units["C"]]}]), utcnow())
            started = time.perf_counter()
            view = svc.publish(admin, policy.id, utcnow())
            took = time.perf_counter() - started
            # what publishing left to the periodic jobs (a page of 1,000 per transaction)
            pages, started = 0, time.perf_counter()
            while step := svc.match_pending(utcnow(), max_pages=100):
                pages += step
            rest = time.perf_counter() - started
            view = svc.policy(admin, policy.id)
            with rt.db.uow(write=False) as uow:
                sms = len(notify_store.notifications(uow.session, kind="policy_match",
                                                     limit=10 * n))
            print(f"{kind}: {n:,} enterprises: the publishing request {took:.2f} s, the jobs "
                  f"{rest:.2f} s for {pages} more pages, {took + rest:.2f} s in all "
                  f"({view.counts['eligible']:,} matched, {sms:,} SMS queued)")
        finally:
            rt.close()
    finally:
        if not keep:
            drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        log(f"{kind}: seeding {args.enterprises:,} enterprises …")
        run(kind, args.enterprises, args.keep)


if __name__ == "__main__":
    main()
