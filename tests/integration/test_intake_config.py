"""Admin configuration of intake intelligence through the REST API (SQLite and PostgreSQL):
what an admin uploads changes the suggestions for the next appeal at once; bad input changes
nothing and is answered with the problems listed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from jiesu.services.admin import AdminService
from jiesu.services.clock import utcnow
from jiesu.store.tables import AppealRow
from tests.support.city import PASSWORD, City

BASE = "/api/v1/admin/intake"
GAZETTEER = (
    "code,name,level,parent_code,aliases\n"
    "D1,东城区,district,,东城\n"
    "D1S1,东华门街道,street,D1,东华门\n"
    "D1S1C1,多福巷社区,community,D1S1,多福巷\n"
    "G7,多福巷第七网格,grid,D1S1C1,第七网格\n"  # a grid that is no unit: its community counts
    "D2,西城区,district,,西城\n"
    "D2S1,西长安街街道,street,D2,\n"
)
# 西城区 as a square around (39.92 N, 116.36 E)
D2_POLYGON = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"code": "D2", "name": "西城区"},
    "geometry": {"type": "Polygon", "coordinates": [[
        [116.33, 39.89], [116.39, 39.89], [116.39, 39.95], [116.33, 39.95], [116.33, 39.89]]]}}]}
IN_D2 = {"latitude": 39.92, "longitude": 116.36}


def put(city: City, kind: str, body: str | dict[str, Any] | list[Any],
        content_type: str = "application/json", expect: int = 200) -> dict[str, Any]:
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    r = city.client.put(f"{BASE}/{kind}", content=data.encode("utf-8"),
                        headers={**city.headers("admin"), "Content-Type": content_type})
    assert r.status_code == expect, r.text
    return dict(r.json())


def get(city: City, kind: str = "") -> dict[str, Any]:
    r = city.client.get(f"{BASE}/{kind}".rstrip("/"), headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def suggested(city: City, **body: Any) -> dict[str, Any]:
    appeal = city.register(**body)
    assert appeal["suggestions"] is not None
    return dict(appeal["suggestions"]) | {"_appeal": appeal}


def test_only_admins_read_or_change_intake_configuration(city: City) -> None:
    c = city.client
    assert c.get(BASE).status_code == 401
    r = c.get(BASE, headers=city.headers("operator"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    r = c.put(f"{BASE}/routing", content=b"category,unit\n01,W\n",
              headers={**city.headers("dispatcher"), "Content-Type": "text/csv"})
    assert r.status_code == 403
    overview = get(city)
    assert overview["routing"]["rules"] == [] and overview["urgency"]["source"] == "default"
    assert not overview["gazetteer"]["loaded"] and not overview["polygons"]["loaded"]
    assert overview["keywords"]["categories"] == []


def test_gazetteer_upload_locates_the_next_appeal(city: City) -> None:
    address = "东城区东华门街道多福巷第七网格12号楼下"
    assert "area" not in suggested(city, address=address)  # knowledge is loaded and cached

    out = put(city, "gazetteer", GAZETTEER, "text/csv")
    assert out["places"] == 6 and out["linked"] == 5 and out["unlinked"] == ["G7"]
    assert out["levels"] == {"district": 2, "street": 2, "community": 1, "grid": 1}

    s = suggested(city, address=address)
    assert s["area"] == {"unit_id": city.unit_ids["D1S1C1"], "name": "多福巷社区"}
    with city.runtime.db.uow(write=False) as uow:
        stored = uow.session.scalar(select(AppealRow.area_unit_id).where(
            AppealRow.id == s["_appeal"]["id"]))
    assert stored == city.unit_ids["D1S1C1"]  # attached to the appeal itself
    assert suggested(city, address="西城区某小区")["area"]["unit_id"] == city.unit_ids["D2"]

    # GET returns the stored (normalised) file
    g = get(city, "gazetteer")
    assert g["loaded"] and g["csv"].splitlines()[3] == "D1S1C1,多福巷社区,community,D1S1,多福巷"


def test_bad_gazetteer_changes_nothing_and_lists_its_problems(city: City) -> None:
    put(city, "gazetteer", GAZETTEER, "text/csv")
    bad = ("code,name,level,parent_code\n"
           "D1,东城区,district,\n"
           "D1S1,东华门街道,town,D1\n"
           "X1,某社区,community,NOPE\n")
    r = city.client.put(f"{BASE}/gazetteer", content=bad.encode(),
                        headers={**city.headers("admin"), "Content-Type": "text/csv"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_arguments" and "未作任何修改" in error["message"]
    assert error["problems"] == [
        "第 3 行：层级“town”无效，可选 district、street、community、grid"
        "（或 区、街道、社区、网格）",
        "第 4 行：上级编码 NOPE 不在地名表中"]
    assert get(city, "gazetteer")["places"] == 6  # the good one is still there
    # codes that are no unit codes at all could never locate an appeal
    r = city.client.put(f"{BASE}/gazetteer", content="code,name,level\nZ1,某区,district\n".encode(),
                        headers={**city.headers("admin"), "Content-Type": "text/csv"})
    assert r.status_code == 422 and "没有一个编码与单位编码相同" in r.json()["error"]["message"]
    r = city.client.put(f"{BASE}/gazetteer", content="code,name,level\n".encode("gbk"),
                        headers={**city.headers("admin"), "Content-Type": "text/csv"})
    assert r.status_code == 422


def test_a_gbk_file_as_chinese_excel_saves_it_is_read(city: City) -> None:
    # Excel and WPS on a Chinese Windows save "CSV" in GBK; it was refused as "not UTF-8"
    h = {**city.headers("admin"), "Content-Type": "text/csv"}
    r = city.client.put(f"{BASE}/gazetteer", content=GAZETTEER.encode("gbk"), headers=h)
    assert r.status_code == 200 and r.json()["places"] == 6, r.text
    assert "多福巷社区" in city.client.get(f"{BASE}/gazetteer", headers=h).text
    r = city.client.put(f"{BASE}/gazetteer", content=b"code,name,level\nD1,\x80\xff,district\n",
                        headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["message"] == (
        "上传内容不是 UTF-8 或 GB18030（GBK）编码的文本，无法读取；"
        "请在 Excel 或 WPS 中另存为“CSV UTF-8”后再上传")
    assert get(city, "gazetteer")["places"] == 6  # unchanged


def test_gazetteer_and_polygons_as_multipart_uploads(city: City) -> None:
    h = city.headers("admin")
    r = city.client.put(f"{BASE}/gazetteer", headers=h,
                        files={"file": ("places.csv", GAZETTEER.encode("utf-8-sig"), "text/csv")})
    assert r.status_code == 200 and r.json()["places"] == 6, r.text
    r = city.client.put(f"{BASE}/polygons", headers=h, files={
        "file": ("d2.geojson", json.dumps(D2_POLYGON).encode(), "application/geo+json")})
    assert r.status_code == 200 and r.json()["codes"] == ["D2"], r.text
    # coordinates beat the address
    s = suggested(city, address="东城区东华门街道", **IN_D2)
    assert s["area"]["unit_id"] == city.unit_ids["D2"]
    r = city.client.put(f"{BASE}/polygons", headers=h, files={"other": ("x", b"{}")})
    assert r.status_code == 422 and "file" in r.json()["error"]["message"]


def test_bad_polygons_are_refused(city: City) -> None:
    put(city, "polygons", D2_POLYGON, "application/geo+json")
    unknown = json.loads(json.dumps(D2_POLYGON))
    unknown["features"][0]["properties"]["code"] = "NOPE"
    out = put(city, "polygons", unknown, expect=422)
    assert out["error"]["problems"] == [
        "第 1 个要素（NOPE）：不是单位编码（须与单位树中的编码一致）"]
    swapped = json.loads(json.dumps(D2_POLYGON))
    ring = swapped["features"][0]["geometry"]["coordinates"][0]
    swapped["features"][0]["geometry"]["coordinates"][0] = [[y, x] for x, y in ring]
    out = put(city, "polygons", swapped, expect=422)
    assert "[经度, 纬度]" in out["error"]["message"]
    out = put(city, "polygons", "{\"type\": ", expect=422)
    assert "不是有效的 JSON" in out["error"]["message"]
    assert get(city, "polygons")["codes"] == ["D2"]


def test_routing_rules_choose_the_unit_and_take_precedence(city: City) -> None:
    put(city, "polygons", D2_POLYGON)
    assert "unit" not in suggested(city, category="01.01.001")  # no rules, no history yet

    rules = {"rules": [{"category": "01.01", "unit": "W"},
                       {"category": "城乡建设", "area": "D2", "unit": "D2"}]}
    out = put(city, "routing", rules)
    assert out["rules"] == [{"category": "01.01", "area": None, "unit": "W"},
                            {"category": "01", "area": "D2", "unit": "D2"}]

    s = suggested(city, category="01.01.001")
    assert s["unit"] == {"unit_id": city.unit_ids["W"], "name": "市水务局", "reason": "rule",
                         "confidence": 1.0}
    s = suggested(city, category="01.01.001", **IN_D2)
    assert s["unit"]["unit_id"] == city.unit_ids["D2"]  # the area rule is more specific
    assert "unit" not in suggested(city, category="02.01.001")

    # CSV replaces everything; a bad row refuses the whole file
    put(city, "routing", "category,area,unit\n02,,D1\n", "text/csv")
    assert "unit" not in suggested(city, category="01.01.001")
    out = put(city, "routing", "category,area,unit\n02,,D1\n99,D9,W\n", "text/csv", expect=422)
    assert out["error"]["problems"] == ["第 3 行：分类 99 不存在（填分类编码或完整名称）",
                                        "第 3 行：区域单位 D9 不存在"]
    assert get(city, "routing")["rules"] == [{"category": "02", "area": None, "unit": "D1"}]


def test_urgency_rule_marks_emergency_and_tells_the_operator_where_to_transfer(
        city: City) -> None:
    text = "小区地下车库的消防管道井喷，水已经漫到配电箱"
    a = city.register(content=text)
    assert a["urgency"] == "normal"

    rule = {"name": "burst_hydrant", "keywords": ["井喷", "漫到配电箱"], "level": "emergency",
            "transfer_to": ["119", "110"],
            "message": "水淹配电设施，请立即转接 119，并提醒来电人远离积水"}
    out = put(city, "urgency", {"rules": [rule]})
    assert out["source"] == "custom" and out["rules"][0]["name"] == "burst_hydrant"

    a = city.register(content=text)
    assert a["urgency"] == "emergency"
    u = a["suggestions"]["urgency"]
    assert u["level"] == "emergency" and u["transfer_to"] == ["119", "110"]
    assert u["message"] == rule["message"] and u["matched"] == ["井喷", "漫到配电箱"]

    # a rule with keywords as one string would fire on every single character: refused
    out = put(city, "urgency", [{**rule, "keywords": "井喷"}], expect=422)
    assert "keywords 须为非空的关键词列表" in out["error"]["message"]
    assert get(city, "urgency")["rules"][0]["keywords"] == ["井喷", "漫到配电箱"]

    # an empty list restores the built-in rules (gas leak → 119)
    assert put(city, "urgency", [])["source"] == "default"
    a = city.register(content="楼道里闻到很浓的煤气味")
    assert a["urgency"] == "emergency" and a["suggestions"]["urgency"]["transfer_to"] == ["119"]
    assert city.register(content=text)["urgency"] == "normal"


def test_admin_keywords_drive_the_cold_start_classifier(city: City) -> None:
    before = suggested(city, content="路灯坏了一个多月")["categories"]
    assert before[0]["code"] == "01"  # built-in first-level keywords: 城乡建设

    out = put(city, "keywords", {"城乡建设/市政设施/路灯": ["路灯", "灯不亮"],
                                 "02.01.001": ["打桩", "施工噪音"]})
    assert [(c["code"], c["keywords"]) for c in out["categories"]] == [
        ("01.01.001", ["路灯", "灯不亮"]), ("02.01.001", ["打桩", "施工噪音"])]

    after = suggested(city, content="路灯坏了一个多月")["categories"]
    assert after[0]["code"] == "01.01.001" and after[0]["name"] == "城乡建设/市政设施/路灯"
    s = suggested(city, content="工地半夜打桩，吵得睡不着")
    assert s["categories"][0]["code"] == "02.01.001"

    out = put(city, "keywords", "category,keywords\n01.01.001,灯\n", "text/csv", expect=422)
    assert out["error"]["problems"] == ["第 2 行：关键词至少 2 个字：灯"]
    assert len(get(city, "keywords")["categories"]) == 2

    r = city.client.delete(f"{BASE}/keywords", headers=city.headers("admin"))
    assert r.status_code == 204
    assert suggested(city, content="路灯坏了一个多月")["categories"][0]["code"] == "01"


def close(city: City, unit: str, handler: str, **body: Any) -> None:
    a = city.register(category="01.01.001", **body)
    city.act("dispatcher", a["id"], "dispatch", unit_code=unit)
    city.act(handler, a["id"], "sign")
    city.act(handler, a["id"], "reply", text="已修复", claim="solved")
    city.act("followup", a["id"], "follow_up", reached=True, resolved="yes",
             satisfaction="satisfied")


def test_history_of_the_category_in_the_area_beats_the_category_alone(city: City) -> None:
    put(city, "gazetteer", GAZETTEER, "text/csv")
    for _ in range(5):  # street lights in 东城 went to 东城区
        close(city, "D1", "handler_d1", address="东城区东华门街道")
    for _ in range(3):  # ... and in 西城 to 西城区
        close(city, "D2", "handler_d2", address="西城区某小区")
    city.runtime.intake.reload()  # history is reloaded every minute; do not wait for it

    s = suggested(city, category="01.01.001", address="西城区西长安街街道")
    assert s["area"]["unit_id"] == city.unit_ids["D2S1"]
    assert s["unit"]["unit_id"] == city.unit_ids["D2"] and s["unit"]["reason"] == "area_history"
    s = suggested(city, category="01.01.001", address="东城区多福巷")
    assert s["unit"]["unit_id"] == city.unit_ids["D1"] and s["unit"]["reason"] == "area_history"
    s = suggested(city, category="01.01.001")  # not located: the whole city's history
    assert s["unit"] == {"unit_id": city.unit_ids["D1"], "name": "东城区", "reason": "history",
                         "confidence": round(5 / 8 * 8 / 20, 4)}

    # an admin rule still comes first
    put(city, "routing", [{"category": "01.01.001", "area": "D2", "unit": "W"}])
    s = suggested(city, category="01.01.001", address="西城区西长安街街道")
    assert s["unit"]["unit_id"] == city.unit_ids["W"] and s["unit"]["reason"] == "rule"


def test_history_from_another_area_stands_for_the_located_area_own_unit(city: City) -> None:
    # Street lights in 东华门街道: the only closed one was in 西城, led by its street; the
    # water bureau (a city department, no area) led three others there.
    put(city, "gazetteer", GAZETTEER, "text/csv")
    close(city, "D2S1", "handler_d2", address="西城区西长安街街道")
    city.runtime.intake.reload()

    s = suggested(city, category="01.01.001", address="东城区东华门街道")
    assert s["area"]["unit_id"] == city.unit_ids["D1S1"]
    # 属地: this appeal's own street, not 西长安街街道; as thin as the history it comes from
    assert s["unit"] == {"unit_id": city.unit_ids["D1S1"], "name": "东华门街道",
                         "reason": "history", "confidence": round(1 / 20, 4)}
    s = suggested(city, category="01.01.001", address="东城区")  # located to the district only
    assert s["unit"]["unit_id"] == city.unit_ids["D1"]
    s = suggested(city, category="01.01.001")  # not located: nothing to read it from
    assert s["unit"]["unit_id"] == city.unit_ids["D2S1"]

    AdminService(city.runtime.db, city.runtime.rules).add_user(
        "handler_w", PASSWORD, "handler", unit_code="W", now=utcnow())
    for _ in range(3):
        close(city, "W", "handler_w", address="西城区西长安街街道")
    city.runtime.intake.reload()
    s = suggested(city, category="01.01.001", address="东城区东华门街道")
    # a department's line runs through every area: it keeps its appeals and wins
    assert s["unit"]["unit_id"] == city.unit_ids["W"]
    assert s["unit"]["confidence"] == round(3 / 4 * 4 / 20, 4)


def test_unknown_kind_and_clear(city: City) -> None:
    h = city.headers("admin")
    r = city.client.delete(f"{BASE}/weather", headers=h)
    assert r.status_code == 422 and "配置类型" in r.json()["error"]["message"]
    put(city, "gazetteer", GAZETTEER, "text/csv")
    assert city.client.delete(f"{BASE}/gazetteer", headers=h).status_code == 204
    assert not get(city, "gazetteer")["loaded"]
    assert "area" not in suggested(city, address="东城区东华门街道")
    r = city.client.put(f"{BASE}/routing", content=b"  ",
                        headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["error"]["message"] == "上传内容为空"
