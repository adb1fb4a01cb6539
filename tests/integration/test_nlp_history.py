"""Training the category classifier on the city's own history (issue 6), SQLite and PostgreSQL.

Appeals are registered with a stub suggester that always proposes 路灯, dispatched with the
category the dispatcher settles on, handled and closed through the services; training reads
them back from the database labelled by that final category.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from jiesu.config import Settings
from jiesu.domain.appeal import Actor, Role
from jiesu.nlp.classify import ModelRegistry, data_sha256
from jiesu.nlp.cli import app as nlp_app
from jiesu.runtime import Runtime
from jiesu.services.admin import AdminService
from jiesu.services.appeals import NewAppeal, Suggestions
from jiesu.services.training import NotEnoughHistory, history_training_set, train_model
from jiesu.store.tables import AppealRow, CategoryRow, EventRow

SH = ZoneInfo("Asia/Shanghai")
LAMP = "城乡建设/市政设施/路灯"
ROAD = "城乡建设/市政设施/道路"
NOISE = "环境保护/噪音污染/施工噪音"
RARE = "环境保护/噪音污染/社会生活噪音"

TOPICS = {
    LAMP: ["路灯不亮", "路灯坏了", "晚上一片漆黑", "灯杆倾斜", "照明设施损坏", "路灯闪烁"],
    ROAD: ["路面坑洼", "道路破损", "柏油路开裂", "人行道塌陷", "路面积水", "马路坑坑洼洼"],
    NOISE: ["工地夜间施工", "打桩机轰鸣", "施工噪音扰民", "凌晨还在浇筑混凝土", "渣土车作业",
            "施工机械声音很大"],
    RARE: ["广场舞音响太吵", "楼下商铺喇叭", "邻居装修"],
}
FILLER = ["已经反映多次", "希望尽快处理", "影响居民生活", "请相关部门解决", "小区门口",
          "附近居民意见很大"]


def t(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SH).astimezone(UTC)


def text(label: str, rng: random.Random, i: int) -> str:
    words = rng.sample(TOPICS[label], 3) + rng.sample(FILLER, 2)
    rng.shuffle(words)
    return "，".join(words) + f"，地址在幸福路{i}号。"


@dataclass
class History:
    rt: Runtime
    codes: dict[str, str]
    unit_id: int
    scope: frozenset[int]
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    n: int = 0

    def register(self, label: str, at: datetime, *, kind: str = "complaint",
                 category: str | None = None) -> tuple[int, str]:
        self.n += 1
        content = text(label, self.rng, self.n)
        data = NewAppeal(kind=kind, content=content,
                         category=self.codes[category] if category else None)
        reg = self.rt.appeals.register(Actor(role=Role.OPERATOR), data, at)
        return reg.appeal_id, content

    def dispatch(self, appeal_id: int, category: str | None, at: datetime) -> None:
        args: dict[str, Any] = {"unit_id": self.unit_id}
        if category is not None:
            args["category"] = self.codes[category]
        self.rt.appeals.act(Actor(role=Role.DISPATCHER), appeal_id, "dispatch", at, args)

    def close(self, appeal_id: int, at: datetime) -> None:
        handler = Actor(role=Role.HANDLER, unit_id=self.unit_id, unit_scope=self.scope)
        agent = Actor(role=Role.FOLLOWUP_AGENT)
        self.rt.appeals.act(handler, appeal_id, "sign", at, {})
        self.rt.appeals.act(handler, appeal_id, "reply", at,
                            {"text": "已处理", "claim": "solved"})
        self.rt.appeals.act(agent, appeal_id, "follow_up", at,
                            {"reached": True, "resolved": "yes", "satisfaction": "satisfied"})

    def closed(self, label: str, at: datetime, *, final: str | None = None) -> tuple[int, str]:
        """Registered, dispatched with category `final` (default `label`) and closed."""
        appeal_id, content = self.register(label, at)
        self.dispatch(appeal_id, final or label, at)
        self.close(appeal_id, at)
        return appeal_id, content

    def answered(self, label: str, at: datetime) -> str:
        """A consultation the operator categorised and answered directly (closed at once)."""
        appeal_id, content = self.register(label, at, kind="consult", category=label)
        self.rt.appeals.act(Actor(role=Role.OPERATOR), appeal_id, "answer_directly", at,
                            {"text": "已解答"})
        return content


def _suggest_lamp(codes: dict[str, str]) -> Any:
    def suggest(data: NewAppeal, now: datetime) -> Suggestions:
        return Suggestions(data={"categories": [
            {"code": codes[LAMP], "label": LAMP, "name": LAMP, "probability": 0.55}]})
    return suggest


@pytest.fixture
def history(settings: Settings) -> Iterator[History]:
    bare = Runtime.create(settings, with_intelligence=False)
    admin = AdminService(bare.db, bare.rules)
    unit = admin.add_unit("W", "市政管理处", group="department")
    admin.import_categories([label.split("/") for label in TOPICS])
    with bare.db.uow(write=False) as uow:
        codes = {c.full_name: c.code for c in uow.session.scalars(select(CategoryRow))}
    bare.close()
    rt = Runtime.create(settings, suggester=_suggest_lamp(codes))
    yield History(rt, codes, unit.id, frozenset({unit.id}))
    rt.close()


def build(h: History) -> dict[str, Any]:
    """20 lamp and 20 road consultations answered directly, 16 noise complaints dispatched
    (each correcting the suggested 路灯) and closed, 3 rare; plus appeals that must not be
    used: open, rejected, closed without a category. Half of each closed in March."""
    out: dict[str, Any] = {"march": [], "april": [], "noise": []}
    for i in range(20):
        for label in (LAMP, ROAD):
            month = 3 if i < 10 else 4
            out["march" if month == 3 else "april"].append(h.answered(label, t(month, 2 + i)))
    for i in range(16):
        month = 3 if i < 8 else 4
        appeal_id, content = h.closed(NOISE, t(month, 2 + i % 8))
        out["noise"].append((appeal_id, content))
        out["march" if month == 3 else "april"].append(content)
    for i in range(3):
        out["april"].append(h.closed(RARE, t(4, 20 + i))[1])
    # not training data: still open, rejected, closed without any category
    open_id, _ = h.register(NOISE, t(4, 25))
    h.dispatch(open_id, LAMP, t(4, 25))
    rejected, _ = h.register(ROAD, t(4, 25))
    h.rt.appeals.act(Actor(role=Role.DISPATCHER), rejected, "reject", t(4, 25),
                     {"reason": "invalid"})
    uncategorised, _ = h.register(ROAD, t(4, 26))
    h.dispatch(uncategorised, None, t(4, 26))
    h.close(uncategorised, t(4, 26))
    return out


def test_history_is_labelled_by_the_final_category_not_the_suggestion(
        history: History) -> None:
    data = build(history)
    noise_id, noise_text = data["noise"][0]
    with history.rt.db.uow(write=False) as uow:
        row = uow.session.get(AppealRow, noise_id)
        assert row is not None and row.status == "closed"
        assert row.suggestions["categories"][0]["code"] == history.codes[LAMP]
        dispatch = uow.session.scalar(select(EventRow).where(
            EventRow.appeal_id == noise_id, EventRow.type == "dispatch"))
        assert dispatch is not None
        # the correction is on record: intake said 路灯, the dispatcher said 施工噪音
        assert dispatch.data["suggested"]["category"] == history.codes[LAMP]
        assert dispatch.data["category"] == history.codes[NOISE] == row.category

    lines: list[int] = []
    ts = history_training_set(history.rt.db, min_per_class=5, batch=16, progress=lines.append)
    assert Counter(ts.labels) == {LAMP: 20, ROAD: 20, NOISE: 16}
    assert ts.labels[ts.details.index(noise_text)] == NOISE
    assert lines == [16, 32, 48, 59]  # one call per page; the last page is short
    src = ts.source
    assert src["kind"] == "database" and src["rows_read"] == 59 and src["rows"] == 56
    assert src["dropped_categories"] == {RARE: 3}
    assert src["skipped"] == {}

    model = train_model(ts)
    meta = model.metadata
    assert meta["source"] == src
    assert meta["n_samples"] == 56 and meta["labels"] == sorted([LAMP, ROAD, NOISE])
    assert meta["training_data_sha256"] == data_sha256(ts.titles, ts.details, ts.labels)
    # every noise appeal had been suggested 路灯: the model learned the dispatchers' answer
    assert model.predict_top("", "工地夜间施工，打桩机轰鸣，影响休息")[0].label == NOISE
    assert model.predict_top("", "路灯坏了，晚上一片漆黑")[0].label == LAMP
    assert model.predict_top("", "马路坑坑洼洼，人行道塌陷")[0].label == ROAD


def test_level_since_limit_and_inactive_categories(history: History) -> None:
    data = build(history)
    db = history.rt.db

    ts = history_training_set(db, level=1, min_per_class=5)
    assert Counter(ts.labels) == {"城乡建设": 40, "环境保护": 19}  # the rare leaf rolls up
    assert ts.source["label"] == "level 1" and ts.source["dropped_categories"] == {}

    ts = history_training_set(db, since=t(4, 1), min_per_class=3)
    assert sorted(ts.details) == sorted(data["april"])  # 10 + 10 + 8 + 3 closed in April
    assert ts.source["since"] == t(4, 1).isoformat()

    ts = history_training_set(db, limit=10, min_per_class=1)
    newest = history_training_set(db, min_per_class=1)
    assert ts.details == newest.details[:10]  # the most recent appeals come first

    with db.uow() as uow:
        uow.session.execute(update(CategoryRow).where(CategoryRow.full_name == LAMP)
                            .values(active=False))
        uow.commit()
    ts = history_training_set(db, min_per_class=5)
    assert LAMP not in ts.labels and ts.source["skipped"] == {"inactive_category": 20}


def test_too_little_history_is_one_clear_error(history: History) -> None:
    with pytest.raises(NotEnoughHistory, match="没有已办结且有分类的诉求"):
        history_training_set(history.rt.db)
    for i in range(6):
        history.answered(LAMP, t(3, 2 + i))
        history.answered(ROAD, t(3, 2 + i))
    with pytest.raises(NotEnoughHistory) as exc:
        history_training_set(history.rt.db)  # default: at least 10 per category
    message = str(exc.value)
    assert "\n" not in message and "12" in message and "10" in message
    assert len(history_training_set(history.rt.db, min_per_class=6)) == 12


# --- the command line ------------------------------------------------------------------


runner = CliRunner()


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    models = tmp_path / "models"
    monkeypatch.setenv("JIESU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("JIESU_MODEL_DIR", str(models))
    return models


def test_cli_trains_and_evaluates_on_the_database(history: History, cli_env: Path) -> None:
    build(history)
    result = runner.invoke(nlp_app, ["train", "--from-db", "--min-per-class", "5"])
    assert result.exit_code == 0, result.output
    assert "已办结且有分类 59 条，用于训练 56 条，3 个分类" in result.output
    assert f"少于 5 条而未用的分类 1 个：{RARE}（3）" in result.output
    assert "训练完成" in result.output and "已启用模型" in result.output
    registry = ModelRegistry(cli_env)
    model = registry.active()
    assert model is not None
    source = model.metadata["source"]
    assert source["kind"] == "database" and source["rows"] == 56
    assert model.metadata["n_samples"] == 56
    assert model.predict_top("", "工地夜间施工噪音扰民")[0].label == NOISE

    result = runner.invoke(nlp_app, ["eval", "--from-db", "--min-per-class", "5", "--cv", "3",
                                     "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 56 and metrics["cv"] == 3 and metrics["accuracy"] > 0.9
    assert metrics["source"]["kind"] == "database"

    version = model.version
    result = runner.invoke(nlp_app, ["eval", "--from-db", "--since", "2026-04-01",
                                     "--level", "3", "--model", version])
    assert result.exit_code == 0, result.output
    assert f"模型 {version} 在 数据库 " in result.output


def test_cli_errors_are_one_line_with_exit_2(history: History, cli_env: Path,
                                             tmp_path: Path) -> None:
    result = runner.invoke(nlp_app, ["train"])
    assert result.exit_code == 2 and "--data FILE 或 --from-db" in result.output
    result = runner.invoke(nlp_app, ["train", "--from-db", "--data", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "--data FILE 或 --from-db" in result.output
    result = runner.invoke(nlp_app, ["eval", "--data", str(tmp_path / "x.csv"), "--since",
                                     "2026-01-01"])
    assert result.exit_code == 2 and "只能与 --from-db 一起使用" in result.output
    result = runner.invoke(nlp_app, ["train", "--from-db"])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("错误") == 1 and "没有已办结且有分类的诉求" in result.stderr
    assert not (cli_env / "ACTIVE").exists()
