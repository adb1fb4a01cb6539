"""`jiesu nlp train / eval / activate / list` through typer's CliRunner."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiesu.nlp.classify import ModelRegistry
from jiesu.nlp.cli import app

from .test_classify import synthetic

runner = CliRunner()

# what may stay in Latin letters in a message: options, commands, column and metric names
IDENTIFIERS = {"jiesu", "nlp", "activate", "train", "data", "from", "db", "cv", "FILE", "csv",
               "labelled", "missing", "bad", "title", "text", "detail", "label", "accuracy",
               "macro", "F1", "coverage_at_97", "calibration", "error", "UTF", "GBK", "GB",
               "log", "loss", "nope", "no", "such", "version", "models", "n"}


def chinese(output: str) -> bool:
    """Every line is Chinese, English only for identifiers (and paths, removed first)."""
    words = set(re.findall(r"[A-Za-z_]+[0-9]*", re.sub(r"/\S*|\d{8}T\S*", "", output)))
    assert words <= IDENTIFIERS, words - IDENTIFIERS
    return True


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title", "detail", "label"])
        w.writerows(zip(*synthetic(), strict=True))
    return path


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "models"
    monkeypatch.setenv("JIESU_MODEL_DIR", str(root))
    return root


@pytest.fixture
def city_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The city's database (SQLite), where activating a model is recorded."""
    from jiesu.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'city.db'}"
    upgrade(url)
    monkeypatch.setenv("JIESU_DATABASE_URL", url)
    return url


def _recorded_activations(url: str) -> list[tuple[str, str]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [(r.summary, r.actor_role) for r in conn.execute(text(
                "SELECT summary, actor_role FROM config_events WHERE area = 'models' "
                "ORDER BY seq"))]
    finally:
        engine.dispose()


def test_train_into_registry_activates_first(data: Path, model_dir: Path, city_db: str) -> None:
    result = runner.invoke(app, ["train", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "训练完成" in result.output and "已启用模型" in result.output
    assert "内部第 1/5 折完成" in result.output and chinese(result.output)  # progress too
    reg = ModelRegistry(model_dir)
    first = reg.active_version()
    assert first is not None
    result = runner.invoke(app, ["train", "--data", str(data)])
    assert result.exit_code == 0
    versions = [m["version"] for m in reg.list()]
    # a second model waits for `activate`, and the output says how
    assert "已启用模型" not in result.output
    assert f"要启用它：jiesu nlp activate {versions[1]}" in result.output
    assert len(versions) == 2 and reg.active_version() == first
    result = runner.invoke(app, ["activate", versions[1]])
    assert result.exit_code == 0 and reg.active_version() == versions[1]
    assert f"已启用模型 {versions[1]}" in result.output
    again = runner.invoke(app, ["activate", versions[1]])
    assert again.exit_code == 0 and "已是启用的模型" in again.output
    # both activations (the first by `train`) in the log, as the command line's; not the no-op
    assert _recorded_activations(city_db) == [
        (f"启用分类模型 {first}（此前启用：无）", "command_line"),
        (f"启用分类模型 {versions[1]}（此前启用：{first}）", "command_line")]
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0
    thresholds = reg.list()[1]["thresholds"]
    assert f"{thresholds['untitled']:.4f} /" in listed.output


def test_train_out_eval_model_json_and_activate_path(data: Path, model_dir: Path,
                                                     tmp_path: Path, city_db: str) -> None:
    out = tmp_path / "m.joblib"
    assert runner.invoke(app, ["train", "--data", str(data), "--out", str(out)]).exit_code == 0
    assert out.exists() and out.with_suffix(".json").exists()
    result = runner.invoke(app, ["eval", "--data", str(data), "--model", str(out), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)  # one JSON object, nothing else
    assert metrics["accuracy"] > 0.9 and "coverage_at_97" in metrics
    result = runner.invoke(app, ["activate", str(out)])
    assert result.exit_code == 0
    assert ModelRegistry(model_dir).active_version() is not None


def test_eval_cross_validation_text_and_json(data: Path, model_dir: Path) -> None:
    result = runner.invoke(app, ["eval", "--data", str(data), "--cv", "3"])
    assert result.exit_code == 0, result.output
    for word in ("准确率", "宏平均 F1", "自动派单覆盖率（coverage_at_97）", "精确率", "城乡建设",
                 "第 3/3 折"):
        assert word in result.output
    # each title group's figures, at its own threshold (30 of the 90 appeals have a title)
    assert "无标题    60 条" in result.output and "有标题    30 条" in result.output
    assert chinese(result.output)
    result = runner.invoke(app, ["eval", "--data", str(data), "--cv", "3", "--json"])
    assert result.exit_code == 0
    metrics = json.loads(result.output)
    assert metrics["cv"] == 3 and set(metrics["confusion"]) == {"labels", "matrix"}


def test_clear_errors(tmp_path: Path, model_dir: Path, data: Path) -> None:
    result = runner.invoke(app, ["eval", "--data", str(tmp_path / "missing.csv")])
    assert result.exit_code != 0
    assert "文件不存在" in result.output and "missing.csv" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("title,text\na,b\n", encoding="utf-8")
    result = runner.invoke(app, ["train", "--data", str(bad)])
    assert result.exit_code != 0 and "缺少列 detail（或 留言详情" in result.output
    assert "表头为 title, text" in result.output
    result = runner.invoke(app, ["activate", "no-such-version"])
    assert result.exit_code != 0 and "没有模型版本或模型文件“no-such-version”" in result.output
    result = runner.invoke(app, ["eval", "--data", str(data), "--model", "nope"])
    assert result.exit_code != 0 and "没有模型版本或模型文件“nope”" in result.output
    result = runner.invoke(app, ["eval", "--data", str(data), "--cv", "31"])
    assert result.exit_code != 0 and "只有 30 条" in result.output
    result = runner.invoke(app, ["train"])
    assert result.exit_code != 0 and "请指定训练数据" in result.output
    assert chinese(result.output)


def test_a_model_is_not_activated_when_the_change_cannot_be_recorded(
        data: Path, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "m.joblib"
    assert runner.invoke(app, ["train", "--data", str(data), "--out", str(out)]).exit_code == 0
    # a database without the schema: the configuration-change log cannot be written
    monkeypatch.setenv("JIESU_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = runner.invoke(app, ["activate", str(out)])
    assert result.exit_code == 2
    assert "未启用：启用要记入配置变更记录" in result.output
    assert "jiesu db upgrade" in result.output
    assert ModelRegistry(model_dir).active_version() is None


def test_list_without_models_says_so(model_dir: Path) -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0 and "还没有模型" in result.output
