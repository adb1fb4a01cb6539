"""Training data for the category classifier: the city's own history, or a labelled file.

History means closed appeals labelled by their FINAL category: whatever the dispatcher set
at the last dispatch (correcting intake's suggestion, which the dispatch event keeps under
`suggested`), so every correction is used by the next training (DESIGN §6).

Labels are category full names (`一级/二级/三级`), the names intake maps back to codes. By
default an appeal's own category is the label, because that is what registration stores
(a leaf, DESIGN §2) and what the unit suggestion's history is keyed by; `level` truncates
the label to an ancestor (e.g. 1 for `城乡建设`) when the leaves have too few appeals.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jiesu.domain.appeal import Actor
from jiesu.domain.errors import InvalidArguments
from jiesu.services.auth import CurrentUser
from jiesu.services.config_log import record_change
from jiesu.services.intake_config import Reloadable
from jiesu.store import config_store
from jiesu.store import training as queries
from jiesu.store.db import display_url
from jiesu.store.uow import Database

if TYPE_CHECKING:
    from jiesu.nlp.classify import CategoryModel, ModelRegistry

# The classifier's inner cross-validation has 5 folds: fewer examples shrink it for every
# class, and a category seen less often than this cannot be learned or calibrated anyway.
DEFAULT_MIN_PER_CLASS = 10

SKIP_REASONS = {
    "unknown_category": "分类编码不在分类表中",
    "inactive_category": "分类已停用",
    "empty_text": "标题和内容为空",
}


class NotEnoughHistory(ValueError):
    """Too few appeals or categories to train on; the message is one line for the operator."""


@dataclass
class TrainingSet:
    """Labelled appeals ready for `jiesu.nlp.classify.train`, and where they came from."""

    titles: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)


def history_training_set(
    db: Database,
    *,
    level: int | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    min_per_class: int = DEFAULT_MIN_PER_CLASS,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> TrainingSet:
    """Closed appeals with a category, labelled by their final category (newest first).

    `since` keeps appeals closed at or after it, `limit` the most recent ones; categories
    with fewer than `min_per_class` appeals are left out. Raises `NotEnoughHistory` when
    fewer than two categories remain. `progress` gets the number of rows read so far.
    """
    if level is not None and level < 1:
        raise ValueError("分类级别 level 须 ≥ 1")
    ts = TrainingSet()
    skipped: Counter[str] = Counter()
    read = 0
    with db.uow(write=False) as uow:
        label_of, unusable = _labels(queries.category_tree(uow.session), level)
        for page in queries.closed_appeals(uow.session, since=since, limit=limit, batch=batch):
            for row in page:
                label = label_of.get(row.category)
                if label is None:
                    skipped[unusable.get(row.category, "unknown_category")] += 1
                elif not (row.title.strip() or row.content.strip()):
                    skipped["empty_text"] += 1
                else:
                    ts.titles.append(row.title)
                    ts.details.append(row.content)
                    ts.labels.append(label)
            read += len(page)
            if progress is not None:
                progress(read)
    counts = Counter(ts.labels)
    rare = {lab: n for lab, n in sorted(counts.items()) if n < min_per_class}
    if rare:
        keep = [i for i, lab in enumerate(ts.labels) if lab not in rare]
        ts.titles = [ts.titles[i] for i in keep]
        ts.details = [ts.details[i] for i in keep]
        ts.labels = [ts.labels[i] for i in keep]
    ts.source = {
        "kind": "database",
        "database": display_url(db.url),
        "status": "closed",
        "label": f"level {level}" if level else "final category",
        "since": since.isoformat() if since else None,
        "limit": limit,
        "min_per_class": min_per_class,
        "rows_read": read,
        "rows": len(ts),
        "skipped": dict(sorted(skipped.items())),
        "dropped_categories": rare,
    }
    classes = len(counts) - len(rare)
    if read == 0:
        raise NotEnoughHistory("数据库中没有已办结且有分类的诉求，无法训练")
    if classes < 2:
        raise NotEnoughHistory(
            f"已办结诉求 {read} 条，其中达到每类至少 {min_per_class} 条的分类只有 {classes} 个，"
            "至少需要 2 个")
    return ts


def file_training_set(path: str | os.PathLike[str]) -> TrainingSet:
    """A CSV/XLSX with columns title, detail, label (see `jiesu.nlp.classify.read_labelled`)."""
    from jiesu.nlp.classify import read_labelled

    titles, details, labels = read_labelled(path)
    return TrainingSet(titles, details, labels,
                       {"kind": "file", "path": str(path), "rows": len(labels)})


def train_model(ts: TrainingSet, *, seed: int = 0,
                progress: Callable[[str], None] | None = None) -> CategoryModel:
    """Train on `ts`; the model's metadata records the source beside the data's SHA-256."""
    from jiesu.nlp.classify import train

    model = train(ts.titles, ts.details, ts.labels, seed=seed, progress=progress)
    model.metadata["source"] = ts.source
    return model


def stored_models(model_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Metadata of the stored classifier models, newest first (`ModelRegistry.list`); none
    when the registry cannot be read."""
    from jiesu.nlp.classify import ModelRegistry

    try:
        return list(reversed(ModelRegistry(model_dir).list()))
    except OSError:
        return []


