"""The admin page's 智能受理 tab (SQLite and PostgreSQL): forms with CSRF that replace routing
rules, urgency rules, keywords, the gazetteer and grid polygons, and take effect at once."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient

from tests.support.city import PASSWORD, City

PAGE = "/staff/admin?tab=intake"


def login_admin(c: TestClient) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    r = c.post("/login", data={"username": "admin", "password": PASSWORD,
                               "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get(PAGE)
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_intake_tab_shows_the_rules_and_every_form_has_labels_and_csrf(city: City) -> None:
    c = city.client
    token = login_admin(c)
    page = c.get(PAGE).text
    assert 'aria-current="page">智能受理' in page
    forms = re.findall(r'<form method="post" action="(/staff/admin/intake/[^"]+)".*?</form>',
                       page, re.S)
    # a form per rule row (its 删除), one to add a rule, and the bulk import of each kind
    delete_urgency = "/staff/admin/intake/urgency/rule/delete"
    assert forms == ["/staff/admin/intake/routing/rule", "/staff/admin/intake/routing",
                     *[delete_urgency] * forms.count(delete_urgency),
                     "/staff/admin/intake/urgency/rule", "/staff/admin/intake/urgency",
                     "/staff/admin/intake/keywords", "/staff/admin/intake/gazetteer",
                     "/staff/admin/intake/polygons"]
    assert forms.count(delete_urgency) == page.count("data-urgency-rule=") > 3
    for form in re.findall(r'<form method="post" action="/staff/admin/intake/.*?</form>',
                           page, re.S):
        assert f'name="csrf_token" value="{token}"' in form
        for field_id in re.findall(r'<(?:input|textarea) id="([^"]+)"', form):
            assert f'<label for="{field_id}">' in form, field_id
    # the built-in urgency rules are shown and prefilled for editing
    assert "内置规则" in page and "gas_leak" in page
    assert json.loads(html.unescape(re.search(
        r'<textarea id="iu-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)))["rules"]
    english = c.get(PAGE + "&lang=en").text
    assert "Intake intelligence" in english
    assert "blank means any. Saving replaces every routing rule." in english  # two sentences
    # without the token nothing is saved
    r = c.post("/staff/admin/intake/routing", data={"text": "category,unit\n01,W\n"})
    assert r.status_code == 403
    assert "01,,W" not in c.get(PAGE).text


def test_admin_replaces_rules_from_the_page_and_the_next_appeal_follows(city: City) -> None:
    c = city.client
    token = login_admin(c)
    assert "unit" not in city.register(category="01.01.001")["suggestions"]

    r = c.post("/staff/admin/intake/routing",
               data={"csrf_token": token, "text": "category,area,unit\n01.01,,W\n"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == PAGE
    page = c.get(PAGE).text
    assert "路由规则已保存：1 条" in page
    # named, with the codes the rule stores
    assert re.search(r'<td data-label="事项分类">城乡建设/市政设施 '
                     r'<code class="muted">01\.01</code></td><td data-label="区域">全部</td>'
                     r'<td data-label="承办单位">市水务局 <code class="muted">W</code></td>', page)
    unit = city.register(category="01.01.001")["suggestions"]["unit"]
    assert unit["unit_id"] == city.unit_ids["W"] and unit["reason"] == "rule"

    # a bad file is refused with the reason (400, in the routing section); the rules stay,
    # and the text area keeps what was typed, to be corrected
    r = c.post("/staff/admin/intake/routing",
               data={"csrf_token": token, "text": "category,area,unit\n01,D9,W\n"})
    assert r.status_code == 400 and "第 2 行：区域单位 D9 不存在" in r.text
    assert 'data-intake-error="routing"' in r.text
    assert "category,area,unit\n01,D9,W" in r.text and '<code class="muted">01.01</code>' in r.text

    rules = json.dumps([{"name": "well", "keywords": ["井喷"], "level": "emergency",
                         "transfer_to": ["119"], "message": "请转接 119"}], ensure_ascii=False)
    page = c.post("/staff/admin/intake/urgency", data={"csrf_token": token, "text": rules}).text
    assert "紧急规则已保存：现有 1 条" in page and "自定义规则" in page
    assert city.register(content="楼下消防栓井喷了")["urgency"] == "emergency"
    page = c.post("/staff/admin/intake/urgency/clear", data={"csrf_token": token}).text
    assert "内置规则" in page and "gas_leak" in page

    page = c.post("/staff/admin/intake/keywords",
                  data={"csrf_token": token, "text": "category,keywords\n01.01.001,路灯|灯不亮\n"}
                  ).text
    assert "分类关键词已保存：1 个分类" in page
    cats = city.register(content="路灯坏了")["suggestions"]["categories"]
    assert cats[0]["code"] == "01.01.001"


def test_gazetteer_and_polygons_upload_as_files(city: City) -> None:
    c = city.client
    token = login_admin(c)
    gazetteer = ("code,name,level,parent_code\nD1,东城区,district,\n"
                 "D1S1,东华门街道,street,D1\n").encode("gbk")  # as Chinese Excel saves "CSV"
    page = c.post("/staff/admin/intake/gazetteer", data={"csrf_token": token},
                  files={"file": ("places.csv", gazetteer, "text/csv")}).text
    assert "地名表已导入：2 个地名，其中 2 个对应单位" in page
    located = city.register(address="东城区东华门街道某小区")
    assert located["suggestions"]["area"]["unit_id"] == city.unit_ids["D1S1"]
    # the appeal page names the area and the units above it, below the city
    page = c.get(f"/staff/appeals/{located['id']}").text
    assert re.search(r"<dd data-area>[^<]*东华门街道</dd>", page), page
    assert "› 东华门街道</dd>" in page

    ring = [[116.3, 39.9], [116.4, 39.9], [116.4, 40.0], [116.3, 39.9]]
    polygons = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "NOPE"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    page = c.post("/staff/admin/intake/polygons", data={"csrf_token": token},
                  files={"file": ("grid.geojson", json.dumps(polygons), "application/json")}).text
    assert "不是单位编码" in page and "网格边界有 1 处问题" in page
    polygons["features"][0]["properties"]["code"] = "D2"
    page = c.post("/staff/admin/intake/polygons", data={"csrf_token": token},
                  files={"file": ("grid.geojson", json.dumps(polygons), "application/json")}).text
    assert "网格边界已导入：1 个区域" in page
    english = c.get("/staff/admin?tab=intake&lang=en")  # the language is remembered
    polygons["features"][0]["properties"]["code"] = "NOPE"
    page = c.post("/staff/admin/intake/polygons", data={"csrf_token": token},
                  files={"file": ("grid.geojson", json.dumps(polygons), "application/json")}).text
    assert english.status_code == 200 and "Grid boundaries: 1 problem(s), nothing was changed: "\
        "feature 1 (NOPE): not a unit code (it must be a code of the unit tree)" in page
    polygons["features"][0]["properties"]["code"] = "D2"
    page = c.post("/staff/admin/intake/polygons", data={"csrf_token": token},
                  files={"file": ("grid.geojson", json.dumps(polygons), "application/json")}).text
    assert "Grid boundaries loaded: 1 area(s)" in page
    page = c.post("/staff/admin/intake/gazetteer", data={"csrf_token": token},
                  files={"file": ("places.csv", b"code,name\n\x80\xff", "text/csv")}).text
    assert ("The file is not UTF-8 or GB18030 (GBK) text, so it cannot be read: save it as "
            "“CSV UTF-8” in Excel or WPS and upload it again") in page
    c.get("/staff/admin?tab=intake&lang=zh")
    page = c.post("/staff/admin/intake/gazetteer", data={"csrf_token": token}).text
    assert "请选择文件或填写内容" in page
    page = c.post("/staff/admin/intake/gazetteer/clear", data={"csrf_token": token}).text
    assert "已清除地名表" in page and "地名表已导入" not in page


def test_intake_tab_shows_the_classifier_models(city: City) -> None:
    from jiesu.nlp.classify import CategoryModel, ModelRegistry
    from tests.integration.test_auto_dispatch import _model

    c = city.client
    login_admin(c)
    card = re.search(r'<section class="card" id="intake-models">.*?</section>', c.get(PAGE).text,
                     re.S)
    assert card and "尚未启用训练好的分类模型" in card.group(0) and "<table" not in card.group(0)

    model = _model()
    registry = ModelRegistry(city.runtime.settings.model_dir)
    older = registry.save(model)
    thresholds = {"untitled": 0.8147, "titled": 1.5}
    split = CategoryModel(model._state() | {"thresholds": thresholds},
                          dict(model.metadata) | {"thresholds": thresholds})
    newer = registry.save(split)
    registry.activate(newer)
    card = re.search(r'<section class="card" id="intake-models">.*?</section>', c.get(PAGE).text,
                     re.S)
    assert card
    text = card.group(0)
    assert f"当前模型：<code>{newer}</code>" in text
    # a threshold above 1 is never reached: shown as a dash, not as 150 %
    assert "无标题的诉求 81.5%，有标题的诉求 —。" in text
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td>(.*?)</tr>", text, re.S)
    assert [v for v, _ in rows] == [newer, older]  # newest first
    assert "使用中" in rows[0][1] and "使用中" not in rows[1][1]
    assert f"<td>{model.metadata['n_samples']}</td>" in rows[1][1]
    english = c.get(PAGE + "&lang=en").text
    assert "Active model" in english and "for appeals without a title" in english
    c.get(PAGE + "&lang=zh")  # the language choice is remembered: back to Chinese

    # the older one is activated from the page: at once for this process's intake
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get(PAGE).text)
    assert token
    forms = re.findall(r'<form method="post" action="/staff/admin/models/activate".*?</form>',
                       c.get(PAGE).text, re.S)
    assert len(forms) == 1 and f'value="{older}"' in forms[0]
    assert c.post("/staff/admin/models/activate", data={"version": older}).status_code == 403
    assert registry.active_version() == newer  # without the token nothing changes
    for bad in ("nope", "../escape", "", "x" * 100_000, "a\x00b"):
        r = c.post("/staff/admin/models/activate", follow_redirects=False,
                   data={"version": bad, "csrf_token": token.group(1)})
        assert r.status_code == 303 and registry.active_version() == newer
        assert "没有这个模型版本" in c.get(PAGE).text
    intake = city.runtime.intake
    assert intake is not None
    before = intake._threshold(intake._knowledge(), "")
    assert before == 0.8147
    r = c.post("/staff/admin/models/activate", follow_redirects=False,
               data={"version": older, "csrf_token": token.group(1)})
    assert r.status_code == 303 and registry.active_version() == older
    page = c.get(PAGE).text
    assert "已启用所选模型" in page and f"当前模型：<code>{older}</code>" in page
    assert intake._threshold(intake._knowledge(), "") == model.thresholds["untitled"]
