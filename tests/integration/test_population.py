"""户数, 常住人口 and 万人诉求比 (SQLite and PostgreSQL): an administrator sets one unit's figures
or imports a table of them (all or nothing), and leaders read the appeals per 10,000 residents
of the districts, streets and communities, through the API and on the dashboard.

Unit tree (tests/support/city.py): 示范市 C → 东城区 D1 → 东华门街道 D1S1 → 多福巷社区 D1S1C1;
西城区 D2 → 西长安街街道 D2S1; 市水务局 W.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jiesu.domain.appeal import Actor, Role
from jiesu.domain.kpi import parse_period
from jiesu.services.appeals import NewAppeal
from jiesu.services.kept import FIGURES_TTL
from jiesu.services.reporting import ReportingService
from tests.integration.test_web_admin_intake import login_admin
from tests.integration.test_web_pages import _login, _token
from tests.support.city import City

SH = ZoneInfo("Asia/Shanghai")
UNITS = "/api/v1/admin/units"
IMPORT = "/api/v1/admin/units/population"
INTENSITY = "/api/v1/stats/intensity"
GAZETTEER = (
    "code,name,level,parent_code,aliases\n"
    "D1,东城区,district,,\n"
    "D1S1,东华门街道,street,D1,\n"
    "D1S1C1,多福巷社区,community,D1S1,\n"
    "D2,西城区,district,,\n"
    "D2S1,西长安街街道,street,D2,\n"
)


def figures(city: City) -> dict[str, tuple[int | None, int | None]]:
    """(households, population) set on each unit, by code."""
    r = city.client.get(UNITS, headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    return {u["code"]: (u["households"], u["population"]) for u in r.json()}


def put(city: City, code: str, body: dict[str, Any], who: str = "admin") -> Any:
    return city.client.put(f"{UNITS}/{code}/population", json=body, headers=city.headers(who))


def upload_csv(city: City, text: str, encoding: str = "utf-8") -> Any:
    return city.client.post(IMPORT, content=text.encode(encoding),
                            headers={**city.headers("admin"), "Content-Type": "text/csv"})


# --- setting the figures ------------------------------------------------------------------------

def test_an_administrator_sets_and_clears_one_units_figures(city: City) -> None:
    r = put(city, "D1S1C1", {"households": 3000, "population": 8000})
    assert r.status_code == 200, r.text
    assert (r.json()["households"], r.json()["population"]) == (3000, 8000)
    assert figures(city)["D1S1C1"] == (3000, 8000)
    r = put(city, "D1S1C1", {"population": 8100})  # households left out: cleared
    assert r.status_code == 200 and figures(city)["D1S1C1"] == (None, 8100)
    assert put(city, "NOPE", {"population": 1}).status_code == 404
    for bad in ({"population": -1}, {"population": 1_000_000_001}, {"households": 1.5},
                {"population": "很多"}):
        assert put(city, "D1S1C1", bad).status_code == 422, bad
    assert put(city, "D1S1C1", {"population": 5}, who="analyst").status_code == 403
    assert figures(city)["D1S1C1"] == (None, 8100)


def test_a_table_sets_many_units_at_once_in_chinese_or_english(city: City) -> None:
    r = upload_csv(city, "单位编码,户数,常住人口\nD1S1C1,\"3,000\",8000\nD2S1,,20000\n\n")
    assert r.status_code == 200, r.text
    assert r.json() == {"units": 2}
    got = figures(city)
    assert got["D1S1C1"] == (3000, 8000) and got["D2S1"] == (None, 20000)
    # a table with only one figure column leaves the other figure as it is; GBK is read too
    r = upload_csv(city, "单位编码,常住人口\nD1S1C1,8200\n", encoding="gbk")
    assert r.status_code == 200, r.text
    assert figures(city)["D1S1C1"] == (3000, 8200)
    r = upload_csv(city, "code,households,population\nD2,21000,50000\n")
    assert r.status_code == 200 and figures(city)["D2"] == (21000, 50000)


def test_an_xlsx_upload_is_read_like_the_csv(city: City) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["单位编码", "户数", "常住人口"])
    ws.append(["D1S1C1", 3000, 8000])
    ws.append(["D2S1", 7100.0, None])
    buf = io.BytesIO()
    wb.save(buf)
    r = city.client.post(IMPORT, files={"file": ("人口.xlsx", buf.getvalue())},
                         headers=city.headers("admin"))
    assert r.status_code == 200, r.text
    got = figures(city)
    assert got["D1S1C1"] == (3000, 8000) and got["D2S1"] == (7100, None)


def test_a_bad_row_changes_nothing_and_the_error_names_its_row(city: City) -> None:
    assert put(city, "D2S1", {"households": 1, "population": 2}).status_code == 200
    before = figures(city)
    r = upload_csv(city, "单位编码,户数,常住人口\nD2S1,7000,20000\nD1S1C1,3000,八千\n"
                         "D9,10,20\nD2S1,1,1\n,1,1\n")
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["message"].startswith("人口数据有 4 处问题，未作任何修改：")
    assert error["problems"] == [
        "第 3 行：常住人口应为 0 至 10 亿之间的整数",
        "第 4 行：单位编码 D9 不存在",
        "第 5 行：单位编码 D2S1 与第 2 行重复",
        "第 6 行：缺少单位编码",
    ]
    assert figures(city) == before  # not even the good first row
    r = upload_csv(city, "单位编码,户数,常住人口\nNOPE,1,1\n")
    assert r.status_code == 422 and "第 2 行：单位编码 NOPE 不存在" in r.json()["error"]["message"]
    for text in ("单位名称,常住人口\n东城区,1\n", "单位编码\nD1\n", "单位编码,户数,常住人口\n",
                 "单位编码,常住人口\n" + "D" * 200_000 + ",1\n"):  # a cell over csv's limit
        assert upload_csv(city, text).status_code == 422, text[:40]
    assert city.client.post(IMPORT, content=b"\xd0\xcf\x11\xe0" + b"\0" * 60, headers={
        **city.headers("admin"), "Content-Type": "application/octet-stream"}).status_code == 422
    r = city.client.post(IMPORT, content=b"code,population\nD1,1\n",
                         headers={**city.headers("analyst"), "Content-Type": "text/csv"})
    assert r.status_code == 403
    assert figures(city) == before


def test_a_file_that_is_not_text_is_refused_in_plain_words(city: City) -> None:
    garbled = bytes(range(128, 256)) * 20  # a UTF-16 export or a PDF, say: not UTF-8 nor GBK
    r = city.client.post(IMPORT, files={"file": ("人口.csv", garbled)},
                         headers=city.headers("admin"))
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert message == ("文件 人口.csv 不是 UTF-8 或 GB18030（GBK）编码的文本，无法读取；"
                       "请在 Excel 或 WPS 中另存为“CSV UTF-8”或 XLSX 格式后再导入")
    c = city.client
    login_admin(c)
    token = _token(c, "/staff/admin?tab=units")
    for lang, words in (("zh", message), ("en", "The file 人口.csv is not UTF-8 or GB18030 "
                                                 "(GBK) text, so it cannot be read: save it as "
                                                 "“CSV UTF-8” or XLSX in Excel or WPS")):
        c.get("/staff/admin", params={"tab": "units", "lang": lang})  # the language cookie
        page = c.post(f"/staff/admin/units/population/import?lang={lang}",
                      follow_redirects=True, data={"csrf_token": token},
                      files={"file": ("人口.csv", garbled)}).text
        assert words in page and "[source]" not in page, lang


def test_the_command_imports_a_table_all_or_nothing(city: City, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook
    from typer.testing import CliRunner

    from jiesu.cli import app

    monkeypatch.setenv("JIESU_DATABASE_URL", city.runtime.settings.database_url)

    def jiesu(path: Path) -> Any:
        return CliRunner().invoke(app, ["unit", "population", str(path)])

    good = tmp_path / "人口.csv"
    good.write_bytes("单位编码,户数,常住人口\nD1S1C1,\"3,000\",8000\nD2S1,,20000\n".encode("gbk"))
    result = jiesu(good)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "人口数据已导入：2 个单位"
    assert figures(city)["D1S1C1"] == (3000, 8000) and figures(city)["D2S1"] == (None, 20000)
    wb = Workbook()
    wb.active.append(["code", "population"])
    wb.active.append(["D2", 50000])
    wb.save(tmp_path / "pop.xlsx")
    result = jiesu(tmp_path / "pop.xlsx")
    assert result.exit_code == 0 and "1 个单位" in result.stdout, result.output
    before = figures(city)

    bad = tmp_path / "bad.csv"
    bad.write_text("单位编码,户数,常住人口\nD2S1,7000,20000\nD1S1C1,3000,八千\nD9,10,20\n"
                   "D2S1,1,1\n,1,1\n", encoding="utf-8")
    result = jiesu(bad)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "错误：人口数据有 4 处问题，未作任何修改：",
        "  第 3 行：常住人口应为 0 至 10 亿之间的整数",
        "  第 4 行：单位编码 D9 不存在",
        "  第 5 行：单位编码 D2S1 与第 2 行重复",
        "  第 6 行：缺少单位编码",
    ]
    assert result.stdout == ""
    many = tmp_path / "many.csv"
    many.write_text("code,population\n" + "".join(f"X{i},1\n" for i in range(60)))
    result = jiesu(many)
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and lines[0] == "错误：人口数据有 60 处问题，未作任何修改："
    assert lines[1] == "  第 2 行：单位编码 X0 不存在" and lines[-1] == "  另有 10 处未列出"
    for path, message in ((tmp_path / "none.csv", "文件不存在"),
                          (_write(tmp_path / "garbled.csv", bytes(range(128, 256)) * 20),
                           "不是 UTF-8 或 GB18030（GBK）编码的文本，无法读取；请在 Excel 或 WPS "
                           "中另存为“CSV UTF-8”或 XLSX 格式后再导入"),
                          (_write(tmp_path / "header.csv", "名称,人口\n东城区,1\n".encode()),
                           "人口数据文件第一行须为表头")):
        result = jiesu(path)
        assert result.exit_code == 2 and message in result.stderr, result.output
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert figures(city) == before


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- 万人诉求比 -----------------------------------------------------------------------------------

def local(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


def march(city: City) -> dict[str, int]:
    """Appeals around March 2026 located by the gazetteer, and the figures of the areas:
    多福巷社区 8,000 (so 东华门街道 and 东城区 8,000 too), 西长安街街道 20,000, 西城区 50,000
    of its own."""
    r = city.client.put("/api/v1/admin/intake/gazetteer", content=GAZETTEER.encode(),
                        headers={**city.headers("admin"), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    for code, body in (("D1S1C1", {"households": 3000, "population": 8000}),
                       ("D2S1", {"population": 20000}), ("D2", {"population": 50000})):
        assert put(city, code, body).status_code == 200
    rt = city.runtime
    operator = Actor(role=Role.OPERATOR, user_id=None)

    def register(address: str | None, at: datetime) -> int:
        data = NewAppeal(kind="complaint", content=f"路灯坏了 {address} {at}",
                         requester_phone="13812345678", address=address)
        return rt.appeals.register(operator, data, at).appeal_id

    ids = {
        "community": register("东城区东华门街道多福巷社区1号楼", local(3, 3)),
        "street": register("东城区东华门街道", local(3, 10)),
        "district": register("东城区", local(3, 12)),
        "west": register("西城区西长安街街道", local(3, 15)),
        "first_moment": register("西城区西长安街街道", local(3, 1, 0)),
        "nowhere": register(None, local(3, 20)),
        # left out: merged into another, registered before or after the month
        "merged": register("东城区东华门街道多福巷社区2号楼", local(3, 16)),
        "february": register("东城区东华门街道多福巷社区", local(2, 28, 23, 59)),
        "april": register("东城区东华门街道多福巷社区", local(4, 1, 0)),
    }
    rt.appeals.act(Actor(role=Role.DISPATCHER, user_id=None), ids["merged"], "merge",
                   local(3, 17), {"target_id": ids["community"]})
    return ids


def rows(body: dict[str, Any]) -> list[tuple[str, int, int | None, float | None, int | None]]:
    return [(r["unit_code"], r["appeals"], r["population"], r["per_10k"], r["rank"])
            for r in body["rows"]]


def test_appeals_per_10000_residents_of_each_group_hand_computed(city: City) -> None:
    march(city)
    get = city.client.get
    r = get(INTENSITY, params={"period": "2026-03", "group": "street"},
            headers=city.headers("analyst"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["period"], body["group"], body["group_zh"]) == ("2026-03", "street", "街道/乡镇")
    assert body["unlocated"] == 1
    # 西长安街街道 2 ÷ 20,000 × 10,000 = 1.00 ranks before 东华门街道 2 ÷ 8,000 × 10,000 = 2.50
    assert rows(body) == [("D2S1", 2, 20000, 1.0, 1), ("D1S1", 2, 8000, 2.5, 2)]
    assert body["rows"][1]["households"] == 3000  # rolled up from 多福巷社区
    r = get(INTENSITY, params={"period": "2026-03", "group": "district"},
            headers=city.headers("dispatcher"))
    # 西城区 has its own 50,000: 2 ÷ 50,000 × 10,000 = 0.40; 东城区 3 ÷ 8,000 × 10,000 = 3.75
    assert rows(r.json()) == [("D2", 2, 50000, 0.4, 1), ("D1", 3, 8000, 3.75, 2)]
    r = get(INTENSITY, params={"period": "2026-03", "group": "community"},
            headers=city.headers("supervisor"))
    assert rows(r.json()) == [("D1S1C1", 1, 8000, 1.25, 1)]
    # the other period forms work as in the rankings: only the first day of March here
    r = get(INTENSITY, params={"period": "2026-03-01", "group": "street"},
            headers=city.headers("admin"))
    assert rows(r.json()) == [("D1S1", 0, 8000, 0.0, 1), ("D2S1", 1, 20000, 0.5, 2)]


def test_intensity_is_read_by_the_roles_that_read_the_rankings(city: City) -> None:
    params = {"period": "2026-03", "group": "street"}
    for who in ("analyst", "supervisor", "admin", "dispatcher"):
        r = city.client.get(INTENSITY, params=params, headers=city.headers(who))
        assert r.status_code == 200, who
        # nobody has population yet: no rate and no rank
        assert [(x["population"], x["per_10k"], x["rank"]) for x in r.json()["rows"]] == [
            (None, None, None)] * 2
    for who in ("operator", "handler_d1", "grid", "followup", "auditor"):
        assert city.client.get(INTENSITY, params=params,
                               headers=city.headers(who)).status_code == 403, who
    assert city.client.get(INTENSITY, params=params).status_code == 401
    for bad in ({"period": "2026-03", "group": "department"},
                {"period": "三月", "group": "street"}):
        r = city.client.get(INTENSITY, params=bad, headers=city.headers("analyst"))
        assert r.status_code == 422, bad


def test_the_service_counts_what_the_api_shows(city: City) -> None:
    ids = march(city)
    svc = ReportingService(city.runtime.db, city.runtime.rules, city.runtime.settings)
    report = svc.intensity(parse_period("2026-03"), "district")
    assert [(r.code, r.appeals) for r in report.rows] == [("D2", 2), ("D1", 3)]
    assert report.unlocated == 1 and report.without_population == 0
    assert len(ids) == 9


def test_the_api_and_the_dashboard_share_the_figures_kept_for_a_minute(city: City) -> None:
    march(city)
    params = {"period": "2026-03", "group": "street"}

    def api() -> list[Any]:
        r = city.client.get(INTENSITY, params=params, headers=city.headers("analyst"))
        assert r.status_code == 200, r.text
        return rows(r.json())

    def page() -> str:
        html = city.client.get(PAGE + "&period=2026-03&group=street").text
        row = html[html.index('data-unit="D2S1"'):]
        return row[:row.index("</tr>")]

    _login(city.client, "analyst")
    assert api()[0] == ("D2S1", 2, 20000, 1.0, 1)
    assert put(city, "D2S1", {"population": 40000}).status_code == 200
    # the page reads the API's kept figures (and the API the page's): a minute old at most
    assert ">20,000<" in page() and api()[0] == ("D2S1", 2, 20000, 1.0, 1)
    city.runtime.figures.clear()
    assert ">40,000<" in page() and ">0.50<" in page()
    assert put(city, "D2S1", {"population": 20000}).status_code == 200
    assert api()[0] == ("D2S1", 2, 40000, 0.5, 1)  # the page's copy
    # another period or group is another question, computed on its own
    params["period"] = "2026-03-01"
    assert api() == [("D1S1", 0, 8000, 0.0, 1), ("D2S1", 1, 20000, 0.5, 2)]
    # kept for FIGURES_TTL from when it was computed, in the service
    svc = ReportingService(city.runtime.db, city.runtime.rules, city.runtime.settings,
                           figures=city.runtime.figures)
    march_ = parse_period("2026-03")
    now = datetime.now(UTC)
    city.runtime.figures.clear()
    first = svc.intensity(march_, "district", now=now)
    assert put(city, "D2", {"population": 100000}).status_code == 200
    assert svc.intensity(march_, "district", now=now + timedelta(seconds=59)) is first
    fresh = svc.intensity(march_, "district", now=now + FIGURES_TTL)
    assert [(r.code, r.population) for r in fresh.rows][0] == ("D2", 100000)
    # without the kept figures (the monthly report, commands) it is counted every time
    plain = ReportingService(city.runtime.db, city.runtime.rules, city.runtime.settings)
    assert plain.intensity(march_, "district") is not plain.intensity(march_, "district")


# --- pages ----------------------------------------------------------------------------------------

PAGE = "/staff/dashboard?tab=intensity"


def test_the_dashboard_tab_shows_the_ranking_and_reads_well_in_english(city: City) -> None:
    march(city)
    c = city.client
    _login(c, "analyst")
    assert 'href="?tab=intensity"' in c.get("/staff/dashboard").text
    page = c.get(PAGE + "&period=2026-03&group=street")
    assert page.status_code == 200
    text = page.text
    assert 'aria-current="page">万人诉求比' in text and 'class="table intensity"' in text
    assert text.index('data-unit="D2S1"') < text.index('data-unit="D1S1"')
    row = text[text.index('data-unit="D1S1"'):]
    row = row[:row.index("</tr>")]
    for cell in ("东华门街道", ">2<", ">8,000<", ">2.50<"):
        assert cell in row, cell
    assert "另有 1 件诉求未定位到区域" in text
    assert "data-population-hint" not in text
    en = c.get(PAGE + "&period=2026-03&group=district&lang=en").text
    assert "Appeals per 10,000 residents" in en and ">Residents<" in en
    assert "March 2026" in en and ">50,000<" in en
    # a bad period is said on the page, with the form to correct it, as the asker's mistake
    # (422), and in English in English
    bad = c.get(PAGE + "&period=2026-13&group=street&lang=zh")
    assert bad.status_code == 422 and "flash-error" in bad.text and 'id="i-period"' in bad.text
    assert "统计周期的月份须在 1 到 12 之间" in bad.text
    bad_en = c.get(PAGE + "&period=2026-13&group=street&lang=en")
    assert bad_en.status_code == 422
    assert "The month of a period must be from 01 to 12" in bad_en.text


def test_areas_without_population_show_a_dash_and_where_to_load_it(city: City) -> None:
    c = city.client
    _login(c, "analyst")
    text = c.get(PAGE + "&group=street").text
    assert "data-population-hint" in text and "请管理员在系统管理的单位树中填写" in text
    assert 'href="/staff/admin' not in text  # an analyst cannot open the admin page
    row = text[text.index('data-unit="D1S1"'):]
    assert row[:row.index("</tr>")].count("—") == 3  # population, rate and rank
    c.post("/logout", data={"csrf_token": _token(c, "/staff/dashboard")})
    login_admin(c)
    text = c.get(PAGE + "&group=street").text
    assert 'href="/staff/admin?tab=units#population"' in text


def test_roles_without_the_rankings_cannot_open_the_tab(city: City) -> None:
    c = city.client
    _login(c, "handler_d1")
    r = c.get(PAGE)
    assert r.status_code == 403 and "您的角色无权打开此页面" in r.text


def test_the_units_tab_sets_and_imports_figures_with_forms(city: City) -> None:
    c = city.client
    login_admin(c)
    page = c.get("/staff/admin?tab=units").text
    assert 'action="/staff/admin/units/population"' in page
    assert 'action="/staff/admin/units/population/import"' in page
    r = c.post("/staff/admin/units/population", follow_redirects=True, data={
        "code": "D1S1C1", "households": "３,０００", "population": "8000",
        "csrf_token": _token(c, "/staff/admin?tab=units")})
    assert "户数 3,000" in r.text and "人口 8,000" in r.text
    r = c.post("/staff/admin/units/population", follow_redirects=True, data={
        "code": "D1S1C1", "households": "3000", "population": "-5", "csrf_token": _token(
            c, "/staff/admin?tab=units")})
    assert "常住人口应为 0 至 10 亿之间的整数" in r.text
    assert figures(city)["D1S1C1"] == (3000, 8000)
    token = _token(c, "/staff/admin?tab=units")
    r = c.post("/staff/admin/units/population/import", follow_redirects=True,
               data={"csrf_token": token},
               files={"file": ("人口.csv", "单位编码,户数,常住人口\nD2S1,7000,20000\n"
                                          "D1S1C1,1,2\nD9,1,2\n".encode())})
    assert "第 4 行：单位编码 D9 不存在" in r.text
    assert figures(city)["D1S1C1"] == (3000, 8000) and figures(city)["D2S1"] == (None, None)
    r = c.post("/staff/admin/units/population/import", follow_redirects=True,
               data={"csrf_token": token},
               files={"file": ("人口.csv", "单位编码,户数,常住人口\nD2S1,7000,20000\n".encode())})
    assert "人口数据已导入：1 个单位" in r.text and "人口 20,000" in r.text
    en = c.get("/staff/admin?tab=units&lang=en").text
    assert "Households and resident population" in en
    r = c.post("/staff/admin/units/population/import?lang=en", follow_redirects=True,
               data={"csrf_token": token},
               files={"file": ("x.csv", b"code,population\nD9,5\n")})
    assert "Population data: 1 problem(s), nothing was changed: row 2: unit code D9 does not " \
           "exist" in r.text
