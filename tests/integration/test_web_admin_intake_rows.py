"""The intake tab's rule rows (SQLite and PostgreSQL): an administrator adds, changes and
deletes one routing rule (category × area → unit) and one urgency rule at a time through
plain forms with labelled fields and selects, without writing CSV or JSON; a refused rule
comes back in Chinese with the form as typed and nothing changed; every change is one entry
of the configuration log (area intake) in the same transaction."""

from __future__ import annotations

import html
import re
import threading
from typing import Any

import pytest
from sqlalchemy import select

from jiesu.domain.errors import InvalidArguments
from jiesu.services import audit
from jiesu.services.clock import utcnow
from jiesu.services.intake_config import IntakeConfigService
from jiesu.store.config_tables import ConfigEventRow
from tests.integration.test_web_admin_intake import login_admin
from tests.support.city import City

PAGE = "/staff/admin?tab=intake"


def _flash(page: str) -> str:
    found = re.search(r'class="flash flash-ok"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def _error(page: str, kind: str) -> str:
    found = re.search(rf'data-rule-error="{kind}">(.*?)</div>', page, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def _form(page: str, kind: str) -> str:
    found = re.search(rf'<form method="post" action="/staff/admin/intake/{kind}/rule" '
                      r'id=.*?</form>', page, re.S)
    assert found, kind
    return found.group(0)


def _selected(form: str, name: str) -> list[str]:
    """The selected options of the selects named `name`, in order."""
    out = []
    for select_ in re.findall(rf'<select[^>]*name="{name}".*?</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select_)
        out.append(chosen.group(1) if chosen else "")
    return out


def _value(form: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', form)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def _intake_log(city: City) -> list[tuple[str, str, dict[str, Any]]]:
    with city.runtime.db.uow(write=False) as uow:
        rows = uow.session.scalars(select(ConfigEventRow).where(
            ConfigEventRow.area == "intake").order_by(ConfigEventRow.seq)).all()
        return [(r.details["kind"], r.action, dict(r.details)) for r in rows]


def test_routing_rules_are_added_changed_and_deleted_row_by_row(city: City) -> None:
    c = city.client
    token = login_admin(c)
    form = _form(c.get(PAGE).text, "routing")
    assert "新增路由规则" in c.get(PAGE).text
    # the fields are selects of the city's categories and units, each with its label
    assert '<option value="01.01">城乡建设/市政设施 · 01.01</option>' in form
    assert '<option value="W">&nbsp;&nbsp;市水务局 · W</option>' in form
    for field in ("rr-category", "rr-area", "rr-unit"):
        assert f'<label for="{field}">' in form

    r = c.post("/staff/admin/intake/routing/rule", follow_redirects=False, data={
        "csrf_token": token, "category": "01.01", "area": "", "unit": "W"})
    assert r.status_code == 303 and r.headers["location"] == PAGE
    page = c.get(PAGE).text
    assert _flash(page) == "已新增路由规则：城乡建设/市政设施 × 全部区域 → 市水务局"
    assert 'data-routing-rule="1"' in page and 'data-routing-rule="2"' not in page
    unit = city.register(category="01.01.001")["suggestions"]["unit"]
    assert unit["unit_id"] == city.unit_ids["W"] and unit["reason"] == "rule"

    # 修改 opens the form with the rule in it
    form = _form(c.get(PAGE + "&routing=1").text, "routing")
    assert _selected(form, "category") == ["01.01"] and _selected(form, "unit") == ["W"]
    assert _value(form, "editing") == "1" and _value(form, "orig_category") == "01.01"
    page = c.post("/staff/admin/intake/routing/rule", follow_redirects=True, data={
        "csrf_token": token, "editing": "1", "orig_category": "01.01", "orig_area": "",
        "category": "01.01", "area": "D1", "unit": "D1S1"}).text
    assert _flash(page) == "已修改路由规则：城乡建设/市政设施 × 东城区 → 东华门街道"
    assert 'data-routing-rule="2"' not in page
    assert IntakeConfigService(city.runtime.db).show().routing[0].as_dict() == {
        "category": "01.01", "area": "D1", "unit": "D1S1"}

    # refused: in Chinese, the form as typed, nothing changed
    for typed, said in (
            ({"category": "01.01", "area": "D1", "unit": "W"},
             "已有同一分类和区域的路由规则（派给 D1S1），请修改那一条"),
            ({"category": "", "area": "", "unit": "W"},
             "路由规则未保存：须指定分类或区域（否则所有诉求都会派给同一单位）"),
            ({"category": "01.01", "area": "", "unit": "NOPE"},
             "路由规则未保存：承办单位 NOPE 不存在"),
            ({"category": "99", "area": "D2", "unit": ""},
             "路由规则未保存：分类 99 不存在（填分类编码或完整名称）；缺少承办单位（unit）")):
        r = c.post("/staff/admin/intake/routing/rule", data={"csrf_token": token, **typed})
        assert r.status_code == 400 and _error(r.text, "routing") == said, typed
        form = _form(r.text, "routing")
        if typed["unit"] in ("W", ""):
            assert _selected(form, "unit") == [typed["unit"]]
            assert _selected(form, "area") == [typed["area"]]
    assert len(IntakeConfigService(city.runtime.db).show().routing) == 1
    # a changed rule that another administrator deleted meanwhile
    r = c.post("/staff/admin/intake/routing/rule", data={
        "csrf_token": token, "editing": "1", "orig_category": "02", "orig_area": "",
        "category": "02", "area": "", "unit": "W"})
    assert r.status_code == 400 and "该路由规则已不存在" in _error(r.text, "routing")
    assert "修改路由规则" in r.text  # still the form of a change

    page = c.post("/staff/admin/intake/routing/rule/delete", follow_redirects=True, data={
        "csrf_token": token, "orig_category": "01.01", "orig_area": "D1"}).text
    assert _flash(page) == "已删除路由规则：城乡建设/市政设施 × 东城区 → 东华门街道"
    assert "暂无规则" in page and IntakeConfigService(city.runtime.db).show().routing == []

    log = _intake_log(city)
    assert [(kind, action) for kind, action, _ in log] == [
        ("routing", "add"), ("routing", "update"), ("routing", "delete")]
    assert log[1][2]["before"] == {"category": "01.01", "unit": "W"}
    assert log[1][2]["after"] == {"category": "01.01", "area": "D1", "unit": "D1S1"}
    assert audit.verify(city.runtime.db).ok

    english = c.get(PAGE + "&lang=en")
    assert english.status_code == 200 and "Add a routing rule" in english.text
    page = c.post("/staff/admin/intake/routing/rule", follow_redirects=True, data={
        "csrf_token": token, "category": "", "area": "D2", "unit": "D2S1"}).text
    assert _flash(page) == "Routing rule added: all categories × 西城区 → 西长安街街道"
    r = c.post("/staff/admin/intake/routing/rule", data={
        "csrf_token": token, "category": "", "area": "", "unit": "NOPE"})
    assert _error(r.text, "routing") == ("Routing rules: not saved: unit NOPE does not exist; "
                                         "give a category or an area (otherwise every appeal "
                                         "would go to this one unit)")
    c.get(PAGE + "&lang=zh")


def test_urgency_rules_are_added_changed_and_deleted_row_by_row(city: City) -> None:
    c = city.client
    token = login_admin(c)
    page = c.get(PAGE).text
    assert "内置规则" in page and 'data-urgency-rule="gas_leak"' in page
    # 修改 of a built-in rule: its keywords as text, its transfer line selected
    form = _form(c.get(PAGE + "&urgency=1").text, "urgency")
    assert _value(form, "name") == "gas_leak" and "燃气泄漏" in _value(form, "keywords")
    assert _selected(form, "transfer_to") == ["119", ""]  # one more to add a line
    assert '<option value="119" selected>119 消防</option>' in form
    assert _selected(form, "level") == ["emergency"]

    r = c.post("/staff/admin/intake/urgency/rule", follow_redirects=False, data={
        "csrf_token": token, "name": "well", "keywords": "井喷、水管爆裂", "level": "emergency",
        "transfer_to": ["119", "120"], "message": "请立即转接 119", "exclude": ""})
    assert r.status_code == 303 and r.headers["location"] == PAGE
    page = c.get(PAGE).text
    assert _flash(page) == "已新增紧急规则：well" and "自定义规则" in page
    shown = IntakeConfigService(city.runtime.db).show()
    well = shown.urgency_rules[-1]
    assert (well["name"], well["keywords"], well["transfer_to"]) == (
        "well", ["井喷", "水管爆裂"], ["119", "120"])
    assert "gas_leak" in [r["name"] for r in shown.urgency_rules]  # the built-in ones stay
    assessed = city.register(content="楼下消防栓井喷了")
    assert assessed["urgency"] == "emergency"

    n = len(shown.urgency_rules)
    page = c.post("/staff/admin/intake/urgency/rule", follow_redirects=True, data={
        "csrf_token": token, "editing": "1", "orig_name": "well", "name": "well",
        "keywords": "井喷", "level": "urgent", "transfer_to": ["", ""], "message": "",
        "exclude": "井喷泉"}).text
    assert _flash(page) == "已修改紧急规则：well"
    well = IntakeConfigService(city.runtime.db).show().urgency_rules[-1]
    assert (well["level"], well["transfer_to"], well["exclude"]) == ("urgent", [], ["井喷泉"])

    for typed, said in (
            ({"name": "", "keywords": "井喷"}, "请填写规则名称"),
            ({"name": "x", "keywords": " 、 "}, "请填写关键词"),
            ({"name": "gas_leak", "keywords": "井喷"}, "已有名为 gas_leak 的紧急规则"),
            ({"name": "y", "keywords": "井喷", "level": "normal"},
             "紧急规则未保存：level 须为 urgent（紧急）或 emergency（特急），不能是 'normal'"),
            ({"name": "z", "keywords": "井喷", "transfer_to": "11"},
             "紧急规则未保存：transfer_to 须为电话号码列表，例如 [\"119\", \"120\"]")):
        body = {"csrf_token": token, "level": "emergency", "message": "提示很长" * 40, **typed}
        r = c.post("/staff/admin/intake/urgency/rule", data=body)
        assert r.status_code == 400 and _error(r.text, "urgency") == said, typed
        form = _form(r.text, "urgency")  # as typed, the long message too
        assert _value(form, "name") == typed["name"]
        assert _value(form, "message") == "提示很长" * 40
    assert len(IntakeConfigService(city.runtime.db).show().urgency_rules) == n

    page = c.post("/staff/admin/intake/urgency/rule/delete", follow_redirects=True, data={
        "csrf_token": token, "orig_name": "well"}).text
    assert _flash(page) == "已删除紧急规则：well" and 'data-urgency-rule="well"' not in page
    assert [(k, a) for k, a, _ in _intake_log(city)] == [
        ("urgency", "add"), ("urgency", "update"), ("urgency", "delete")]
    assert audit.verify(city.runtime.db).ok


def test_the_last_urgency_rule_is_kept(city: City) -> None:
    """None stored means the built-in rules: deleting the last one would bring them back
    unasked, so it is refused (恢复内置规则 does that on purpose)."""
    svc = IntakeConfigService(city.runtime.db)
    svc.replace_urgency('[{"name": "only", "keywords": ["井喷"], "level": "urgent"}]',
                        now=utcnow())
    with pytest.raises(InvalidArguments, match="至少须保留一条紧急规则"):
        svc.delete_urgency_rule("only", now=utcnow())
    assert [r["name"] for r in svc.show().urgency_rules] == ["only"]


def test_two_administrators_adding_rules_at_once_keep_every_rule(city: City) -> None:
    """Each change reads the stored list and writes it back: without the log's lock taken
    first, one administrator's rule would overwrite the other's."""
    svc = IntakeConfigService(city.runtime.db)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def add(area: str) -> None:
        start.wait()
        try:
            for category in ("01", "01.01", "01.01.001", "02"):
                svc.save_routing_rule({"category": category, "area": area, "unit": "W"},
                                      now=utcnow())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    workers = [threading.Thread(target=add, args=(area,)) for area in ("D1", "D2")]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert failures == []
    assert len(svc.show().routing) == 8
    assert audit.verify(city.runtime.db).ok
