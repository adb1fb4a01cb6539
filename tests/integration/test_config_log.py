"""The configuration-change log (配置变更记录): administrators' changes are recorded with who
made them, in the same transaction, without secrets, hash-chained, and the audit check finds
an entry edited or deleted behind the application's back."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from jiesu.domain.events import GENESIS_HASH
from jiesu.runtime import Runtime
from jiesu.services import audit
from jiesu.services.admin import AdminService, Conflict
from jiesu.services.api_keys import ApiKeyService, hash_key
from jiesu.services.clock import utcnow
from jiesu.services.reporting import ReportingService
from jiesu.store.db import normalise_url
from tests.integration.test_auto_dispatch import _model
from tests.integration.test_policies import uscc
from tests.support.city import City, page_login


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = create_engine(normalise_url(db_url))
    yield e
    e.dispose()


def _entries(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text(
            "SELECT id, seq, actor_id, actor_role, area, action, summary, details, prev_hash, "
            "hash FROM config_events ORDER BY seq"))]
    for r in rows:  # SQLite gives JSON back as text
        if isinstance(r["details"], str):
            r["details"] = json.loads(r["details"])
    return rows


def _admin_id(city: City) -> int:
    r = city.client.get("/api/v1/auth/me", headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


def test_admin_changes_are_recorded_with_who_made_them_and_no_secrets(
        city: City, engine: Engine) -> None:
    before = len(_entries(engine))  # the city's own set-up, from the command line
    h = city.headers("admin")
    assert city.client.post("/api/v1/admin/units", json={
        "code": "D9", "name": "新区", "parent_code": "C", "group": "district"},
        headers=h).status_code == 201
    r = city.client.post("/api/v1/admin/users", json={
        "username": "newbie", "password": "Secret-pass-1234", "role": "dispatcher"}, headers=h)
    assert r.status_code == 201, r.text
    user_id = r.json()["id"]
    assert city.client.patch(f"/api/v1/admin/users/{user_id}", json={"role": "supervisor"},
                             headers=h).status_code == 200
    assert city.client.post(f"/api/v1/admin/users/{user_id}/password",
                            json={"password": "Other-pass-5678"}, headers=h).status_code == 200
    entries = _entries(engine)[before:]
    assert [(e["area"], e["action"]) for e in entries] == [
        ("units", "add"), ("users", "add"), ("users", "update"), ("users", "reset_password")]
    admin_id = _admin_id(city)
    assert {(e["actor_id"], e["actor_role"]) for e in entries} == {(admin_id, "admin")}
    assert entries[2]["details"]["before"] == {"role": "dispatcher"}
    assert entries[2]["details"]["after"] == {"role": "supervisor"}
    assert "角色" in entries[2]["summary"]
    everything = json.dumps([e["details"] for e in _entries(engine)], ensure_ascii=False)
    assert "pass" not in everything.lower() and "$" not in everything  # no password, no hash
    assert audit.verify(city.runtime.db).ok


def test_the_command_line_set_up_is_recorded_as_the_command_line(city: City,
                                                                 engine: Engine) -> None:
    first = _entries(engine)[0]
    assert (first["area"], first["action"], first["actor_id"], first["actor_role"]) == (
        "units", "add", None, "command_line")
    assert first["prev_hash"] == GENESIS_HASH


def test_a_refused_change_leaves_no_entry(city: City, runtime: Runtime,
                                         engine: Engine) -> None:
    before = len(_entries(engine))
    with pytest.raises(Conflict):
        AdminService(runtime.db, runtime.rules).add_unit("D1", "重复的单位")
    assert len(_entries(engine)) == before


def test_unit_rename_and_stop_are_recorded_with_before_and_after(city: City, runtime: Runtime,
                                                                 engine: Engine) -> None:
    admin = AdminService(runtime.db, runtime.rules)
    admin.add_unit("X1", "临时单位", parent_code="C")
    admin.rename_unit("X1", "正式单位")
    admin.set_unit_active("X1", False)
    rename, stop = _entries(engine)[-2:]
    assert rename["details"] == {"code": "X1", "before": {"name": "临时单位"},
                                 "after": {"name": "正式单位"}}
    assert (stop["action"], stop["details"]["after"]) == ("deactivate", {"active": False})


def _tamper(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def test_an_edited_entry_breaks_the_check(city: City, runtime: Runtime,
                                          engine: Engine) -> None:
    assert audit.verify(runtime.db).ok
    target = _entries(engine)[3]
    _tamper(engine, "UPDATE config_events SET summary = :s WHERE id = :i",
            s="新增用户 nobody", i=target["id"])
    broken = audit.verify(runtime.db).broken
    assert broken is not None and "配置变更记录" in broken.reason
    assert broken.seq == target["seq"] and "改动" in broken.reason


def test_edited_details_break_the_check(city: City, runtime: Runtime, engine: Engine) -> None:
    target = _entries(engine)[0]
    details = {**target["details"], "after": {**target["details"]["after"], "name": "假单位"}}
    _tamper(engine, "UPDATE config_events SET details = :d WHERE id = :i",
            d=json.dumps(details, ensure_ascii=False), i=target["id"])
    broken = audit.verify(runtime.db).broken
    assert broken is not None and broken.seq == target["seq"]


def test_a_deleted_entry_breaks_the_check(city: City, runtime: Runtime, engine: Engine) -> None:
    target = _entries(engine)[2]
    _tamper(engine, "DELETE FROM config_events WHERE id = :i", i=target["id"])
    broken = audit.verify(runtime.db).broken
    assert broken is not None and "配置变更记录" in broken.reason


def test_the_last_entry_deleted_breaks_the_check(city: City, runtime: Runtime,
                                                 engine: Engine) -> None:
    last = _entries(engine)[-1]
    _tamper(engine, "DELETE FROM config_events WHERE id = :i", i=last["id"])
    broken = audit.verify(runtime.db).broken
    assert broken is not None and "配置变更记录应有" in broken.reason


def _new_entries(engine: Engine, before: int) -> list[tuple[str, str]]:
    return [(e["area"], e["action"]) for e in _entries(engine)[before:]]


def test_deadline_rules_calendar_and_taxonomy_changes_are_recorded(city: City,
                                                                   engine: Engine) -> None:
    before = len(_entries(engine))
    h = city.headers("admin")
    r = city.client.post("/api/v1/admin/sla-policies", json={
        "clock": "handle", "amount": 3, "unit": "workday", "kind": "consult"}, headers=h)
    assert r.status_code == 201 and r.json()["replaced"] is None, r.text
    again = city.client.post("/api/v1/admin/sla-policies", json={
        "clock": "handle", "amount": 2, "unit": "workday", "kind": "consult"}, headers=h)
    assert again.json()["id"] == r.json()["id"]  # the same scope: replaced, and says so
    assert again.json()["replaced"] == {"amount": 3, "unit": "workday"}
    assert city.client.delete(f"/api/v1/admin/sla-policies/{r.json()['id']}",
                              headers=h).status_code == 204
    days = [{"day": "2030-01-01", "is_workday": False}, {"day": "2030-01-05", "is_workday": True}]
    assert city.client.post("/api/v1/admin/calendar", json={"year": 2030, "days": days},
                            headers=h).status_code == 200
    assert city.client.post("/api/v1/admin/categories", json={"name": "交通管理"},
                            headers=h).status_code == 201
    assert _new_entries(engine, before) == [
        ("deadlines", "set"), ("deadlines", "set"), ("deadlines", "delete"),
        ("calendar", "load_year"),
        ("taxonomy", "add")]
    sla, replaced, deleted, calendar, _ = _entries(engine)[before:]
    assert sla["details"]["after"]["amount"] == 3 and deleted["details"]["before"]["kind"] == (
        "consult")
    assert replaced["details"]["after"]["amount"] == 2
    assert calendar["details"]["working_weekend_days"] == ["2030-01-05"]
    assert calendar["details"]["holidays_on_weekdays"] == ["2030-01-01"]


def test_intake_rules_kpi_weights_and_settings_are_recorded(city: City, runtime: Runtime,
                                                            engine: Engine) -> None:
    before = len(_entries(engine))
    h = {**city.headers("admin"), "Content-Type": "application/json"}
    rule = {"name": "burst_hydrant", "keywords": ["井喷"], "level": "emergency",
            "message": "请立即转接 119"}
    assert city.client.put("/api/v1/admin/intake/urgency", headers=h, content=json.dumps(
        {"rules": [rule]}, ensure_ascii=False).encode()).status_code == 200
    assert city.client.put("/api/v1/admin/intake/routing", headers=h, content=json.dumps(
        {"rules": [{"category": "01.01", "unit": "D1"}]}).encode()).status_code == 200
    assert city.client.delete("/api/v1/admin/intake/routing",
                              headers=city.headers("admin")).status_code == 204
    admin = runtime.auth.user(_admin_id(city), fresh=True)
    assert admin is not None
    ReportingService(runtime.db, runtime.rules, runtime.settings).set_formula(
        admin.actor(), {"basic_satisfaction_weight": 0.5}, "基本满意按一半计", utcnow())
    AdminService(runtime.db, runtime.rules, admin).set_rule_settings(
        {"max_extensions": "2"}, utcnow())
    assert _new_entries(engine, before) == [
        ("intake", "replace"), ("intake", "replace"), ("intake", "clear"),
        ("kpi", "set_formula"), ("settings", "set")]
    urgency, routing, cleared, kpi, settings = _entries(engine)[before:]
    assert urgency["details"]["kind"] == "urgency" and urgency["details"]["count"] == 1
    assert routing["details"]["rules"] == [{"category": "01.01", "unit": "D1"}]
    assert cleared["details"] == {"kind": "routing"}
    assert kpi["details"]["after"] == {"basic_satisfaction_weight": 0.5}
    assert kpi["actor_id"] == admin.id
    assert settings["details"]["after"] == {"max_extensions": 2}
    assert audit.verify(runtime.db).ok


def test_the_auditor_reads_the_changes_with_who_made_them_and_filters_them(
        city: City, runtime: Runtime) -> None:
    h = city.headers("admin")
    assert city.client.post("/api/v1/admin/units", json={
        "code": "D9", "name": "新区", "parent_code": "C", "group": "district"},
        headers=h).status_code == 201
    c = city.client
    page_login(c, "auditor")
    audit_page = c.get("/staff/audit").text
    assert 'href="/staff/audit/config"' in audit_page
    page = c.get("/staff/audit/config").text
    assert "配置变更记录" in page and "新增单位 D9 新区" in page
    row = re.search(r'<tr data-entry="\d+">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "新增单位 D9 新区" in row.group(1) and "管理员" in row.group(1)  # newest first
    assert "命令行" in page  # the city's set-up
    only_users = c.get("/staff/audit/config?type=users").text
    assert "新增用户" in only_users and "新增单位" not in only_users
    empty = c.get("/staff/audit/config?from=2000-01-01&to=2000-01-02").text
    assert "没有符合条件的配置变更记录" in empty
    assert "请从列表中选择配置类别" in c.get("/staff/audit/config?type=nope").text
    english = c.get("/staff/audit/config?lang=en").text
    assert "Configuration changes" in english and "Area" in english, english[-3000:]
    assert "Unit D9 新区 added" in english and "新增单位" not in english
    # its columns say what they hold: the other tables' "Actions" column holds buttons
    assert '<th scope="col">Action</th><th scope="col">What changed</th>' in english


def test_a_change_of_handling_rules_names_them_as_the_form_does(city: City) -> None:
    """The summary named the rules by their code (修改系统设置：followup_retry_minutes、
    max_extensions); the values before and after keep the codes."""
    r = city.client.patch("/api/v1/admin/rules", headers=city.headers("admin"),
                          json={"followup_retry_minutes": 30, "max_extensions": 2,
                                "followup_max_attempts": 3})  # unchanged: not named
    assert r.status_code == 200, r.text
    page_login(city.client, "auditor")
    page = city.client.get("/staff/audit/config?type=settings").text
    assert "修改系统设置：最多延期次数、回访重拨间隔（分钟）" in page, page[-3000:]
    assert "followup_retry_minutes" in page  # the details: before and after by code
    english = city.client.get("/staff/audit/config?type=settings&lang=en").text
    assert ("Settings changed: Most extensions, Minutes between follow-up calls that reached "
            "no one") in english


def test_only_auditors_and_administrators_read_the_changes(city: City) -> None:
    page_login(city.client, "dispatcher")
    r = city.client.get("/staff/audit/config", follow_redirects=False)
    assert r.status_code in (303, 403)


def test_api_keys_are_recorded_by_client_name_never_the_key(city: City, runtime: Runtime,
                                                             engine: Engine) -> None:
    before = len(_entries(engine))
    admin = runtime.auth.user(_admin_id(city), fresh=True)
    assert admin is not None
    svc = ApiKeyService(runtime.db)
    info, key = svc.create("街道网格系统", utcnow(), rate_per_minute=30, by=admin)
    svc.revoke(info.id, utcnow(), by=admin)
    svc.revoke(info.id, utcnow(), by=admin)  # already revoked: nothing changes, nothing kept
    created, revoked = _entries(engine)[before:]
    assert (created["area"], created["action"], revoked["action"]) == (
        "api_keys", "create", "revoke")
    assert created["details"]["name"] == "街道网格系统" and created["actor_id"] == admin.id
    kept = json.dumps([created, revoked], ensure_ascii=False, default=str)
    assert key not in kept and hash_key(key) not in kept and key[:10] not in kept
    assert audit.verify(runtime.db).ok


def test_a_change_on_the_admin_page_is_recorded_as_the_signed_in_administrator(
        city: City, engine: Engine) -> None:
    c = city.client
    token = page_login(c, "admin")
    r = c.post("/staff/admin/units", follow_redirects=True, data={
        "csrf_token": token, "code": "N7", "name": "新区水务局", "parent_code": "C",
        "group": "department"})
    assert "已添加单位：新区水务局" in r.text
    r = c.post("/staff/admin/sla", follow_redirects=True, data={
        "csrf_token": token, "clock": "sign", "amount": "4", "limit_unit": "hour"})
    last_two = _entries(engine)[-2:]
    assert "已新增时限规则：签收·全部诉求 4 小时" in r.text
    assert [(e["area"], e["action"]) for e in last_two] == [("units", "add"),
                                                            ("deadlines", "set")]
    assert {e["actor_id"] for e in last_two} == {_admin_id(city)}


def test_changes_made_at_the_same_moment_keep_one_unbroken_chain(city: City,
                                                                 runtime: Runtime) -> None:
    """Two administrators at once: each writer locks the chain head, so it never forks."""
    admin = AdminService(runtime.db, runtime.rules)
    failures: list[BaseException] = []

    def rename(code: str) -> None:
        try:
            for n in range(5):
                admin.rename_unit(code, f"{code} 第 {n} 次改名")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    workers = [threading.Thread(target=rename, args=(code,)) for code in ("D1", "D2")]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert failures == []
    assert audit.verify(runtime.db).ok


# --- the classifier model in use, the knowledge base and support policies ---------------------


def test_knowledge_base_edits_are_recorded_with_the_words_before_and_after(
        city: City, engine: Engine) -> None:
    before = len(_entries(engine))
    c, admin = city.client, city.headers("admin")
    article = {"title": "公积金怎么提取？", "answer": "登录公积金网上大厅提交申请。",
               "keywords": "公积金", "owner_unit_id": city.unit_ids["D1"]}
    r = c.post("/api/v1/knowledge/articles", json=article, headers=admin)
    assert r.status_code == 201, r.text
    made = r.json()["id"]
    edited = article | {"answer": "登录网上大厅或到柜台申请，3 个工作日到账。", "version": 0}
    assert c.put(f"/api/v1/knowledge/articles/{made}", json=edited,
                 headers=admin).status_code == 200
    # saved again as it is: nothing changed, nothing recorded
    assert c.put(f"/api/v1/knowledge/articles/{made}", json=edited | {"version": 1},
                 headers=admin).status_code == 200
    for action in ("publish", "archive"):
        assert c.post(f"/api/v1/knowledge/articles/{made}/{action}",
                      headers=admin).status_code == 200
    # a handler keeps its own unit's articles: recorded as the handler
    r = c.post("/api/v1/knowledge/articles", headers=city.headers("handler_d1"),
               json=article | {"title": "居住证怎么办？", "owner_unit_id": city.unit_ids["D1S1"]})
    assert r.status_code == 201, r.text
    # refused: another district's article, an empty title, publishing an archived one twice
    assert c.post("/api/v1/knowledge/articles", headers=city.headers("handler_d1"),
                  json=article | {"owner_unit_id": city.unit_ids["D2"]}).status_code == 403
    assert c.post("/api/v1/knowledge/articles", json=article | {"title": " "},
                  headers=admin).status_code == 422
    assert c.post(f"/api/v1/knowledge/articles/{made}/archive",
                  headers=admin).status_code == 409
    entries = _entries(engine)[before:]
    assert [(e["area"], e["action"]) for e in entries] == [
        ("knowledge", "add"), ("knowledge", "update"), ("knowledge", "publish"),
        ("knowledge", "archive"), ("knowledge", "add")]
    added, update, publish, archive, by_handler = entries
    assert added["summary"] == f"新增知识库文章 #{made}《公积金怎么提取？》（草稿）"
    assert added["details"]["after"]["answer"] == article["answer"]
    assert update["summary"] == f"修改知识库文章 #{made}《公积金怎么提取？》：答复口径"
    assert update["details"] == {"article_id": made,
                                 "before": {"answer": article["answer"]},
                                 "after": {"answer": edited["answer"]}}
    assert publish["details"]["after"] == {"status": "published"}
    assert archive["details"] == {"article_id": made, "before": {"status": "published"},
                                  "after": {"status": "archived"}}
    assert {e["actor_id"] for e in entries[:4]} == {_admin_id(city)}
    assert by_handler["actor_role"] == "handler" and by_handler["actor_id"] is not None
    assert audit.verify(city.runtime.db).ok


def test_policy_edits_are_recorded_but_not_enterprises_nor_casework(
        city: City, engine: Engine) -> None:
    before = len(_entries(engine))
    c, admin = city.client, city.headers("admin")
    small = [{"field": "size", "op": "in", "value": ["micro", "small"]}]
    policy = {"code": "P-RENT", "title": "小微企业房租补贴", "mode": "apply",
              "issuer_unit_id": city.unit_ids["D1"], "conditions": small}
    r = c.post("/api/v1/policies", json=policy, headers=admin)
    assert r.status_code == 201, r.text
    made = r.json()["id"]
    stricter = small + [{"field": "employees", "op": "lte", "value": 100}]
    r = c.put(f"/api/v1/policies/{made}", json=policy | {"conditions": stricter, "version": 0},
              headers=admin)
    assert r.status_code == 200, r.text
    assert c.post(f"/api/v1/policies/{made}/publish", headers=admin).status_code == 200
    # an enterprise profile and its match are casework: not in the log
    r = c.post("/api/v1/enterprises", headers=admin, json={
        "uscc": uscc(1), "name": "示范科技有限公司", "industry": "C", "employees": 50,
        "revenue": 1000})
    assert r.status_code == 201, r.text
    # refused: a second policy with the same code, withdrawing without a reason
    assert c.post("/api/v1/policies", json=policy, headers=admin).status_code == 409
    assert c.post(f"/api/v1/policies/{made}/withdraw", json={"reason": " "},
                  headers=admin).status_code == 422
    r = c.post(f"/api/v1/policies/{made}/withdraw", json={"reason": "资金已用完"},
               headers=admin)
    assert r.status_code == 200, r.text
    entries = _entries(engine)[before:]
    assert [(e["area"], e["action"]) for e in entries] == [
        ("policies", "add"), ("policies", "update"), ("policies", "publish"),
        ("policies", "withdraw")]
    added, update, publish, withdraw = entries
    assert added["summary"] == "新增惠企政策 P-RENT《小微企业房租补贴》（草稿）"
    assert added["details"]["after"]["conditions"] == small
    assert update["summary"] == "修改惠企政策 P-RENT《小微企业房租补贴》：申报条件"
    assert update["details"]["before"] == {"conditions": small}
    assert update["details"]["after"]["conditions"][1]["field"] == "employees"
    assert publish["details"]["after"] == {"status": "published"}
    assert withdraw["summary"] == "撤回惠企政策 P-RENT《小微企业房租补贴》：资金已用完"
    assert withdraw["details"]["reason"] == "资金已用完"
    assert withdraw["details"]["lapsed_matches"] == 1  # the enterprise's match, told by SMS
    assert {e["actor_id"] for e in entries} == {_admin_id(city)}
    assert audit.verify(city.runtime.db).ok


def test_activating_a_classifier_model_on_the_admin_page_is_recorded(
        city: City, engine: Engine) -> None:
    from jiesu.nlp.classify import ModelRegistry

    registry = ModelRegistry(city.runtime.settings.model_dir)
    model = _model()
    first, second = registry.save(model), registry.save(model)
    registry.activate(first)
    before = len(_entries(engine))
    c = city.client
    token = page_login(c, "admin")
    for bad in ("nope", "../escape"):  # refused: nothing changes, nothing recorded
        c.post("/staff/admin/models/activate", data={"version": bad, "csrf_token": token})
    assert registry.active_version() == first and len(_entries(engine)) == before
    r = c.post("/staff/admin/models/activate", follow_redirects=True,
               data={"version": second, "csrf_token": token})
    assert "已启用所选模型" in r.text and registry.active_version() == second
    (entry,) = _entries(engine)[before:]
    assert (entry["area"], entry["action"], entry["actor_id"], entry["actor_role"]) == (
        "models", "activate", _admin_id(city), "admin")
    assert entry["summary"] == f"启用分类模型 {second}（此前启用：{first}）"
    assert entry["details"]["before"] == {"version": first}
    after = entry["details"]["after"]
    assert after["version"] == second and after["n_samples"] == model.metadata["n_samples"]
    assert after["accuracy"] == model.metadata["metrics"]["accuracy"]
    assert audit.verify(city.runtime.db).ok


def test_the_auditor_filters_the_new_areas(city: City, runtime: Runtime) -> None:
    c, admin = city.client, city.headers("admin")
    assert c.post("/api/v1/knowledge/articles", headers=admin, json={
        "title": "供暖时间", "answer": "每年 11 月 15 日起供暖。",
        "owner_unit_id": city.unit_ids["D1"]}).status_code == 201
    assert c.post("/api/v1/policies", headers=admin, json={
        "code": "P-AUTO", "title": "稳岗补贴", "mode": "auto",
        "issuer_unit_id": city.unit_ids["D1"], "conditions": []}).status_code == 201
    page_login(c, "auditor")
    page = c.get("/staff/audit/config").text
    for area, name in (("models", "分类模型"), ("knowledge", "知识库"), ("policies", "惠企政策")):
        assert f'<option value="{area}">{name}</option>' in page
    knowledge = c.get("/staff/audit/config?type=knowledge").text
    assert "新增知识库文章" in knowledge and "稳岗补贴" not in knowledge
    policies = c.get("/staff/audit/config?type=policies").text
    assert "新增惠企政策 P-AUTO《稳岗补贴》（草稿）" in policies and "供暖时间" not in policies
    assert "没有符合条件的配置变更记录" in c.get("/staff/audit/config?type=models").text
    english = c.get("/staff/audit/config?type=policies&lang=en").text
    assert "Support policies" in english
    assert "Support policy P-AUTO “稳岗补贴” added (draft)" in english


# --- the periodic anchor keeps the configuration chain's head -----------------------------------


def _rewrite_history(runtime: Runtime, *, summary_of_first: str | None = None,
                     keep: int | None = None) -> None:
    """What a tamperer with database access can do: rewrite the configuration chain from its
    first entry (a new summary, or only the first `keep` entries) and its head consistently,
    every hash recomputed."""
    from jiesu.domain.config_events import ConfigChange, entry_hash
    from jiesu.store import config_store

    with runtime.db.uow() as uow:
        s = uow.session
        rows = list(config_store.in_chain_order(s, 1000))
        for row in rows[keep:] if keep is not None else []:
            s.delete(row)
        prev = GENESIS_HASH
        for row in rows[:keep] if keep is not None else rows:
            if row.seq == 1 and summary_of_first is not None:
                row.summary = summary_of_first
            row.prev_hash = prev
            row.hash = prev = entry_hash(prev, row.seq, ConfigChange(
                row.area, row.action, row.at, row.actor_id, row.actor_role, row.summary,
                row.details))
        head = config_store.locked_head(s)
        head.count, head.head = (keep if keep is not None else len(rows)), prev
        uow.commit()


def _anchor(city: City, runtime: Runtime) -> None:
    from datetime import timedelta

    city.register()  # an anchor is written over new events
    assert audit.anchor(runtime.db, utcnow() + timedelta(minutes=2)) > 0


def test_a_consistently_rewritten_history_is_caught_once_an_anchor_kept_its_head(
        city: City, runtime: Runtime, engine: Engine) -> None:
    _rewrite_history(runtime, summary_of_first="新增单位 C 假城市")
    assert audit.verify(runtime.db).ok  # before any anchor: the chain alone cannot tell
    _anchor(city, runtime)
    anchored = len(_entries(engine))
    AdminService(runtime.db, runtime.rules).add_unit("X1", "锚定后新增的单位", parent_code="C")
    assert audit.verify(runtime.db).ok  # changes after the anchor are whole
    _rewrite_history(runtime, summary_of_first="新增单位 C 另一个城市")
    broken = audit.verify(runtime.db).broken
    assert broken is not None, "a rewritten configuration history went unnoticed"
    assert "与锚点" in broken.reason and "配置变更记录被改写" in broken.reason, broken.reason
    assert broken.seq == anchored  # the head the anchor kept no longer matches


def test_the_anchor_s_digest_and_the_head_it_kept_are_shown_and_logged(
        city: City, runtime: Runtime, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="jiesu.audit"):
        _anchor(city, runtime)
    entries = len(_entries(engine))
    with engine.connect() as conn:
        digest, kept = conn.execute(text(
            "SELECT digest, config_seq FROM event_anchors ORDER BY id DESC")).first()
    assert kept == entries
    assert f"configuration changes 1-{entries}, digest {digest}" in caplog.text
    page_login(city.client, "auditor")
    line = re.search(r"<p data-anchor>(.*?)</p>", city.client.get("/staff/audit").text, re.S)
    assert line is not None
    assert f"锚点同时记下了配置变更记录的链头（前 {entries} 条）" in line.group(1)
    assert f'<code title="{digest}">{digest[:16]}</code>' in line.group(1)


def test_a_configuration_history_cut_short_behind_an_anchor_is_caught(
        city: City, runtime: Runtime, engine: Engine) -> None:
    _anchor(city, runtime)
    _rewrite_history(runtime, keep=len(_entries(engine)) - 2)
    broken = audit.verify(runtime.db).broken
    assert broken is not None and "配置变更记录只有" in broken.reason, broken
    assert "锚点" in broken.reason
