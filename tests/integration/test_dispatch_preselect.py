"""The dispatch forms (the dispatcher's queue, the appeal page) preselect intake's suggested
lead unit only at JIESU_UNIT_PRESELECT_CONFIDENCE or above; below it they name the suggestion
with its confidence (参考 N%) and pick nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from tests.support.city import City, page_login

GAZETTEER = ("code,name,level,parent_code\nD1,东城区,district,\nD1S1,东华门街道,street,D1\n"
             "D2,西城区,district,\nD2S1,西长安街街道,street,D2\n")


def _picked(page: str, select_id: str) -> list[str]:
    """The values of the selected options of the select `select_id`."""
    m = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert m, select_id
    return re.findall(r'<option value="([^"]*)" selected>', m.group(0))


def _weak_suggestion(city: City) -> dict[str, object]:
    """An appeal in 东华门街道 of 路灯, whose one precedent (in 西城) its street led: 5 %."""
    r = city.client.put("/api/v1/admin/intake/gazetteer", content=GAZETTEER.encode(),
                        headers={**city.headers("admin"), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    a = city.register(category="01.01.001", address="西城区西长安街街道")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D2S1")
    city.act("handler_d2", a["id"], "sign")
    city.act("handler_d2", a["id"], "reply", text="已修复", claim="solved")
    city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
             satisfaction="satisfied")
    city.runtime.intake.reload()
    appeal = city.register(category="01.01.001", address="东城区东华门街道")
    assert appeal["suggestions"]["unit"]["confidence"] == 0.05
    return appeal


def test_a_weak_suggestion_is_named_with_its_confidence_and_not_preselected(
        city: City) -> None:
    appeal = _weak_suggestion(city)
    d1s1 = str(city.unit_ids["D1S1"])
    page_login(city.client, "dispatcher")

    page = city.client.get(f"/staff/appeals/{appeal['id']}").text
    assert _picked(page, "dispatch-unit_id") == []
    assert 'aria-describedby="dispatch-unit_id-hint"' in page
    assert ('id="dispatch-unit_id-hint" data-unit-reference>系统建议：东华门街道（参考 5%），'
            '把握不足，未预选，请选择主办单位<') in page
    assert "→ 东华门街道 <span class=\"muted\" data-unit-confidence>参考 5%</span>" in page

    queue = city.client.get("/staff/dispatch").text
    assert _picked(queue, f"unit-{appeal['id']}") == []
    assert f'id="unit-{appeal["id"]}-hint" data-unit-reference>系统建议：东华门街道' in queue
    assert queue.count("data-unit-confidence>参考 5%<") == 1

    # in English too
    page = city.client.get(f"/staff/appeals/{appeal['id']}?lang=en").text
    assert "Suggested: 东华门街道 (uncertain, 5%), not preselected: choose the lead unit" in page

    # a city that sets the bar low gets the unit picked, and no reference note
    rt = city.runtime
    rt.settings = rt.settings.model_copy(update={"unit_preselect_confidence": 0.05})
    page = city.client.get(f"/staff/appeals/{appeal['id']}?lang=zh").text
    assert _picked(page, "dispatch-unit_id") == [d1s1] and "data-unit-reference" not in page
    assert "data-unit-confidence" not in page
    queue = city.client.get("/staff/dispatch").text
    assert _picked(queue, f"unit-{appeal['id']}") == [d1s1]


def test_a_routing_rule_is_preselected(city: City) -> None:
    r = city.client.put("/api/v1/admin/intake/routing",
                        json=[{"category": "01.01", "unit": "W"}], headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    appeal = city.register(category="01.01.001")
    page_login(city.client, "dispatcher")
    page = city.client.get(f"/staff/appeals/{appeal['id']}").text
    assert _picked(page, "dispatch-unit_id") == [str(city.unit_ids["W"])]
    assert "data-unit-reference" not in page and "data-unit-confidence" not in page
    queue = city.client.get("/staff/dispatch").text
    assert _picked(queue, f"unit-{appeal['id']}") == [str(city.unit_ids["W"])]
