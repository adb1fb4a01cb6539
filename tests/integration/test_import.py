# ruff: noqa: E501  (the mapping below is a TOML document written as a user would)
"""`jiesu import`: the shared message-board files, a synthetic ledger of another 12345 system,
idempotency, dry runs, history written through the hash chain."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jiesu.services.audit import verify
from jiesu.services.clock import utcnow
from jiesu.services.exchange import ImportService
from jiesu.services.import_mapping import load_mapping
from jiesu.store.tables import AppealRow, CategoryRow, EventRow, UnitRow

MAPPINGS = Path(__file__).resolve().parents[2] / "src" / "jiesu" / "data" / "mappings"
SHARED = Path(os.environ.get("JIESU_SHARED_DATA")
              or Path(__file__).resolve().parents[2].parent / "shared" / "data")


def _import(runtime: Any, path: Path, mapping: Path, **kw: Any) -> Any:
    return ImportService(runtime.db, runtime.rules).run(path, load_mapping(mapping), utcnow(),
                                                        **kw)


def _count(runtime: Any, model: Any = AppealRow) -> int:
    with runtime.db.uow(write=False) as uow:
        return uow.session.query(model).count()


# --- the shared message-board files ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("file, mapping, rows", [
    ("appeals_with_replies.csv", "teddy2020_replies_csv.toml", 2816),
    ("teddy2020_format_sample.xlsx", "teddy2020_xlsx.toml", 494),
])
def test_shared_message_board_files_import_without_rejections(runtime: Any, city: Any, file: str,
                                                               mapping: str, rows: int) -> None:
    path = SHARED / file
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    dry = _import(runtime, path, MAPPINGS / mapping, dry_run=True)
    assert (dry.imported, dry.rejected_count) == (rows, 0), [str(e) for e in dry.rejected[:5]]
    assert _count(runtime) == 0
    first = _import(runtime, path, MAPPINGS / mapping)
    assert (first.imported, first.rejected_count) == (rows, 0)
    again = _import(runtime, path, MAPPINGS / mapping)
    assert (again.imported, again.rejected_count) == (0, 0)
    assert _count(runtime) == rows
    with runtime.db.uow(write=False) as uow:
        sample = uow.session.query(AppealRow).order_by(AppealRow.id).first()
        assert sample.status == "closed" and sample.channel == "import"
        assert "\t" not in sample.content and sample.source_ref.startswith("teddy2020-")
        if "replies" in mapping:
            assert sample.reply_text and sample.replied_at and sample.closed_at
        else:
            assert sample.category is not None
    assert verify(runtime.db).broken is None


# --- another system's ledger, mapped from the docs ------------------------------------------------

OTHER_MAPPING = """
name = "other_12345"
[source]
format = "csv"
encoding = "gbk"
id_prefix = "other:"
[options]
unknown_category = "create"
unknown_unit = "reject"
[fields]
source_id = "工单号"
created_at = { column = "受理时间", date_format = ["%Y年%m月%d日 %H:%M", "%Y-%m-%d %H:%M"] }
title = { column = "标题", truncate = true }
content = { column = "诉求描述", clean = "squeeze" }
kind = { column = "诉求类别", map = { "投诉" = "complaint", "求助" = "help", "意见建议" = "suggestion", "举报" = "report" } }
category = { column = "事项分类", split = "->" }
lead_unit = { column = "责任单位", match = "name" }
status = { column = "工单状态", map = { "已办结" = "closed", "办理中" = "in_progress", "待派发" = "registered" } }
dispatched_at = { column = "派发时间", date_format = "%Y-%m-%d %H:%M" }
replied_at = { column = "办结时间", date_format = "%Y-%m-%d %H:%M" }
closed_at = { column = "办结时间", date_format = "%Y-%m-%d %H:%M" }
reply_text = "办理结果"
requester_name = "来电人"
requester_phone = "来电号码"
confidential = { column = "是否保密", map = { "是" = true, "否" = false }, default = false }
followup_satisfaction = { column = "满意度", map = { "满意" = "satisfied", "基本满意" = "basically", "不满意" = "dissatisfied", "未评价" = "" } }
[extra]
original_status = "工单状态"
"""

HEADER = ["工单号", "受理时间", "标题", "诉求描述", "诉求类别", "事项分类", "责任单位", "工单状态",
          "派发时间", "办结时间", "办理结果", "来电人", "来电号码", "是否保密", "满意度"]
ROWS = [
    ["GD-001", "2025年03月03日 09:15", "路灯不亮", "  多福巷  路灯\t\t不亮\n\n\n三天了 ", "投诉",
     "城乡建设->市政设施->路灯", "东城区", "已办结", "2025-03-03 10:00", "2025-03-05 16:30",
     "已更换灯泡", "张三", "13812345678", "否", "满意"],
    ["GD-002", "2025-03-04 11:00", "噪音扰民", "夜间施工噪音", "投诉",
     "环境保护->噪音污染->夜间施工", "西城区", "办理中", "2025-03-04 12:00", "", "", "李四",
     "139-0000 0000", "否", "未评价"],
    ["GD-003", "2025-03-05 08:00", "咨询社保", "社保卡怎么补办", "求助",
     "劳动和社会保障->社会保险->社保卡", "", "待派发", "", "", "", "王五", "13700000000", "是", ""],
]
BAD_ROWS = [
    ["GD-004", "2025-13-05 08:00", "x", "月份不对", "投诉", "城乡建设->市政设施->路灯", "东城区",
     "已办结", "", "2025-03-06 08:00", "好", "", "", "否", ""],
    ["GD-005", "2025-03-05 08:00", "x", "状态词不认识", "投诉", "城乡建设->市政设施->路灯",
     "东城区", "挂起", "", "", "", "", "", "否", ""],
    ["GD-006", "2025-03-05 08:00", "x", "单位不存在", "投诉", "城乡建设->市政设施->路灯",
     "不存在的局", "办理中", "2025-03-05 09:00", "", "", "", "", "否", ""],
    ["GD-007", "2025-03-05 08:00", "x", "", "投诉", "城乡建设->市政设施->路灯", "东城区",
     "待派发", "", "", "", "", "", "否", ""],
]


def _write(tmp_path: Path, rows: list[list[str]]) -> tuple[Path, Path]:
    data = tmp_path / "ledger.csv"
    with data.open("w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    mapping = tmp_path / "other.toml"
    mapping.write_text(OTHER_MAPPING, encoding="utf-8")
    return data, mapping


def test_other_system_ledger_with_history(runtime: Any, city: Any, tmp_path: Path) -> None:
    data, mapping = _write(tmp_path, ROWS)
    report = _import(runtime, data, mapping)
    assert (report.imported, report.rejected_count) == (3, 0), [str(e) for e in report.rejected]
    assert "环境保护/噪音污染/夜间施工" in report.created_categories
    with runtime.db.uow(write=False) as uow:
        rows = {r.source_ref: r for r in uow.session.query(AppealRow)}
        done, busy, new = rows["other:GD-001"], rows["other:GD-002"], rows["other:GD-003"]
        assert done.status == "closed" and done.lead_unit_id == city.unit_ids["D1"]
        assert done.content == "多福巷 路灯 不亮\n三天了"
        assert done.reply_text == "已更换灯泡" and done.followup_satisfaction == "satisfied"
        assert done.closed_at.isoformat() == "2025-03-05T08:30:00+00:00"
        assert done.code.startswith("20250303")
        cat = uow.session.query(CategoryRow).filter_by(code=done.category).one()
        assert cat.full_name == "城乡建设/市政设施/路灯"
        assert busy.status == "in_progress" and busy.handle_due_at is not None
        assert busy.requester_phone == "13900000000"  # as the caller lookup matches it
        assert busy.followup_satisfaction is None and busy.extra["source"] == {
            "original_status": "办理中"}
        assert new.status == "registered" and new.confidential and new.kind == "help"
        events = uow.session.query(EventRow).filter_by(appeal_id=done.id).all()
        assert [e.type for e in events] == ["import"]
        assert events[0].data["history"]["closed_at"] == "2025-03-05T08:30:00+00:00"
    assert verify(runtime.db).broken is None
    # importing the same ledger again adds nothing
    again = _import(runtime, data, mapping)
    assert again.imported == 0 and again.skipped_count == 3
    assert _count(runtime) == 3


def test_rejections_name_row_column_and_value(runtime: Any, city: Any, tmp_path: Path) -> None:
    data, mapping = _write(tmp_path, ROWS + BAD_ROWS)
    dry = _import(runtime, data, mapping, dry_run=True)
    assert dry.imported == 3 and dry.rejected_count == 4
    assert _count(runtime) == 0
    messages = [str(e) for e in dry.rejected]
    assert any(m.startswith("第 5 行，列“受理时间”，值“2025-13-05 08:00”") for m in messages)
    assert any("第 6 行，列“工单状态”，值“挂起”" in m and "map" in m for m in messages)
    assert any("第 7 行，列“责任单位”，值“不存在的局”" in m and "unknown_unit" in m
               for m in messages)
    assert any("第 8 行，列“诉求描述”" in m and "不能为空" in m for m in messages)
    real = _import(runtime, data, mapping)
    assert real.imported == 3 and real.rejected_count == 4
    with runtime.db.uow(write=False) as uow:
        from jiesu.store.exchange_tables import ImportBatchRow

        batch = uow.session.query(ImportBatchRow).one()
        assert (batch.imported, batch.rejected) == (3, 4)
        assert len(batch.report["rejections"]) == 4


def test_mapping_problems_stop_before_any_row(runtime: Any, city: Any, tmp_path: Path) -> None:
    from jiesu.domain.errors import InvalidArguments

    data, mapping = _write(tmp_path, ROWS)
    mapping.write_text(OTHER_MAPPING.replace('"责任单位"', '"责任部门"'), encoding="utf-8")
    with pytest.raises(InvalidArguments, match="责任部门.*是否为“责任单位”"):
        _import(runtime, data, mapping)
    assert _count(runtime) == 0


def test_units_an_import_creates_sit_in_the_tree_where_their_level_fits(
        runtime: Any, city: Any, tmp_path: Path) -> None:
    """unknown_unit = "create" made a unit loose at the top of the tree beside the city (no
    unit_parent), or under any parent whatever its level (a department under a community):
    a mapping that would is refused before any row is read, in the words `jiesu unit add`
    uses, and nothing is imported; a department under the city is created there."""
    from jiesu.domain.errors import InvalidArguments

    data, mapping = _write(tmp_path, ROWS + [BAD_ROWS[2]])  # GD-006: 不存在的局
    create = OTHER_MAPPING.replace('unknown_unit = "reject"', 'unknown_unit = "create"')
    for options, refused in (
            ("", 'unknown_unit = "create" 时须用 unit_parent 指明新建单位的上级单位编码'),
            ('unit_parent = "NOPE"\n', "unit_parent 指定的上级单位 NOPE 不存在"),
            ('unit_parent = "D1S1C1"\n',
             "unit_group 与 unit_parent 不符：市级部门不能隶属于社区/村（D1S1C1）"),
            ('unit_parent = "C"\nunit_group = "bureau"\n', "unit_group 须为 city、district")):
        mapping.write_text(create.replace("[fields]", options + "[fields]", 1), encoding="utf-8")
        with pytest.raises(InvalidArguments, match=re.escape(refused)):
            _import(runtime, data, mapping)
        assert _count(runtime) == 0
    mapping.write_text(create.replace("[fields]", 'unit_parent = "C"\n[fields]', 1),
                       encoding="utf-8")
    report = _import(runtime, data, mapping)
    assert report.imported == 4 and report.created_units == ["不存在的局"]
    with runtime.db.uow(write=False) as uow:
        made = uow.session.query(UnitRow).filter_by(name="不存在的局").one()
        assert made.parent_id == city.unit_ids["C"] and made.group == "department"


def test_cli_import_dry_run_and_report(runtime: Any, city: Any, tmp_path: Path,
                                       monkeypatch: Any) -> None:
    from jiesu.cli import app

    monkeypatch.setenv("JIESU_DATABASE_URL", runtime.settings.database_url)
    data, mapping = _write(tmp_path, ROWS + BAD_ROWS[:1])
    report = tmp_path / "rejected.csv"
    result = CliRunner().invoke(app, ["import", str(data), "--mapping", str(mapping),
                                      "--dry-run", "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert "可导入 3" in result.output and "拒绝 1" in result.output
    assert "第 5 行" in report.read_text(encoding="utf-8-sig")
    assert _count(runtime) == 0
    data, mapping = _write(tmp_path, ROWS)
    result = CliRunner().invoke(app, ["import", str(data), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "已导入 3" in result.output
    result = CliRunner().invoke(app, ["import", str(data), "-m", "no_such_mapping"])
    assert result.exit_code == 2 and "teddy2020_xlsx" in result.output
    # a message quoting a setting in brackets keeps them (rich would read "[source]" as a tag)
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(bytes(range(128, 256)) * 20)
    result = CliRunner().invoke(app, ["import", str(garbled), "-m", "teddy2020_replies_csv"])
    assert result.exit_code == 2 and "请在映射的 [source] 中设置 encoding" in result.output


def test_xlsx_export_of_other_system(runtime: Any, city: Any, tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["说明：某区 12345 台账"])  # a title row above the header
    ws.append(HEADER)
    row = list(ROWS[0])
    row[0] = 1001  # numeric ids and real Excel dates
    row[1] = datetime(2025, 3, 3, 9, 15)
    ws.append(row)
    ws.append([None] * len(HEADER))
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    mapping = tmp_path / "other.toml"
    mapping.write_text(OTHER_MAPPING.replace('format = "csv"', 'format = "xlsx"\nheader_row = 2'),
                       encoding="utf-8")
    report = _import(runtime, path, mapping)
    assert (report.imported, report.rejected_count) == (1, 0), [str(e) for e in report.rejected]
    with runtime.db.uow(write=False) as uow:
        assert uow.session.query(AppealRow).one().source_ref == "other:1001"


def test_credit_codes_are_stored_checked_and_a_mistyped_one_is_kept_aside(
        runtime: Any, city: Any, tmp_path: Path) -> None:
    """Registration refuses an invalid 统一社会信用代码; an import takes the row (it happened)
    but stores only a valid code as the appeal's, normalised, and keeps a mistyped one in
    `extra` for the record."""
    data = tmp_path / "firms.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["工单号", "受理时间", "诉求描述", "信用代码"])
        w.writerow(["E-1", "2025-03-03 09:15", "企业反映用电报装慢", "91330100799655058b"])
        w.writerow(["E-2", "2025-03-03 09:20", "企业反映用水报装慢", "91330100799655058X"])
    mapping = tmp_path / "firms.toml"
    mapping.write_text("""
