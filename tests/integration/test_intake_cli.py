"""`jiesu intake ...` against a real database (SQLite and PostgreSQL): load each kind, show it,
refuse bad files with exit 2 and a Chinese message, and a fresh process sees the change."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner, Result

from jiesu.cli import app
from jiesu.config import Settings
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.appeals import NewAppeal


def setup_city(url: str) -> None:
    rt = Runtime.create(Settings(database_url=url, environment="test"), with_intelligence=False)
    try:
        admin = AdminService(rt.db, rt.rules)
        for code, name, parent, group in [("C", "示范市", None, "city"),
                                          ("D1", "东城区", "C", "district"),
                                          ("D1S1", "东华门街道", "D1", "street"),
                                          ("W", "市水务局", "C", "department")]:
            admin.add_unit(code, name, parent_code=parent, group=group)
        admin.import_categories([["城乡建设", "市政设施", "路灯"],
                                 ["环境保护", "噪音污染", "施工噪音"]])
    finally:
        rt.close()


def test_intake_commands_load_show_and_refuse(db_url: str, tmp_path: Path) -> None:
    setup_city(db_url)
    runner = CliRunner()
    env = {"JIESU_DATABASE_URL": db_url, "JIESU_ENVIRONMENT": "test", "COLUMNS": "200"}

    def run(*args: str, code: int = 0) -> Result:
        r = runner.invoke(app, ["intake", *args], env=env)
        assert r.exit_code == code, (args, r.exit_code, r.stdout, r.stderr)
        if code:  # after any progress line, one line with the reason
            assert r.stderr.splitlines()[-1].startswith("错误："), r.stderr
        return r

    def write(name: str, text: str) -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return str(tmp_path / name)

    gaz = write("places.csv", "code,name,level,parent_code,aliases\nD1,东城区,区,,东城\n"
                              "D1S1,东华门街道,街道,D1,东华门\nG1,第一网格,网格,D1S1,\n")
    out = run("gazetteer", gaz).stdout
    assert "地名表已替换：3 个地名（district 1，street 1，grid 1），其中 2 个对应单位" in out
    assert "G1" in out  # told which places are no units
    run("routing", write("routing.csv", "category,area,unit\n01.01,D1,W\n"))
    run("urgency", write("urgency.toml", '[[rules]]\nname = "well"\nkeywords = ["井喷"]\n'
                                         'level = "emergency"\ntransfer_to = ["119"]\n'
                                         'message = "请转接 119"\n'))
    run("keywords", write("keywords.json", json.dumps({"01.01.001": ["路灯", "灯不亮"]})))
    square = [[116.3, 39.9], [116.4, 39.9], [116.4, 40.0], [116.3, 40.0], [116.3, 39.9]]
    run("polygons", write("grid.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "D1S1"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]})))

    shown = run("show").stdout
    assert "路由规则：1 条" in shown and "分类 01.01 × 区域 D1 → W" in shown
    assert "紧急规则：1 条（自定义）" in shown and "地名表：3 个地名，2 个对应单位" in shown
    assert "网格边界：1 个区域" in shown
    assert "01.01.001 城乡建设/市政设施/路灯：路灯、灯不亮" in shown
    assert run("show", "routing").stdout == "category,area,unit\n01.01,D1,W\n"

    # what `show KIND` prints loads again unchanged
    exported = run("show", "urgency").stdout
    assert json.loads(exported)["rules"][0]["keywords"] == ["井喷"]
    run("urgency", write("again.json", exported))

    # bad input: exit 2, one line on stderr, nothing changed
    bad = run("routing", write("bad.csv", "category,area,unit\n01,D9,W\n"), code=2)
    assert "第 2 行：区域单位 D9 不存在" in bad.stderr
    bad = run("gazetteer", write("bad-places.csv", "code,name\nD1,东城区\n"), code=2)
    assert "缺少 level" in bad.stderr
    assert "文件不存在" in run("keywords", str(tmp_path / "missing.csv"), code=2).stderr
    # neither UTF-8 nor GBK (what Chinese Excel saves as "CSV", read since 2026-11-28)
    (tmp_path / "binary.csv").write_bytes(b"code,name,level\nD1,\x80\xff,district\n")
    assert ("不是 UTF-8 或 GB18030（GBK）编码的文本" in
            run("gazetteer", str(tmp_path / "binary.csv"), code=2).stderr)
    assert "配置类型" in run("show", "weather", code=2).stderr
    assert run("show", "routing").stdout == "category,area,unit\n01.01,D1,W\n"

    # another process (a fresh runtime) sees all of it
    rt = Runtime.create(Settings(database_url=db_url, environment="test",
                                 model_dir=tmp_path / "models"))
    try:
        assert rt.intake is not None
        s = rt.intake.suggest(NewAppeal(kind="complaint", content="路灯不亮，井喷了",
                                        address="东城东华门第一网格"),
                              datetime(2026, 11, 20, 2, 0, tzinfo=UTC)).data
    finally:
        rt.close()
    assert s["area"]["name"] == "东华门街道"
    assert s["categories"][0]["code"] == "01.01.001"
    assert s["unit"]["name"] == "市水务局" and s["unit"]["reason"] == "rule"
    assert s["urgency"]["level"] == "emergency" and s["urgency"]["transfer_to"] == ["119"]

    run("clear", "urgency")
    assert "紧急规则：" in run("show").stdout and "（内置）" in run("show").stdout
