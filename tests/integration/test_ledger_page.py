"""诉求台账 on the staff pages: the filters a person picks, the list they see and the file they
download agree; the roles and the handler's unit subtree are the API's; a bad filter is said in
Chinese (English on English pages); and every download is logged (personal data leaves)."""

from __future__ import annotations

import html
import io
import logging
import re

import pytest
from openpyxl import load_workbook

from jiesu.services.clock import utcnow
from jiesu.web.core import NAV
from tests.integration.test_exports import _csv, _seed
from tests.support.city import City, page_login


def _codes(page: str) -> set[str]:
    return set(re.findall(r'data-code="(\d+)"', page))


def _downloads(page: str) -> dict[str, str]:
    """The page's download links by format ("xlsx", "csv")."""
    block = re.search(r"data-downloads>(.*?)</p>", page, re.S)
    assert block, page
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', block.group(1))]
    return {h.split("?")[0].rsplit(".", 1)[1]: h for h in hrefs}


def _xlsx_codes(content: bytes) -> list[str]:
    ws = load_workbook(io.BytesIO(content), read_only=True).active
    table = list(ws.iter_rows(values_only=True))
    assert table[0][0] == "工单编号"
    return [str(r[0]) for r in table[1:]]


def test_the_download_holds_the_rows_of_the_filtered_list(city: City) -> None:
    seeded = _seed(city)
    page_login(city.client, "dispatcher")
    everything = city.client.get("/staff/ledger")
    assert everything.status_code == 200
    assert len(_codes(everything.text)) == 4 and "共 4 条" in everything.text
    today = utcnow().astimezone(city.runtime.settings.tz).date().isoformat()
    query = f"/staff/ledger?status=dispatched&kind=complaint&from={today}&to={today}"
    r = city.client.get(query)
    assert r.status_code == 200
    shown = _codes(r.text)
    assert shown == {seeded["lamp"]["code"], seeded["other"]["code"]}
    links = _downloads(r.text)
    assert set(links) == {"xlsx", "csv"}
    assert "status=dispatched" in links["csv"] and f"from={today}" in links["csv"]
    csv_r = city.client.get(links["csv"])
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    disposition = csv_r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="ledger-')
    # saved as 诉求台账-YYYYMMDD-HHMM.csv by a browser
    assert "filename*=UTF-8''%E8%AF%89%E6%B1%82%E5%8F%B0%E8%B4%A6-" in disposition
    rows = _csv(csv_r.text)
    assert {x["工单编号"] for x in rows} == shown
    assert {x["办理状态"] for x in rows} == {"已派单(待签收)"}
    # the same columns as the API's export, from the same service
    api = _csv(city.client.get("/api/v1/exports/ledger.csv", params={"status": "dispatched"},
                               headers=city.headers("dispatcher")).text)
    assert list(rows[0]) == list(api[0])
    x = city.client.get(links["xlsx"])
    assert x.status_code == 200 and x.headers["content-type"].startswith(
        "application/vnd.openxmlformats")
    assert set(_xlsx_codes(x.content)) == shown
    # a unit (with its subtree) and a period with nothing in it
    d1 = city.unit_ids["D1"]
    assert _codes(city.client.get(f"/staff/ledger?unit={d1}").text) == {seeded["lamp"]["code"]}
    assert {x["工单编号"] for x in _csv(city.client.get(f"/staff/ledger.csv?unit={d1}").text)
            } == {seeded["lamp"]["code"]}
    empty = city.client.get("/staff/ledger?from=2000-01-01&to=2000-01-31")
    assert "data-empty" in empty.text and "data-downloads" not in empty.text


def test_a_handler_downloads_only_its_units_appeals(city: City) -> None:
    seeded = _seed(city)
    page_login(city.client, "handler_d1")
    assert _codes(city.client.get("/staff/ledger").text) == {seeded["lamp"]["code"]}
    rows = _csv(city.client.get("/staff/ledger.csv").text)
    assert [x["工单编号"] for x in rows] == [seeded["lamp"]["code"]]
    # naming another unit narrows within the subtree, never widens it
    d2 = city.unit_ids["D2"]
    assert _codes(city.client.get(f"/staff/ledger?unit={d2}").text) == set()
    assert _csv(city.client.get(f"/staff/ledger.csv?unit={d2}").text) == []


@pytest.mark.parametrize("path", ["/staff/ledger", "/staff/ledger.csv", "/staff/ledger.xlsx"])
def test_a_role_without_the_ledger_is_refused(city: City, path: str) -> None:
    _seed(city)
    r = city.client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    page_login(city.client, "auditor")
    r = city.client.get(path)
    assert r.status_code == 403 and "无权" in r.text and "工单编号" not in r.text


