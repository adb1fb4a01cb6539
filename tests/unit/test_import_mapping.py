"""Import mappings: parsing the TOML, converting rows, and messages that name what is wrong."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jiesu.domain import appeal as dom
from jiesu.services.import_mapping import (
    FIELDS,
    ImportRecord,
    MappingError,
    load_mapping,
    parse_mapping,
)

MAPPINGS = Path(__file__).resolve().parents[2] / "src" / "jiesu" / "data" / "mappings"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "import.md"
BASE = {"source_id": "编号", "content": "内容", "created_at": "时间"}


def _m(**fields: object) -> object:
    return parse_mapping({"fields": {**BASE, **fields}})


def _row(**cells: object) -> dict[str, object]:
    return {"编号": "A1", "内容": "路灯坏了", "时间": "2025-03-03 09:15:00", **cells}


def test_minimal_mapping_defaults() -> None:
    rec = _m().convert(2, _row())
    assert isinstance(rec, ImportRecord)
    assert rec.source_ref == "A1"
    assert rec.values["created_at"] == datetime(2025, 3, 3, 1, 15, tzinfo=UTC)
    assert rec.values["channel"] is dom.Channel.IMPORT
    assert rec.values["kind"] is dom.Kind.COMPLAINT
    assert rec.values["status"] is dom.Status.REGISTERED


def test_category_path_split_and_columns() -> None:
    rec = _m(category={"column": "分类", "split": "->"}).convert(2, _row(分类="一级->二级->三级"))
    assert rec.values["category"] == ("一级", "二级", "三级")  # type: ignore[union-attr]
    rec = _m(category={"columns": ["一", "二", "三"]}).convert(2, _row(一="甲", 二="乙", 三=""))
    assert rec.values["category"] == ("甲", "乙")  # type: ignore[union-attr]
    errors = _m(category={"column": "分类", "split": "/"}).convert(2, _row(分类="a/b/c/d"))
    assert isinstance(errors, list) and "最多三级" in str(errors[0])


def test_status_words_map_and_chinese_labels() -> None:
    m = _m(status={"column": "状态", "map": {"已结案": "closed"}})
    assert m.convert(2, _row(状态="已结案")).values["status"] is dom.Status.CLOSED  # type: ignore
    # jiesu's own words need no map entry
    assert m.convert(2, _row(状态="已办结")).values["status"] is dom.Status.CLOSED  # type: ignore
    errors = m.convert(7, _row(状态="挂起"))
    assert isinstance(errors, list)
    assert str(errors[0]).startswith("第 7 行，列“状态”，值“挂起”：")
    assert "已结案" in str(errors[0])


def test_status_words_as_the_docs_write_them() -> None:
    """docs/import.md lists 已登记/已派单/办理中/已答复/已办结/不予受理 as understood without a
    map; jiesu's own labels qualify two of them (已派单(待签收), 已答复(待回访)), and the bare
    words were refused. Both forms are taken, full-width brackets too."""
    m = _m(status="状态", lead_unit="单位")
    for word, status in (("已派单", dom.Status.DISPATCHED), ("已答复", dom.Status.REPLIED),
                         ("已派单(待签收)", dom.Status.DISPATCHED),
                         ("已答复（待回访）", dom.Status.REPLIED)):
        rec = m.convert(2, _row(状态=word, 单位="东城区", 答复="x"))
        assert isinstance(rec, ImportRecord), (word, rec)
        assert rec.values["status"] is status, word


def test_an_unknown_status_names_only_the_statuses_that_can_be_imported() -> None:
    """The message listed 已合并 among the values to use, which the row check then refuses
    (a merged appeal has no target here); it says so when 已合并 itself is given."""
    m = _m(status="状态", lead_unit="单位")
    problems = m.convert(2, _row(状态="已撤销", 单位="东城区"))
    assert isinstance(problems, list)
    text = str(problems[0])
    assert "无法识别" in text and "closed（已办结）" in text
    assert "merged" not in text and "已合并" not in text
    merged = m.convert(2, _row(状态="已合并", 单位="东城区"))
    assert isinstance(merged, list) and "无法导入" in str(merged[0])


def test_status_is_inferred_from_history() -> None:
    m = _m(replied_at="答复时间", closed_at="办结时间", lead_unit="单位")
    assert m.convert(2, _row(答复时间="2025-03-04 10:00:00")).values["status"] is (  # type: ignore
        dom.Status.REPLIED)
    assert m.convert(2, _row(办结时间="2025-03-05")).values["status"] is (  # type: ignore
        dom.Status.CLOSED)
    assert m.convert(2, _row(单位="东城区")).values["status"] is (  # type: ignore
        dom.Status.DISPATCHED)
    errors = m.convert(2, _row(答复时间="2025-03-01 10:00:00"))
    assert isinstance(errors, list) and "早于登记时间" in str(errors[0])


def test_dates_formats_excel_values_and_timezone() -> None:
    m = _m(created_at={"column": "时间", "date_format": ["%Y年%m月%d日 %H时%M分", "%d/%m/%Y"]})
    rec = m.convert(2, _row(时间="2025年3月3日 9时15分"))
    assert rec.values["created_at"] == datetime(2025, 3, 3, 1, 15, tzinfo=UTC)  # type: ignore
    rec = m.convert(2, _row(时间="03/04/2025"))
    assert rec.values["created_at"].day == 2  # type: ignore[union-attr]  # 04-03 00:00 +08:00
    assert m.convert(2, _row(时间=datetime(2025, 3, 3, 9, 15))).values[  # type: ignore
        "created_at"].hour == 1
    assert m.convert(2, _row(时间=45719.5)).values["created_at"] == datetime(  # type: ignore
        2025, 3, 3, 4, 0, tzinfo=UTC)
    errors = m.convert(2, _row(时间="3 March 2025"))
    assert isinstance(errors, list) and "date_format" in str(errors[0])


def test_text_cleaning_truncation_and_lengths() -> None:
    m = _m(content={"column": "内容", "clean": "squeeze"}, title={"column": "标题"})
    rec = m.convert(2, _row(内容="\n\t\t 路灯\t\t坏了 \n\n 三天 ", 标题="短"))
    assert rec.values["content"] == "路灯 坏了\n三天"  # type: ignore[union-attr]
    errors = m.convert(2, _row(标题="长" * 201))
    assert isinstance(errors, list) and "truncate" in str(errors[0])
    m = _m(title={"column": "标题", "truncate": True})
    assert len(m.convert(2, _row(标题="长" * 201)).values["title"]) == 200  # type: ignore


def test_fixed_values_defaults_and_required() -> None:
    m = _m(kind={"value": "help"}, confidential={"column": "保密", "default": False})
    rec = m.convert(2, _row(保密=""))
    assert rec.values["kind"] is dom.Kind.HELP and rec.values["confidential"] is False  # type: ignore
    errors = m.convert(4, _row(内容="  "))
    assert isinstance(errors, list) and "诉求内容（content）不能为空" in str(errors[0])
    assert _m().convert(2, _row(编号=24.0)).source_ref == "24"  # type: ignore[union-attr]


@pytest.mark.parametrize("data, words", [
    ({"fields": {"content": "x", "created_at": "t"}}, "source_id"),
    ({"fields": {**BASE, "catgory": "分类"}}, "是否为 category"),
    ({"fields": {**BASE, "kind": {"value": "rumour"}}}, "固定值"),
    ({"fields": {**BASE, "status": {"column": "s", "map": {"完": "done"}}}}, "map"),
    ({"fields": {**BASE, "title": {"column": "t", "value": "x"}}}, "只能给出"),
    ({"fields": {**BASE, "title": {"col": "t"}}}, "未知的设置"),
    ({"fields": BASE, "options": {"unknown_unit": "maybe"}}, "unknown_unit"),
    ({"fields": BASE, "options": {"timezone": "Mars/Base"}}, "timezone"),
    ({"fields": BASE, "source": {"format": "xls"}}, "format"),
    ({"fields": BASE, "sources": {}}, "未知的节"),
])
def test_bad_mappings_are_refused_with_a_reason(data: dict[str, object], words: str) -> None:
    with pytest.raises(MappingError, match=words):
        parse_mapping(data)


def test_missing_columns_are_named_with_a_suggestion() -> None:
    with pytest.raises(MappingError, match="“时间”（是否为“受理时间”？）"):
        _m().check_header(["编号", "内容", "受理时间"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", sorted(MAPPINGS.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_mappings_load(path: Path) -> None:
    load_mapping(path)


def test_docs_example_mapping_is_valid_and_every_field_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    blocks = text.split("```toml")[1:]
    assert blocks, "docs/import.md has a complete TOML example"
    for block in blocks:
        parse_mapping(tomllib.loads(block.split("```")[0]))
    for name in FIELDS:
        assert f"`{name}`" in text, f"field {name} is not documented in docs/import.md"
