"""Migrations (SQLite and PostgreSQL): all heads build the schema the models describe, and data
migrations run on a database that was at the revision before them."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, column, create_engine, select, table, text

import jiesu.store
from jiesu.config import Settings
from jiesu.domain.appeal import Actor, Role
from jiesu.runtime import Runtime
from jiesu.services import notices
from jiesu.services.appeals import NewAppeal
from jiesu.services.clock import utcnow
from jiesu.services.exchange import ImportService
from jiesu.services.import_mapping import load_mapping
from jiesu.store import notify_store
from jiesu.store.db import normalise_url
from jiesu.store.migrate import alembic_config, upgrade
from jiesu.store.tables import Base


def test_phone_numbers_stored_as_typed_become_digits(empty_db_url: str) -> None:
    heads = ScriptDirectory.from_config(alembic_config(empty_db_url)).get_heads()
    for head in heads:  # every branch at its newest, but this one just before 0008
        upgrade(empty_db_url, "0007_inbox" if head == "0008_phone_digits" else head)
    rt = Runtime.create(Settings(database_url=empty_db_url, environment="test"))
    try:
        ids = [rt.appeals.register(Actor(role=Role.OPERATOR, user_id=None),
                                   NewAppeal(kind="complaint", content=f"路灯坏了 {n}",
                                             requester_phone="13800013800"), utcnow()).appeal_id
               for n in range(3)]
    finally:
        rt.close()
    engine = create_engine(normalise_url(empty_db_url))
    typed = {ids[0]: "１３８ ０００１－３８００", ids[1]: "(138) 0001-3800", ids[2]: "13800013800"}
    with engine.begin() as conn:
        for appeal_id, phone in typed.items():
            conn.execute(text("UPDATE appeals SET requester_phone = :p WHERE id = :i"),
                         {"p": phone, "i": appeal_id})
    upgrade(empty_db_url, "heads")
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, requester_phone FROM appeals")).all())
    engine.dispose()
    assert stored == {i: "13800013800" for i in ids}


def test_imports_older_than_their_import_time_get_it_from_their_import_event(
        empty_db_url: str, tmp_path: Path) -> None:
    """Migration 0033: an appeal `jiesu import` wrote before the import kept its time gets the
    time of its `import` event as `extra.import.at` (so its history's warnings go into the
    digest); an appeal registered here is left as it was."""
    heads = ScriptDirectory.from_config(alembic_config(empty_db_url)).get_heads()
    for head in heads:  # every branch at its newest, but this one (and 0038, after it) before
        upgrade(empty_db_url, "0001" if head in ("0033_history_digests", "0038_digest_appeals")
                else head)
    rt = Runtime.create(Settings(database_url=empty_db_url, environment="test"))
    imported_at = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    try:
        live = rt.appeals.register(Actor(role=Role.OPERATOR, user_id=None),
                                   NewAppeal(kind="complaint", content="路灯坏了",
                                             channel="import"), utcnow()).appeal_id
        data, mapping = tmp_path / "old.csv", tmp_path / "old.toml"
        data.write_text("工单号,受理时间,诉求描述\nA1,2025-03-03 09:00,井盖丢了\n"
                        "A2,2025-03-04 09:00,路面塌陷\n", encoding="utf-8")
        mapping.write_text('name = "old"\n[source]\nformat = "csv"\n[fields]\n'
                           'source_id = "工单号"\ncreated_at = "受理时间"\n'
                           'content = "诉求描述"\n', encoding="utf-8")
        report = ImportService(rt.db, rt.rules).run(data, load_mapping(mapping), imported_at)
        assert report.imported == 2
    finally:
        rt.close()
    engine = create_engine(normalise_url(empty_db_url))
    appeals = table("appeals", column("id"), column("source_ref"), column("extra", JSON))
    with engine.begin() as conn:  # as the import wrote them before 2026-11-29
        for appeal_id, extra in conn.execute(select(appeals.c.id, appeals.c.extra)
                                             .where(appeals.c.source_ref.is_not(None))).all():
            del extra["import"]["at"]
            conn.execute(appeals.update().where(appeals.c.id == appeal_id).values(extra=extra))
    upgrade(empty_db_url, "heads")
    with engine.connect() as conn:
        stored = {i: e for i, e in conn.execute(select(appeals.c.id, appeals.c.extra)).all()}
    engine.dispose()
    assert len(stored) == 3 and "import" not in stored[live]
    for appeal_id, extra in stored.items():
        if appeal_id != live:
            assert datetime.fromisoformat(extra["import"]["at"]) == imported_at
            assert extra["import"]["mapping"] == "old"


def _appeals_before(url: str, not_yet: tuple[str, ...], n: int) -> list[int]:
    """Upgrade every branch to its newest but the heads `not_yet`, and register `n` appeals
    (their phones to be set to an old form by the test)."""
    for head in ScriptDirectory.from_config(alembic_config(url)).get_heads():
        if head not in not_yet:
            upgrade(url, head)
    rt = Runtime.create(Settings(database_url=url, environment="test"))
    try:
        return [rt.appeals.register(Actor(role=Role.OPERATOR, user_id=None),
                                    NewAppeal(kind="complaint", content=f"路灯坏了 {k}",
                                              requester_phone="13800013800"),
                                    utcnow()).appeal_id for k in range(n)]
    finally:
        rt.close()


def test_mobiles_stored_with_the_country_code_become_their_eleven_digits(
        empty_db_url: str) -> None:
    """0032: "+86 138…" was stored as typed and missed every lookup by "138…"; landlines and
    a rater's second rating of one appeal (the double rating it let through) stay."""
    # every branch at its newest, but not this one nor 0037 (after it)
    ids = _appeals_before(empty_db_url, ("0032_phone_national", "0037_phone_landline"), 4)
    engine = create_engine(normalise_url(empty_db_url))
    typed = {ids[0]: "+8613800013800", ids[1]: "008613800013800", ids[2]: "+861065551234",
             ids[3]: "86123456"}
    now = utcnow()
    with engine.begin() as conn:
        for appeal_id, phone in typed.items():
            conn.execute(text("UPDATE appeals SET requester_phone = :p WHERE id = :i"),
                         {"p": phone, "i": appeal_id})
        conn.execute(text("INSERT INTO units (code, name, unit_group, path, depth, active) "
                          "VALUES ('U', '单位', 'department', '/', 0, :t)"), {"t": True})
        unit = conn.execute(text("SELECT id FROM units WHERE code = 'U'")).scalar_one()
        for appeal_id, rater in ((ids[0], "8613800013800"), (ids[1], "8613800013800"),
                                 (ids[1], "13800013800")):
            conn.execute(text(
                "INSERT INTO ratings (appeal_id, unit_id, stars, rater_phone, source, "
                "created_at, excluded) VALUES (:a, :u, 5, :p, 'requester', :t, :f)"),
                {"a": appeal_id, "u": unit, "p": rater, "t": now, "f": False})
    upgrade(empty_db_url, "0032_phone_national")
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, requester_phone FROM appeals")).all())
        raters = sorted(conn.execute(text(
            "SELECT appeal_id, rater_phone FROM ratings")).all())
    engine.dispose()
    assert stored == {ids[0]: "13800013800", ids[1]: "13800013800", ids[2]: "+861065551234",
                      ids[3]: "86123456"}
    assert raters == [(ids[0], "13800013800"), (ids[1], "13800013800"),
                      (ids[1], "8613800013800")]


