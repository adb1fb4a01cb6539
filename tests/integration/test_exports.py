"""Ledger export (staff, list filters) and open data (public, redacted, no 举报/confidential)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from openpyxl import load_workbook
from typer.testing import CliRunner


def _csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _seed(city: Any) -> dict[str, Any]:
    lamp = city.register(content="多福巷路灯坏了，联系人张三 13812345678", requester_name="张三")
    secret = city.register(content="保密的诉求", confidential=True)
    report = city.register(kind="report", content="举报某单位")
    city.act("dispatcher", lamp["id"], "dispatch", unit_code="D1")
    other = city.register(content="西城区道路坑洼", category="01.01.002")
    city.act("dispatcher", other["id"], "dispatch", unit_code="D2")
    return {"lamp": lamp, "secret": secret, "report": report, "other": other}


def test_ledger_csv_and_xlsx_with_filters_and_scope(client: Any, city: Any) -> None:
    seeded = _seed(city)
    r = client.get("/api/v1/exports/ledger.csv", headers=city.headers("dispatcher"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = _csv(r.text)
    assert len(rows) == 4  # staff see everything, including 举报 and confidential
    lamp = next(x for x in rows if x["工单编号"] == seeded["lamp"]["code"])
    assert lamp["联系电话"] == "13812345678" and lamp["主办单位"] == "东城区"
    assert lamp["办理状态"] == "已派单(待签收)"
    filtered = _csv(client.get("/api/v1/exports/ledger.csv", params={"status": "dispatched"},
                               headers=city.headers("dispatcher")).text)
    assert {x["工单编号"] for x in filtered} == {seeded["lamp"]["code"], seeded["other"]["code"]}
    # a handler only exports its unit's subtree
    mine = _csv(client.get("/api/v1/exports/ledger.csv", headers=city.headers("handler_d1")).text)
    assert [x["工单编号"] for x in mine] == [seeded["lamp"]["code"]]
    x = client.get("/api/v1/exports/ledger.xlsx", params={"status": "dispatched,registered"},
                   headers=city.headers("analyst"))
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(x.content), read_only=True).active
    table = list(ws.iter_rows(values_only=True))
    assert table[0][0] == "工单编号" and len(table) == 5
    assert client.get("/api/v1/exports/ledger.csv").status_code == 401
    assert client.get("/api/v1/exports/ledger.csv",
                      headers=city.headers("auditor")).status_code == 403
    assert client.get("/api/v1/exports/ledger.pdf",
                      headers=city.headers("admin")).status_code == 404


def test_open_data_is_public_redacted_and_hides_reports(client: Any, city: Any) -> None:
    seeded = _seed(city)
    r = client.get("/open-data/appeals.json")
    assert r.status_code == 200
    items = r.json()
    codes = {i["code"] for i in items}
    assert codes == {seeded["lamp"]["code"], seeded["other"]["code"]}
    lamp = next(i for i in items if i["code"] == seeded["lamp"]["code"])
    assert "13812345678" not in lamp["content"] and "张三" not in lamp["content"]
    assert "requester_phone" not in lamp and lamp["lead_unit"] == "东城区"
    assert lamp["created_at"].endswith("+08:00")
    rows = _csv(client.get("/open-data/appeals.csv").text)
    assert {x["工单编号"] for x in rows} == codes
    # the channel as its code and, like the status, in Chinese beside it
    assert {(x["来源渠道"], x["来源渠道(中文)"]) for x in rows} == {("hotline", "12345热线")}
    assert lamp["channel_zh"] == "12345热线"
    # the kind too: its code beside the Chinese name, which stays where it was
    assert {(x["诉求类型"], x["诉求类型编码"]) for x in rows} == {("投诉", "complaint")}
    header = list(rows[0])
    assert header.index("诉求类型编码") == header.index("诉求类型") + 1
    assert (lamp["kind"], lamp["kind_code"]) == ("投诉", "complaint")
    assert all("13812345678" not in x["诉求内容"] for x in rows)
    assert client.get("/open-data/appeals.json", params={"limit": 1}).json().__len__() == 1
    assert client.get("/open-data/appeals.json", params={"from": "2000-01-01",
                                                         "to": "2000-01-31"}).json() == []
    stats = client.get("/open-data/stats.json").json()
    assert sum(s["received"] for s in stats) == 4  # counts include everything, texts do not
    assert sum(s["open"] for s in stats) == 4 and stats[0]["month"].count("-") == 1
    assert {s["category"] for s in stats} == {"城乡建设", "（未分类）"}
    assert {(s["kind"], s["kind_code"]) for s in stats} == {("投诉", "complaint"),
                                                            ("举报", "report")}
    stats_csv = _csv(client.get("/open-data/stats.csv").text)
    assert sum(int(s["受理量"]) for s in stats_csv) == 4
    assert {s["诉求类型编码"] for s in stats_csv} == {"complaint", "report"}


def test_open_data_refuses_dates_the_wrong_way_round(client: Any, city: Any) -> None:
    """from after to answered an empty file (read as "nothing happened"); Open311 refuses
    such a range with 400, open data now with 422 and says which dates, in Chinese."""
    _seed(city)
    for path in ("/open-data/appeals.json", "/open-data/appeals.csv", "/open-data/stats.json",
                 "/open-data/stats.csv"):
        r = client.get(path, params={"from": "2026-11-20", "to": "2026-11-01"})
        assert r.status_code == 422, path
        error = r.json()["error"]
        assert error["code"] == "invalid_arguments" and error["field"] == "from"
        assert "开始日期 2026-11-20 晚于结束日期 2026-11-01" in error["message"]
        one_day = client.get(path, params={"from": "2026-11-20", "to": "2026-11-20"})
        assert one_day.status_code == 200, path


def test_cli_export_open_data_and_apikey(runtime: Any, city: Any, tmp_path: Any,
                                         monkeypatch: Any) -> None:
    from jiesu.cli import app

    _seed(city)
    monkeypatch.setenv("JIESU_DATABASE_URL", runtime.settings.database_url)
    runner = CliRunner()
    out = tmp_path / "od"
    result = runner.invoke(app, ["export", "open-data", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["appeals.csv", "appeals.json", "stats.csv",
                                                     "stats.json"]
    assert "13812345678" not in (out / "appeals.csv").read_text(encoding="utf-8")
    ledger = tmp_path / "ledger.xlsx"
    result = runner.invoke(app, ["export", "ledger", "--out", str(ledger)])
    assert result.exit_code == 0 and ledger.exists()
    result = runner.invoke(app, ["apikey", "add", "citizen-app"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("jsk_")
    assert "citizen-app" in runner.invoke(app, ["apikey", "list"]).output
    assert runner.invoke(app, ["apikey", "add", "citizen-app"]).exit_code == 2
    assert runner.invoke(app, ["apikey", "revoke", "citizen-app"]).exit_code == 0
    assert "已吊销" in runner.invoke(app, ["apikey", "list"]).output


def test_cli_ledger_export_is_logged_like_a_download(runtime: Any, city: Any, tmp_path: Any,
                                                     monkeypatch: Any) -> None:
    """`jiesu export ledger` writes names and phones to a file as a download does, so it is
    logged on jiesu.export too (standard error, as `serve` writes it): the OS user, the
    filters, the rows and where the file went; and the file streams like the download."""
    import getpass
    import logging

    from jiesu.cli import app

    seeded = _seed(city)
    monkeypatch.setenv("JIESU_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setattr(getpass, "getuser", lambda: "ops")
    export_log = logging.getLogger("jiesu.export")
    handlers, level = list(export_log.handlers), export_log.level
    runner = CliRunner()
    ledger = tmp_path / "台账.xlsx"
    result = runner.invoke(app, ["export", "ledger", "--out", str(ledger),
                                 "--status", "dispatched"])
    assert result.exit_code == 0, result.output
    lines = [x for x in result.stderr.splitlines() if "jiesu.export" in x]
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(
        ' INFO jiesu.export: ledger export (cli, xlsx): 2 rows by OS user ops (cli), '
        f'filters {{"status": "dispatched"}}, written to {ledger.resolve()}')
    ws = load_workbook(ledger, read_only=True).active
    assert {r[0] for r in list(ws.iter_rows(values_only=True))[1:]} == {
        seeded["lamp"]["code"], seeded["other"]["code"]}
    # the command's handler is gone afterwards (a later download logs as before)
    assert (export_log.handlers, export_log.level) == (handlers, level)
    csv_file = tmp_path / "ledger.csv"
    result = runner.invoke(app, ["export", "ledger", "--out", str(csv_file), "--open-only"])
    assert result.exit_code == 0, result.output
    assert "ledger export (cli, csv): 4 rows by OS user ops (cli), filters " \
        '{"open_only": true}' in result.stderr
    assert len(_csv(csv_file.read_text(encoding="utf-8"))) == 4


def test_the_xlsx_is_streamed_like_the_csv(client: Any, city: Any) -> None:
    """The XLSX was built whole before its first byte (about 90 s for 100,000 rows, past a
    proxy's wait); it is now sent chunk by chunk, with no length known in advance."""
    _seed(city)
    for fmt in ("csv", "xlsx"):
        r = client.get(f"/api/v1/exports/ledger.{fmt}", headers=city.headers("analyst"))
        assert r.status_code == 200 and "content-length" not in r.headers, fmt
    x = client.get("/api/v1/exports/ledger.xlsx", headers=city.headers("analyst"))
    assert len(list(load_workbook(io.BytesIO(x.content)).active.iter_rows())) == 5


def test_ledger_says_resolved_in_chinese_and_runs_no_typed_formula(client: Any,
                                                                  city: Any) -> None:
    """是否解决 was the stored code (yes/partly/no) in a Chinese export; and a requester's text
    starting with = became a live formula (=HYPERLINK…) in the CSV once opened in Excel/WPS,
    as it already did not in the XLSX."""
    a = city.register(content="=HYPERLINK(\"http://example.invalid\",\"点此查看\") 路灯坏了")
    city.act("dispatcher", a["id"], "dispatch", unit_code="D1")
    city.act("handler_d1", a["id"], "sign")
    city.act("handler_d1", a["id"], "reply", text="已更换路灯", claim="solved")
    city.act("followup", a["id"], "follow_up", reached=True, resolved="partly",
             satisfaction="basically")
    rows = _csv(client.get("/api/v1/exports/ledger.csv", headers=city.headers("analyst")).text)
    assert rows[0]["是否解决"] == "部分解决" and rows[0]["回访满意度"] == "基本满意"
    assert rows[0]["诉求内容"].startswith("'=HYPERLINK(")
    x = client.get("/api/v1/exports/ledger.xlsx", headers=city.headers("analyst"))
    ws = load_workbook(io.BytesIO(x.content)).active
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("是否解决") + 1).value == "部分解决"
    content = ws.cell(2, header.index("诉求内容") + 1)
    assert content.data_type == "s" and content.value.startswith("'=HYPERLINK(")
    # times are dates in the city's time zone, as the CSV's text says; none is an empty cell
    registered = ws.cell(2, header.index("登记时间") + 1)
    assert isinstance(registered.value, datetime) and registered.is_date
    assert registered.value.isoformat() == rows[0]["登记时间"].removesuffix("+08:00")
    assert ws.cell(2, header.index("办理时限") + 1).value is not None
    assert ws.cell(2, header.index("首次联系时间") + 1).value is None  # never contacted
    public = _csv(client.get("/open-data/appeals.csv").text)
    assert public[0]["诉求内容"].startswith("'=HYPERLINK(")
