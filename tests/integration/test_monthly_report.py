"""The monthly report (通报): XLSX read back with openpyxl, the CLI and the printable page."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jiesu.runtime import Runtime
from tests.integration.test_kpi_scenarios import NOW, Scenario, build
from tests.integration.test_population import march, put
from tests.support.city import City

CJK = re.compile(r"[\u4e00-\u9fff]")
SHEETS = ["汇总", "排名-区", "排名-街道乡镇", "排名-市级部门", "排名-公共企业", "万人诉求比",
          "单位明细", "超期清单", "差评清单"]


@pytest.fixture
def scenario(runtime: Runtime, city: City) -> Scenario:
    return build(runtime, city)


def _xlsx(scenario: Scenario) -> bytes:
    from jiesu.domain.kpi import parse_period
    from jiesu.services.reporting import ReportingService

    rt = scenario.rt
    svc = ReportingService(rt.db, rt.rules, rt.settings)
    return svc.monthly_xlsx(svc.monthly(parse_period("2026-03"), NOW))


def test_monthly_xlsx_opens_with_every_sheet_and_figure(scenario: Scenario) -> None:
    wb = load_workbook(io.BytesIO(_xlsx(scenario)))
    assert wb.sheetnames == SHEETS
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["统计周期"] == "2026年3月"
    assert summary["派单量"] == 10
    assert summary["响应率"] == pytest.approx(6 / 9, abs=1e-6)
    # the score as published, two decimals (83.1666… → 83.17)
    assert summary["综合得分"] == round(100 * (0.1 * 6 / 9 + 0.45 * 3 / 4 + 0.45 * 3.8 / 4), 2)
    assert wb["汇总"]["B7"].number_format == "0.00%"
    districts = list(wb["排名-区"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in districts] == [(1, "西城区"), (2, "东城区")]
    streets = list(wb["排名-街道乡镇"].iter_rows(min_row=2, values_only=True))
    assert streets[0][:3] == (1, "东华门街道", pytest.approx(78.0))
    assert streets[1][0] is None and streets[1][2:7] == (None,) * 5  # no data: empty cells
    details = list(wb["单位明细"].iter_rows(min_row=2, values_only=True))
    assert len(details) == 7 and details[0][1] == "示范市"
    overdue = list(wb["超期清单"].iter_rows(min_row=2, values_only=True))
    assert len(overdue) == 1 and overdue[0][1] == "多福巷社区" and overdue[0][4] == "超期未答复"
    bad = list(wb["差评清单"].iter_rows(min_row=2, values_only=True))
    assert len(bad) == 1 and bad[0][1] == "东华门街道" and bad[0][4].startswith("2 星")


def test_xlsx_unit_details_name_every_group_and_keep_names_bare(scenario: Scenario) -> None:
    """单位明细 is read in Excel: every unit's group in Chinese (not "city" or "community"),
    names without the indenting spaces (a filter or VLOOKUP on "东华门街道" finds it), the tree
    shown by the cells' indent, and every table sheet with filter buttons on its header."""
    wb = load_workbook(io.BytesIO(_xlsx(scenario)))
    ws = wb["单位明细"]
    rows = list(ws.iter_rows(min_row=2))
    groups = {r[2].value for r in rows}
    named = {"市", "区", "街道/乡镇", "市级部门", "公共企业", "社区/村", "网格", "微网格"}
    assert groups <= named, groups
    assert "市" in groups and "社区/村" in groups
    names = [r[1].value for r in rows]
    assert all(n == n.strip("\u3000 ") for n in names), names
    street = next(r for r in rows if r[1].value == "东华门街道")
    assert street[1].alignment.indent == 2  # city 0 › district 1 › street 2
    for name in SHEETS[1:]:
        if name != "万人诉求比":  # without population it holds one sentence, no table
            assert wb[name].auto_filter.ref, name