def test_landlines_stored_with_the_country_code_become_the_numbers_dialled_at_home(
        empty_db_url: str) -> None:
    """0037: "+86 10 6555 1234" was stored as "+861065551234" (its requester's rating as
    "861065551234") and missed every lookup by "010…": the appeals', enterprises', users' and
    units' numbers and the appeal's ratings by its requester take the national form; a number
    the rule does not know, another country's, and a rater's second rating under the new form
    (the double rating it let through) stay; no row is lost."""
    ids = _appeals_before(empty_db_url, ("0037_phone_landline",), 6)
    engine = create_engine(normalise_url(empty_db_url))
    typed = {ids[0]: "+861065551234", ids[1]: "00862165123456", ids[2]: "+864001234567",
             ids[3]: "+8657187654321转8", ids[4]: "+861165551234", ids[5]: "+14155550100"}
    now = utcnow()
    with engine.begin() as conn:
        for appeal_id, phone in typed.items():
            conn.execute(text("UPDATE appeals SET requester_phone = :p WHERE id = :i"),
                         {"p": phone, "i": appeal_id})
        conn.execute(text("INSERT INTO units (code, name, unit_group, path, depth, active, "
                          "contact_phone) VALUES ('U', '单位', 'department', '/', 0, :t, "
                          "'+86075587654321')"), {"t": True})
        unit = conn.execute(text("SELECT id FROM units WHERE code = 'U'")).scalar_one()
        conn.execute(text("INSERT INTO users (username, display_name, password_hash, role, "
                          "active, created_at, credentials_version, phone) VALUES "
                          "('liaison', '联络员', 'x', 'handler', :t, :n, 0, '+862087654321')"),
                     {"t": True, "n": now})
        conn.execute(text("INSERT INTO enterprises (uscc, name, size_declared, certifications, "
                          "contact_phone, created_at, updated_at, version) VALUES "
                          "('91110000000000000X', '企业', :f, '[]', '008602887654321', :n, :n, "
                          "0)"), {"f": False, "n": now})
        for appeal_id, rater in ((ids[0], "861065551234"), (ids[1], "862165123456"),
                                 (ids[1], "02165123456"), (ids[4], "861165551234")):
            conn.execute(text(
                "INSERT INTO ratings (appeal_id, unit_id, stars, rater_phone, source, "
                "created_at, excluded) VALUES (:a, :u, 5, :p, 'requester', :t, :f)"),
                {"a": appeal_id, "u": unit, "p": rater, "t": now, "f": False})
    upgrade(empty_db_url, "heads")
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, requester_phone FROM appeals")).all())
        raters = sorted(conn.execute(text(
            "SELECT appeal_id, rater_phone FROM ratings")).all())
        others = [conn.execute(text(f"SELECT {column} FROM {table}")).scalar_one()
                  for table, column in (("units", "contact_phone"), ("users", "phone"),
                                        ("enterprises", "contact_phone"))]
    engine.dispose()
    assert stored == {ids[0]: "01065551234", ids[1]: "02165123456", ids[2]: "4001234567",
                      ids[3]: "057187654321转8", ids[4]: "+861165551234",
                      ids[5]: "+14155550100"}
    assert raters == sorted([(ids[0], "01065551234"), (ids[1], "02165123456"),
                             (ids[1], "862165123456"), (ids[4], "861165551234")])
    assert others == ["075587654321", "02087654321", "02887654321"]