name = "firms"
[source]
format = "csv"
id_prefix = "firms:"
[fields]
source_id = "工单号"
created_at = { column = "受理时间", date_format = "%Y-%m-%d %H:%M" }
content = "诉求描述"
kind = { value = "complaint" }
status = { value = "registered" }
enterprise_code = "信用代码"
""", encoding="utf-8")
    report = _import(runtime, data, mapping)
    assert report.imported == 2, [str(e) for e in report.rejected]
    with runtime.db.uow(write=False) as uow:
        rows = {r.source_ref: (r.enterprise_code, r.extra) for r in uow.session.query(AppealRow)}
    assert rows["firms:E-1"][0] == "91330100799655058B"
    assert rows["firms:E-2"][0] is None
    assert rows["firms:E-2"][1]["enterprise_code_as_given"] == "91330100799655058X"


def test_the_area_a_source_located_an_appeal_in_is_kept(runtime: Any, city: Any,
                                                         tmp_path: Path) -> None:
    """所属区域 by code or name; never created, so an unknown one rejects its row. Closed
    history with an area is what the unit suggestion reads for appeals in that area."""
    from jiesu.services.import_mapping import parse_mapping

    data = tmp_path / "located.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([
            ["编号", "受理时间", "内容", "区域", "主办单位", "办结时间"],
            ["A1", "2025-03-03 08:00", "路灯不亮", "D1S1", "D1S1", "2025-03-05 08:00"],
            ["A2", "2025-03-03 09:00", "路灯不亮", "多福巷社区", "D1S1", "2025-03-05 08:00"],
            ["A3", "2025-03-03 10:00", "路灯不亮", "", "D1", "2025-03-05 08:00"],
            ["A4", "2025-03-03 11:00", "路灯不亮", "不存在街道", "D1", "2025-03-05 08:00"]])
    mapping = parse_mapping({"name": "located", "fields": {
        "source_id": "编号", "created_at": "受理时间", "content": "内容", "area": "区域",
        "lead_unit": {"column": "主办单位", "match": "code"}, "closed_at": "办结时间"}})
    report = ImportService(runtime.db, runtime.rules).run(data, mapping, utcnow())
    assert (report.imported, report.rejected_count) == (3, 1)
    assert "第 5 行，列“区域”，值“不存在街道”" in str(report.rejected[0])
    with runtime.db.uow(write=False) as uow:
        areas = {r.source_ref: r.area_unit_id for r in uow.session.query(AppealRow)}
    assert areas == {"A1": city.unit_ids["D1S1"], "A2": city.unit_ids["D1S1C1"], "A3": None}