def test_xlsx_figures_are_numbers_or_empty_cells_never_text(scenario: Scenario) -> None:
    """The page shows "—" where a figure is missing; in the workbook that text broke a SUM,
    a sort or a filter in Excel/WPS. A missing figure is an empty cell, every figure a number
    (rates with a percent format), every time a real date; only names and codes are text."""
    from datetime import datetime as dt

    wb = load_workbook(io.BytesIO(_xlsx(scenario)))
    text_columns = {"单位", "单位编码", "分组", "诉求编号", "承办单位", "承办人", "情况", "评价"}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.value != "—" for c in row), (ws.title, [c.value for c in row])
        if ws.title == "汇总":
            continue
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            for name, c in zip(header, row, strict=True):
                if name in text_columns:
                    assert c.value is None or isinstance(c.value, str), (ws.title, c.value)
                elif name in ("办理时限", "评价时间"):
                    assert isinstance(c.value, dt) and c.number_format == "yyyy-mm-dd hh:mm"
                else:
                    assert c.value is None or isinstance(c.value, int | float), \
                        (ws.title, name, c.value)
    summary = {r[0].value: r[1] for r in wb["汇总"].iter_rows(min_row=3)}
    assert isinstance(summary["退单率"].value, float)
    assert summary["退单率"].number_format == "0.00%"
    details = list(wb["单位明细"].iter_rows(min_row=2, values_only=True))
    idle = next(r for r in details if r[4] is None)  # no response rate this month: no rank
    assert idle[3] is None
    overdue = wb["超期清单"]["D2"].value  # the city's wall-clock time, as the page shows
    assert overdue.tzinfo is None and overdue.second == 0
    from jiesu.domain.kpi import parse_period
    from jiesu.services.reporting import ReportingService

    svc = ReportingService(scenario.rt.db, scenario.rt.rules, scenario.rt.settings)
    quiet = load_workbook(io.BytesIO(svc.monthly_xlsx(svc.monthly(parse_period("2026-01"),
                                                                  NOW))))
    summary = {r[0].value: r[1].value for r in quiet["汇总"].iter_rows(min_row=3)}
    assert summary["派单量"] == 0 and summary["响应率"] is None and summary["综合得分"] is None


def test_a_month_not_over_says_its_figures_are_not_the_whole_month(scenario: Scenario) -> None:
    """The 通报 opens on this month by default: a leader must not read 28 days as the month."""
    from jiesu.domain.kpi import parse_period
    from jiesu.services.reporting import ReportingService
    from jiesu.web.report_pages import render_monthly

    rt = scenario.rt
    mid_april = datetime(2026, 4, 15, 6, 0, tzinfo=UTC)  # 14:00 in Asia/Shanghai
    html = render_monthly(rt, "2026-04", mid_april)
    assert "data-partial" in html and "2026-04-15 14:00，不是全月数据" in html
    assert "The month is not over" in render_monthly(rt, "2026-04", mid_april, "en")
    assert "data-partial" not in render_monthly(rt, "2026-03", mid_april)
    svc = ReportingService(rt.db, rt.rules, rt.settings)
    ws = load_workbook(io.BytesIO(svc.monthly_xlsx(svc.monthly(parse_period("2026-04"),
                                                               mid_april))))["汇总"]
    assert ws["A2"].value == "本月尚未结束：数据截至 2026-04-15 14:00，不是全月数据"
    assert load_workbook(io.BytesIO(_xlsx(scenario)))["汇总"]["A2"].value is None


def test_the_english_lists_say_what_happened_in_english(scenario: Scenario) -> None:
    """超期清单's "what happened" (超期未答复) was left in Chinese on the English page; a bad
    rating's stars are translated, the requester's words stay as written."""
    from jiesu.web.report_pages import render_monthly

    html = render_monthly(scenario.rt, "2026-03", NOW, "en")
    overdue = re.search(r'<table id="overdue"[^>]*>.*?</table>', html, re.S)
    bad = re.search(r'<table id="bad-ratings"[^>]*>.*?</table>', html, re.S)
    assert overdue and bad, html
    details = re.findall(r"<td class=\"text\" data-detail>([^<]*)</td>", overdue.group(0))
    assert details == ["Overdue, not replied yet"], details
    assert re.findall(r"<td class=\"text\" data-detail>([^<]*)</td>", bad.group(0)) == [
        "2 star(s): 态度差"]


