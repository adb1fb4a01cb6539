"""The dispatch forms (the dispatcher's queue, the appeal page) preselect intake's suggested
lead unit only at JIESU_UNIT_PRESELECT_CONFIDENCE or above; below it they name the suggestion
with its confidence (参考 N%) and pick nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from tests.support.city import City, add_big_district, page_login

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


def _options(page: str, select_id: str) -> list[str]:
    """The unit ids a select offers, in order (not the empty choice)."""
    m = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert m, select_id
    return [v for v in re.findall(r'<option value="([^"]*)"', m.group(0)) if v]


def _whole_list(city: City) -> list[str]:
    """The unit ids of the one full list the queue's rows fetch and copy in (jiesu.js)."""
    r = city.client.get("/staff/units/options.html")
    assert r.status_code == 200, r.text
    return re.findall(r'<option value="([^"]*)"', r.text)


def test_the_queue_offers_and_preselects_a_community_as_the_appeal_page_does(
        city: City) -> None:
    """One unit list for every dispatch form: down to the communities (社区), grouped by
    district (fetched once, for the rows to copy); a community a routing rule names is
    preselected in the queue's row too."""
    r = city.client.put("/api/v1/admin/intake/routing",
                        json=[{"category": "01.01", "unit": "D1S1C1"}],
                        headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    appeal = city.register(category="01.01.001")
    community = str(city.unit_ids["D1S1C1"])
    page_login(city.client, "dispatcher")
    page = city.client.get(f"/staff/appeals/{appeal['id']}").text
    queue = city.client.get("/staff/dispatch").text
    offered = _options(queue, f"unit-{appeal['id']}")
    assert _whole_list(city) == _options(page, "dispatch-unit_id")
    assert community in offered
    assert _picked(queue, f"unit-{appeal['id']}") == [community]
    assert _picked(page, "dispatch-unit_id") == [community]
    # indented under its street, inside its district's group
    group = re.search(r'<optgroup label="东城区">(.*?)</optgroup>', queue, re.S)
    assert group and f'<option value="{community}" selected>　　多福巷社区</option>' in group[1]


def test_the_suggestion_line_names_the_category_the_operator_set(city: City) -> None:
    """Registered with 路灯 (a leaf) while the keyword rules guess only 城乡建设: the line
    shows 路灯 as the appeal's category, not the guess and its percentage."""
    appeal = city.register(category="01.01.001")
    guess = appeal["suggestions"]["categories"][0]
    assert guess["code"] != "01.01.001"  # the classifier's own guess is another (a branch)
    page_login(city.client, "dispatcher")
    for page in (city.client.get("/staff/dispatch").text,
                 city.client.get(f"/staff/appeals/{appeal['id']}").text):
        line = re.search(r'<p class="suggest">.*?</p>', page, re.S)
        assert line, page
        assert ("<span data-category data-chosen>城乡建设/市政设施/路灯</span> "
                '<span class="muted">（已定分类）</span>') in line[0]
        assert "%)" not in line[0]
    english = city.client.get(f"/staff/appeals/{appeal['id']}?lang=en").text
    assert "(category set)" in english


def test_a_returned_appeal_gets_the_unit_suggested_for_the_category_it_has_now(
        city: City) -> None:
    """Registered without a category (the guess, 城乡建设, routes nowhere), dispatched as 道路
    and sent back: the queue suggests, and preselects, the unit 道路 goes to (a rule)."""
    r = city.client.put("/api/v1/admin/intake/routing",
                        json=[{"category": "01.01.002", "unit": "W"}],
                        headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    appeal = city.register()
    assert "unit" not in appeal["suggestions"]
    city.act("dispatcher", appeal["id"], "dispatch", unit_id=city.unit_ids["D2"],
             category="01.01.002")
    city.act("handler_d2", appeal["id"], "request_return", reason="不属于本区管辖")
    city.act("dispatcher", appeal["id"], "approve_return")
    page_login(city.client, "dispatcher")
    queue = city.client.get("/staff/dispatch").text
    assert _picked(queue, f"unit-{appeal['id']}") == [str(city.unit_ids["W"])]
    assert "城乡建设/市政设施/道路</span>" in queue and "→ 市水务局" in queue
    page = city.client.get(f"/staff/appeals/{appeal['id']}").text
    assert _picked(page, "dispatch-unit_id") == [str(city.unit_ids["W"])]


def test_the_queue_page_holds_the_unit_list_once_whatever_its_rows(city: City) -> None:
    """A real city has thousands of units: each row offers the units near its suggestion and
    area (the top levels, the suggested unit's chain and children); the whole list is fetched
    apart (test_unit_list.py), so a community far from every suggestion is not on the page:
    it grows by rows, not by rows × units nor by units."""
    r = city.client.put("/api/v1/admin/intake/routing",
                        json=[{"category": "01.01", "unit": "D1S1"}],
                        headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    appeals = [city.register(category="01.01.001") for _ in range(5)]
    page_login(city.client, "dispatcher")
    five = city.client.get("/staff/dispatch").text
    units = _whole_list(city)
    far = str(city.unit_ids["D2S1"])  # 西长安街街道: another district's street
    near = str(city.unit_ids["D1S1C1"])  # a community of the suggested street
    for a in appeals:
        offered = _options(five, f"unit-{a['id']}")
        assert _picked(five, f"unit-{a['id']}") == [str(city.unit_ids["D1S1"])]
        assert near in offered and far not in offered
        assert str(city.unit_ids["D2"]) in offered  # the districts stay choosable
        assert len(offered) < len(units)
    assert far in units and f'<option value="{far}">' not in five
    # without script, each row links to the appeal page, whose form has every unit
    assert five.count("<noscript data-units-link><a class=\"small\" href=\"/staff/appeals/") == 5
    assert "其他单位（整张单位表在诉求页）…" in five
    english = city.client.get("/staff/dispatch?lang=en").text
    assert "Other units (the full list is on the appeal page)…" in english


def test_every_community_of_a_big_city_is_offered(city: City) -> None:
    """A city of thousands of units (here a district of 45 streets × 50 communities): every
    one of them can be chosen, from the list the dispatch forms fetch as on the appeal page
    without script — the list once stopped at 2,000 units, and the rest of the city could not
    be dispatched to."""
    big = add_big_district(city)
    appeal = city.register(category="01.01.001")
    page_login(city.client, "dispatcher")
    # the whole list the forms fetch, and the appeal page's own without script (units=all)
    page = _options(city.client.get(f"/staff/appeals/{appeal['id']}?units=all").text,
                    "dispatch-unit_id")
    assert {str(u) for u in big} <= set(page)
    assert _whole_list(city) == page