def test_a_digest_pending_before_its_appeals_were_counted_counts_its_warnings(
        empty_db_url: str) -> None:
    """0038: a digest recorded before the sweep counted its appeals has none (NULL), keeps
    none when the sweep adds to it, and is texted counting warnings (条), not 件; one recorded
    since counts appeals."""
    heads = ScriptDirectory.from_config(alembic_config(empty_db_url)).get_heads()
    for head in heads:  # every branch at its newest, but not this one
        if head != "0038_digest_appeals":
            upgrade(empty_db_url, head)
    now = utcnow()
    engine = create_engine(normalise_url(empty_db_url))
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO history_digests (recipient, import_at, sign_yellow, sign_red, "
            "handle_yellow, handle_red, created_at) VALUES ('13900001111', :at, 0, 1, 0, 1, "
            ":t)"), {"at": now.isoformat(), "t": now})
    engine.dispose()
    upgrade(empty_db_url, "heads")
    rt = Runtime.create(Settings(database_url=empty_db_url, environment="test"))
    try:
        with rt.db.uow() as uow:
            notify_store.add_to_history_digest(uow.session, "13900001111", now.isoformat(),
                                               {("handle", "red"): 1}, now, appeals=1)
            notify_store.add_to_history_digest(uow.session, "13900002222", now.isoformat(),
                                               {("sign", "red"): 1, ("handle", "red"): 1}, now,
                                               appeals=1)
            uow.commit()
        assert notices.send_history_digests(rt.db, rt.settings, now) == 2
        with rt.db.uow(write=False) as uow:
            texts = {n.recipient: n.body for n in notify_store.notifications(uow.session)}
    finally:
        rt.close()
    city = rt.settings.city_name
    assert texts == {
        "13900001111": f"【{city}12345】导入的历史诉求有 3 条超期预警（签收 1、办理 2），"
                       "已自动督办，请登录系统查看。",
        "13900002222": f"【{city}12345】导入的历史诉求中有 1 件已超期（签收 1、办理 1），"
                       "已自动督办，请登录系统查看。"}


def test_the_migrations_build_exactly_the_tables_the_models_describe(db_url: str) -> None:
    """Every head applied gives the columns, types, indexes and keys of the SQLAlchemy models
    (store/tables.py and every store/*_tables.py): a column added to a model without its
    migration, or the other way round, fails here."""
    for module in pkgutil.iter_modules(jiesu.store.__path__):
        if module.name.endswith("tables"):
            importlib.import_module(f"jiesu.store.{module.name}")
    engine = create_engine(normalise_url(db_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