def test_cli_writes_the_report(scenario: Scenario, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from jiesu.cli import app

    monkeypatch.setenv("JIESU_DATABASE_URL", scenario.rt.settings.database_url)
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(app, ["report", "monthly", "--month", "2026-03", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    assert "2026年3月通报已写入" in result.output
    assert load_workbook(out).sheetnames == SHEETS
    bad = CliRunner().invoke(app, ["report", "monthly", "--month", "2026-W10", "--out",
                                   str(out)])
    assert bad.exit_code == 2
    kpi = CliRunner().invoke(app, ["report", "kpi", "--period", "2026-03", "--group",
                                   "district", "--store"])
    assert kpi.exit_code == 0, kpi.output
    assert "西城区" in kpi.output and "已保存" in kpi.output


def test_printable_page_requires_a_report_reader(scenario: Scenario, city: City) -> None:
    url = "/reports/monthly?month=2026-03"
    assert city.client.get(url).status_code == 401
    assert city.client.get(url, headers=city.headers("operator")).status_code == 403
    r = city.client.get(url, headers=city.headers("analyst"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "示范市12345接诉即办工作2026年3月通报" in html
    assert "@media print" in html and "<script src" not in html and "http" not in html.split(
        "<body>")[0]
    assert 'data-group="district"' in html and "西城区" in html and "多福巷社区" in html
    assert "78.00" in html  # 东华门街道's composite
    x = city.client.get("/reports/monthly.xlsx?month=2026-03",
                        headers=city.headers("supervisor"))
    assert x.status_code == 200 and load_workbook(io.BytesIO(x.content)).sheetnames == SHEETS
    assert city.client.get("/reports/monthly?month=2026-3",
                           headers=city.headers("admin")).status_code == 422


def test_printable_page_in_english(scenario: Scenario, city: City) -> None:
    """?lang=en translates every heading and label; unit names and appeal texts are data."""
    r = city.client.get("/reports/monthly?month=2026-03&lang=en",
                        headers=city.headers("analyst"))
    assert r.status_code == 200
    html = r.text
    assert '<html lang="en">' in html
    assert "示范市 12345 hotline: report for March 2026" in html
    assert '<th scope="row">Period</th><td>March 2026</td>' in html
    assert '<th scope="col">Response rate</th>' in html
    assert re.search(r"<h3[^>]*>Districts</h3>", html)
    assert "西城区" in html  # a unit name is not translated
    # Nothing Chinese is left outside the data: headings, header cells (the summary's labels
    # among them), notes and the toolbar (whose link back to Chinese is marked lang="zh-CN").
    fixed = re.findall(r"<(?:h[1-3]|th|p)[^>]*>([^<]*)<", html)
    assert "Period" in fixed
    fixed += re.findall(r'<a href="(?:/reports/monthly\.xlsx[^"]*)">([^<]*)<', html)
    chinese = [t for t in fixed if CJK.search(t.replace("示范市", ""))]
    assert not chinese, chinese
    assert 'lang="zh-CN">中文</a>' in html
    assert "jiesu_lang=en" in r.headers.get("set-cookie", "")
    # the chosen language is remembered, and the Chinese page links to the English one
    zh = city.client.get("/reports/monthly?month=2026-03&lang=zh", headers=city.headers("analyst"))
    assert "一、总体情况" in zh.text
    assert '<th scope="row">统计周期</th><td>2026年3月</td>' in zh.text
    assert 'href="?month=2026-03&amp;lang=en" lang="en">English</a>' in zh.text
    denied = city.client.get("/reports/monthly?month=2026-03&lang=en",
                             headers=city.headers("operator"))
    assert denied.status_code == 403 and "Your role may not see the monthly report" in denied.text


# --- 万人诉求比 (appeals per 10,000 residents) ----------------------------------------------------

PAGE = "/reports/monthly?month=2026-03"
XLSX = "/reports/monthly.xlsx?month=2026-03"


def intensity_rows(html: str, group: str) -> list[list[str]]:
    """The cells of the page's 万人诉求比 table of one group, row by row."""
    table = html[html.index(f'<table class="intensity" data-group="{group}"'):]
    table = table[:table.index("</table>")]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row)
            for row in re.findall(r"<tr data-unit.*?</tr>", table, re.S)]


def intensity_sheet(city: City) -> list[tuple[object, ...]]:
    x = city.client.get(XLSX, headers=city.headers("supervisor"))
    assert x.status_code == 200
    return list(load_workbook(io.BytesIO(x.content))["万人诉求比"].iter_rows(values_only=True))


def test_the_report_publishes_appeals_per_10000_residents(city: City) -> None:
    """The appeals of test_population.march: 东城区 3 ÷ 8,000 × 10,000 = 3.75, 西城区
    2 ÷ 50,000 × 10,000 = 0.40; 东华门街道 2 ÷ 8,000 × 10,000 = 2.50, 西长安街街道
    2 ÷ 20,000 × 10,000 = 1.00; lowest first. One appeal was located nowhere."""
    march(city)
    html = city.client.get(PAGE, headers=city.headers("analyst")).text
    assert "三、万人诉求比" in html and "四、各单位明细" in html
    assert "data-no-population" not in html
    assert intensity_rows(html, "district") == [["1", "西城区", "2", "50,000", "0.40"],
                                                ["2", "东城区", "3", "8,000", "3.75"]]
    assert intensity_rows(html, "street") == [["1", "西长安街街道", "2", "20,000", "1.00"],
                                              ["2", "东华门街道", "2", "8,000", "2.50"]]
    assert "另有 1 件诉求未定位到区域" in html
    sheet = intensity_sheet(city)
    assert sheet == [("分组", "排名", "单位", "诉求量", "常住人口", "万人诉求比"),
                     ("区", 1, "西城区", 2, 50000, 0.4), ("区", 2, "东城区", 3, 8000, 3.75),
                     ("街道/乡镇", 1, "西长安街街道", 2, 20000, 1.0),
                     ("街道/乡镇", 2, "东华门街道", 2, 8000, 2.5)]
    en = city.client.get(PAGE + "&lang=en", headers=city.headers("analyst")).text
    assert "<h2>3. Appeals per 10,000 residents</h2>" in en
    assert re.search(r"<h3[^>]*>Streets and towns</h3>", en)
    assert '<th scope="col">Residents</th>' in en and "4. Figures by unit" in en


def test_an_area_without_population_is_listed_last_with_a_dash(city: City) -> None:
    march(city)
    assert put(city, "D2S1", {}).status_code == 200  # 西长安街街道 (and nothing below) has none
    html = city.client.get(PAGE, headers=city.headers("analyst")).text
    assert intensity_rows(html, "street") == [["1", "东华门街道", "2", "8,000", "2.50"],
                                              ["—", "西长安街街道", "2", "—", "—"]]
    assert "“—”表示该单位及其下级单位都没有常住人口数据" in html
    streets = [r for r in intensity_sheet(city) if r[0] == "街道/乡镇"]
    assert streets == [("街道/乡镇", 1, "东华门街道", 2, 8000, 2.5),
                       ("街道/乡镇", None, "西长安街街道", 2, None, None)]


def test_without_any_population_the_section_says_so_in_one_line(city: City) -> None:
    html = city.client.get(PAGE, headers=city.headers("analyst")).text
    assert "三、万人诉求比" in html and '<table class="intensity"' not in html
    section = html[html.index('<section class="intensity">'):]
    section = section[:section.index("</section>")]
    assert "data-no-population" in section and "上传户数和常住人口" in section
    assert "<table" not in section
    en = city.client.get(PAGE + "&lang=en", headers=city.headers("analyst")).text
    assert "No area has resident population data yet" in en
    assert intensity_sheet(city) == [("尚无区域常住人口数据，本期不计算万人诉求比。"
                                      "请管理员在系统管理的单位树中填写或上传户数和常住人口。",)]


def test_xlsx_numbers_its_rows_without_asking_the_sheet(scenario: Scenario,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl's `max_row` looks at every cell of the sheet: asked after each appended row it
    made the workbook of a city of 5,000 units take minutes (bench/pages.py). The rows are
    numbered as they are written; the sheet is asked a few times per sheet, however many
    units there are."""
    from openpyxl.worksheet.worksheet import Worksheet

    asked = []
    real = Worksheet.max_row

    def counted(ws: Worksheet) -> int:
        asked.append(ws.title)
        return int(real.fget(ws))  # type: ignore[attr-defined]

    monkeypatch.setattr(Worksheet, "max_row", property(counted))
    wb = load_workbook(io.BytesIO(_xlsx(scenario)))
    assert len(asked) <= 2 * len(SHEETS), asked
    summary = wb["汇总"]
    assert summary["B7"].number_format == "0.00%"  # 响应率, formatted on its own row
    streets = wb["排名-街道乡镇"]
    assert streets["C2"].number_format == "0.00" and streets["D2"].number_format == "0.00%"
    details = wb["单位明细"]
    assert [details.cell(n, 2).alignment.indent for n in range(2, details.max_row + 1)][:2] \
        == [0, 1]


def test_the_report_is_kept_a_minute_and_a_new_formula_counts_at_once(
        scenario: Scenario) -> None:
    """The printable 通报 and its XLSX aggregate a whole month (seconds at a million appeals,
    bench/pages.py): the page's service keeps one copy a minute per month (runtime.figures),
    the XLSX built from it with it; a new formula version is computed at once, as the admin
    page promises (排名和通报即按新权重计算)."""
    from datetime import timedelta

    from jiesu.domain.appeal import Role
    from jiesu.domain.kpi import parse_period
    from jiesu.services.reporting import ReportingService

    rt = scenario.rt
    svc = ReportingService(rt.db, rt.rules, rt.settings, figures=rt.figures)
    march = parse_period("2026-03")
    first = svc.monthly(march, NOW)
    assert svc.monthly(march, NOW + timedelta(seconds=30)) is first
    workbook = svc.monthly_workbook(march, NOW)
    assert svc.monthly_workbook(march, NOW + timedelta(seconds=30)) is workbook
    assert svc.monthly(march, NOW + timedelta(seconds=90)) is not first  # a minute on
    svc.set_formula(scenario.actor("admin", Role.ADMIN), {"response_measure": "sign"},
                    "按签收计响应", NOW)
    again = svc.monthly(march, NOW + timedelta(seconds=91))
    assert again.kpi.formula.version == 2
    assert svc.monthly_workbook(march, NOW + timedelta(seconds=91)) is not workbook
    uncached = ReportingService(rt.db, rt.rules, rt.settings)  # commands: every time
    assert uncached.monthly(march, NOW) is not uncached.monthly(march, NOW)


def test_a_long_list_shows_its_first_entries_and_sends_to_the_xlsx(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big city's month has tens of thousands of overdue appeals: the page lists the first
    LIST_SHOWN of each list and says how many there are and that the XLSX has them all (in
    the page's language); a list within the limit is shown whole without the note. The page
    is kept with its report, per language."""
    from jiesu.web import report_pages

    rt = scenario.rt
    html = report_pages.render_monthly(rt, "2026-03", NOW)
    assert "data-list-cut" not in html and html.count("超期未答复") == 1
    assert report_pages.render_monthly(rt, "2026-03", NOW) is html  # kept a minute
    rt.figures.clear()
    monkeypatch.setattr(report_pages, "LIST_SHOWN", 0)
    html = report_pages.render_monthly(rt, "2026-03", NOW)
    assert "超期未答复" not in html
    assert html.count("共 1 件，此处列出前 0 件，完整清单见 Excel。") == 2  # overdue, bad ratings
    english = report_pages.render_monthly(rt, "2026-03", NOW, "en")
    assert "1 in all: the first 0 are listed here; the Excel file lists them all." in english


def test_the_report_and_the_admin_history_state_every_term_of_the_formula(city: City) -> None:
    """A formula is its weights, the 基本满意 and 部分解决 factors and what counts as 响应. The
    通报 and the 考核 page named only the first two, with the weights rounded to whole percent
    (12.5% read 12%), and the admin's history of versions left out the 部分解决 factor and the
    response measure: a version changing only those looked like the one before."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.reporting import ReportingService
    from jiesu.store.tables import UserRow
    from tests.integration.test_web_staff_work import _login

    rt = city.runtime
    with rt.db.uow(write=False) as uow:
        admin = uow.session.query(UserRow).filter_by(username="admin").one().id
    ReportingService(rt.db, rt.rules, rt.settings).set_formula(
        Actor(role=Role.ADMIN, user_id=admin),
        {"weight_response": 0.125, "weight_resolution": 0.4375, "weight_satisfaction": 0.4375,
         "partly_resolved_weight": 0.5, "response_measure": "sign"}, "按签收计响应", NOW)
    html = city.client.get(PAGE, headers=city.headers("analyst")).text
    assert "（响应 12.5%、解决 43.75%、满意 43.75%；基本满意按 0.8 计）" in html
    assert "解决率中部分解决按 0.5 计。" in html and "响应率按签收计，不按首次联系诉求人。" in html
    en = city.client.get(PAGE + "&lang=en", headers=city.headers("analyst")).text
    assert "counts 0.5 in the resolution rate" in en and "accepting the appeal" in en
    _login(city.client, "admin")
    unit = city.client.get("/staff/unit-kpi?unit=D1&period=2026-03&lang=zh").text
    assert "响应 12.5%" in unit and "解决率中部分解决按 0.5 计。" in unit
    page = city.client.get("/staff/admin?tab=kpi").text
    row = re.search(r'<tr data-formula-version="2">(.*?)</tr>', page, re.S)
    assert row and re.findall(r"<td>([^<]*)</td>", row.group(1))[:7] == [
        "2", "12.5%", "43.75%", "43.75%", "0.8", "0.5", "签收"]
    first = re.search(r'<tr data-formula-version="1">(.*?)</tr>', page, re.S)
    assert first and "<td>0</td><td>首次联系诉求人</td>" in first.group(1)


def test_appeals_answered_directly_count_in_the_reports_closed_total(scenario: Scenario,
                                                                      city: City) -> None:
    """A consultation the hotline answered at once (直接答复) has no unit, so the unit tree's
    sums leave it out; DESIGN §2 says it still counts in statistics, and the dashboard's 办结
    counts it. The 通报 says 办结数 for everything closed in the month, the dashboard's count,
    with the hotline's own as 其中热线直办 (page, English page and XLSX)."""
    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal
    from jiesu.store import web_queries
    from tests.integration.test_kpi_scenarios import t

    rt = scenario.rt
    op = Actor(role=Role.OPERATOR, user_id=scenario.users["operator"])
    for day in (9, 18):  # answered in March; one more in April, not March's
        reg = rt.appeals.register(op, NewAppeal(kind="consult", content="公积金怎么提取",
                                                requester_phone="13812345678"), t(3, day))
        rt.appeals.act(op, reg.appeal_id, "answer_directly", t(3, day, 11),
                       {"text": "按政策答复"})
    reg = rt.appeals.register(op, NewAppeal(kind="consult", content="社保怎么转移",
                                            requester_phone="13812345678"), t(4, 1))
    rt.appeals.act(op, reg.appeal_id, "answer_directly", t(4, 1, 11), {"text": "按政策答复"})
    march_days = [datetime(2026, 3, d).date() for d in range(1, 32)]
    with rt.db.uow(write=False) as uow:
        dashboard = sum(web_queries.daily_closed(uow.session, march_days, rt.settings.tz))
    # a1–a4 of 东华门街道 and a8 of 市水务局 closed in March, and the hotline's two
    assert dashboard == 7
    summary = {r[0]: r[1] for r in load_workbook(io.BytesIO(_xlsx(scenario)))["汇总"]
               .iter_rows(min_row=3, values_only=True)}
    assert (summary["办结数"], summary["其中热线直办"]) == (7, 2)
    assert summary["响应率"] == pytest.approx(6 / 9, abs=1e-6)  # the units' figures as before
    from jiesu.web.report_pages import render_monthly

    html = render_monthly(rt, "2026-03", NOW)
    rows = dict(re.findall(r"<tr><th scope=\"row\">([^<]+)</th><td>([^<]*)</td></tr>", html))
    assert (rows["办结数"], rows["其中热线直办"]) == ("7", "2")
    english = render_monthly(rt, "2026-03", NOW, lang="en")
    assert "of which: answered by the hotline" in english