def test_a_bad_filter_is_said_in_chinese_and_in_english(city: City) -> None:
    page_login(city.client, "analyst")
    r = city.client.get("/staff/ledger?from=2026-13-01")
    assert r.status_code == 422
    assert "开始日期“2026-13-01”不是有效日期，请按 2026-11-01 的格式填写" in html.unescape(r.text)
    r = city.client.get("/staff/ledger.xlsx?from=2026-11-30&to=2026-11-01")
    assert r.status_code == 422 and "开始日期不能晚于结束日期" in r.text
    r = city.client.get("/staff/ledger.csv?status=open&kind=nonsense")
    assert r.status_code == 422
    assert "诉求类型“nonsense”无效，请从列表中选择" in html.unescape(r.text)
    r = city.client.get("/staff/ledger?category=99.99&lang=en")
    assert r.status_code == 422 and "No category has the code “99.99”" in html.unescape(r.text)
    r = city.client.get("/staff/ledger?to=2026-02-30&lang=en")
    assert "The end date “2026-02-30” is not a date: write it as 2026-11-01" in html.unescape(
        r.text)
    assert city.client.get("/staff/ledger.pdf").status_code == 404


def test_every_download_is_logged_with_who_and_how_many(city: City,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    _seed(city)
    page_login(city.client, "supervisor")
    with caplog.at_level(logging.INFO, logger="jiesu.export"):
        city.client.get("/staff/ledger.csv?status=dispatched")
        city.client.get("/api/v1/exports/ledger.xlsx", headers=city.headers("analyst"))
    lines = [r.getMessage() for r in caplog.records if r.name == "jiesu.export"]
    assert len(lines) == 2, lines
    assert lines[0].startswith("ledger export (web, csv): 2 rows by user supervisor")
    assert '"status": "dispatched"' in lines[0]
    assert lines[1].startswith("ledger export (api, xlsx): 4 rows by user analyst")


def test_the_roles_that_export_find_the_ledger_in_their_navigation(city: City) -> None:
    for role in ("dispatcher", "handler", "supervisor", "analyst", "admin"):
        assert ("/staff/ledger", "诉求台账") in NAV[next(r for r in NAV if r.value == role)]
    page_login(city.client, "analyst")
    page = city.client.get("/staff/dashboard?lang=en").text
    assert '<a href="/staff/ledger"' in page and "Appeal ledger" in page
    en = city.client.get("/staff/ledger?lang=en").text
    assert "No appeal matches these filters" in en and "Overdue only" in en


def test_the_page_counts_the_files_rows_and_warns_of_a_very_big_workbook(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """The work lists count up to a cap ("1000+"); the ledger page says how many rows the
    file will hold, and past XLSX_BIG_ROWS says what an Excel file cannot hold (both files
    stream now: the XLSX no longer needs steering to the CSV at 20,000 rows)."""
    from jiesu.store import queries
    from jiesu.web.routes import ledger

    _seed(city)
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    page_login(city.client, "analyst")
    page = city.client.get("/staff/ledger").text
    assert "共 4 条" in page and "data-xlsx-big" not in page
    monkeypatch.setattr(ledger, "XLSX_BIG_ROWS", 3)
    page = city.client.get("/staff/ledger").text
    assert "data-xlsx-big" in page and "最多容纳 1,048,575 条" in page
    assert "holds at most 1,048,575 rows" in city.client.get("/staff/ledger?lang=en").text
    monkeypatch.setattr(ledger, "COUNT_CAP", 3)
    assert "共 3+ 条" in city.client.get("/staff/ledger?lang=zh").text


def test_the_supervisors_overdue_tab_leads_to_its_ledger(city: City) -> None:
    """督办看板's 超期诉求 is the list a supervisor is asked for in Excel: the tab links the
    ledger of the same filter, whose file holds the tab's appeals."""
    from datetime import UTC, datetime

    from jiesu.domain.appeal import Actor, Role
    from jiesu.services.appeals import NewAppeal

    rt = city.runtime
    t0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    d1 = city.unit_ids["D1"]
    with rt.db.uow(write=False) as uow:
        scope = uow.units.subtree_ids(d1)
    handler = Actor(role=Role.HANDLER, user_id=None, unit_id=d1, unit_scope=scope)
    reg = rt.appeals.register(Actor(role=Role.OPERATOR, user_id=None),
                              NewAppeal(kind="help", content="楼道灯坏了，晚上看不见台阶",
                                        requester_phone="13800000041"), t0)
    rt.appeals.act(Actor(role=Role.DISPATCHER, user_id=None), reg.appeal_id, "dispatch", t0,
                   {"unit_id": d1})
    rt.appeals.act(handler, reg.appeal_id, "sign", t0)
    city.register(content="今天刚登记的诉求，未超期")
    page_login(city.client, "supervisor")
    board = city.client.get("/staff/supervision?tab=overdue").text
    assert _codes(board) == {reg.code}
    link = re.search(r'<a href="([^"]+)" data-ledger>导出超期台账</a>', board)
    assert link, board
    ledger = city.client.get(html.unescape(link.group(1))).text
    assert _codes(ledger) == {reg.code} and 'id="l-overdue" name="overdue"' in ledger
    rows = _csv(city.client.get(_downloads(ledger)["csv"]).text)
    assert [(x["工单编号"], x["是否超期"]) for x in rows] == [(reg.code, "是")]


def test_the_page_uses_the_processs_ledger_service_as_the_api_does(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page built an OpenDataService per request (without the board's statuses) while
    the API kept one per process: both now take `exchange_deps.open_data`."""
    from jiesu.api.exchange_deps import open_data

    _seed(city)
    service = open_data(city.runtime)
    monkeypatch.setattr(service, "ledger_size", lambda *a, **k: 7)
    page_login(city.client, "analyst")
    assert "共 7 条" in city.client.get("/staff/ledger").text