def activate_model(db: Database, model_dir: str | os.PathLike[str], version: str,
                   intake: Reloadable | None = None, *,
                   by: CurrentUser | Actor | None = None) -> bool:
    """Make a stored model the active one, recorded in the configuration-change log as made by
    `by` (None: the command line): the previous model is put back when the entry cannot be
    written. This process's intake uses it at once; others follow the ACTIVE file when they
    next refresh their knowledge (within a minute). False when it already was the active
    model (nothing changed, nothing recorded)."""
    from jiesu.nlp.classify import ModelRegistry

    registry = ModelRegistry(model_dir)
    with db.uow() as uow:
        # the log's head lock first: two activations at once take turns, so `before` is the
        # model each one really replaced
        config_store.locked_head(uow.session)
        before = registry.active_version()
        if version == before:
            return False
        try:
            registry.activate(version)
        except (KeyError, ValueError):
            raise InvalidArguments("没有这个模型版本，请刷新页面后重试", field="version") from None
        try:
            record_change(uow, by, "models", "activate",
                          f"启用分类模型 {version}（此前启用：{before or '无'}）",
                          {"before": {"version": before},
                           "after": _model_facts(registry, version)})
            uow.commit()
        except BaseException:
            if before is None:
                registry.deactivate()
            else:
                registry.activate(before)
            raise
    if intake is not None:
        intake.reload()
    return True


def _model_facts(registry: ModelRegistry, version: str) -> dict[str, Any]:
    """What the log keeps of a model: its version, when it was trained, on how many appeals,
    its inner cross-validated accuracy and macro-F1, and its auto-dispatch thresholds."""
    meta = next((m for m in registry.list() if m["version"] == version), {})
    metrics = meta.get("metrics") or {}
    return {"version": version, "created_at": meta.get("created_at"),
            "n_samples": meta.get("n_samples"), "accuracy": metrics.get("accuracy"),
            "macro_f1": metrics.get("macro_f1"), "thresholds": meta.get("thresholds")}


def _labels(tree: list[queries.CategoryNode], level: int | None
            ) -> tuple[dict[str, str], dict[str, str]]:
    """Category code → training label (a full name); code → SKIP_REASONS key for the rest."""
    by_id = {c.id: c for c in tree}
    labels: dict[str, str] = {}
    unusable: dict[str, str] = {}
    for c in tree:
        node: queries.CategoryNode | None = c
        while level is not None and node is not None and node.level > level:
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        if node is None:
            unusable[c.code] = "unknown_category"
        elif not node.active:
            unusable[c.code] = "inactive_category"
        else:
            labels[c.code] = node.full_name
    return labels, unusable
