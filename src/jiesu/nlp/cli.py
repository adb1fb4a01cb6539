"""`jiesu nlp ...`: train, evaluate and activate the category classifier (诉求分类模型)."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from jiesu.cli_output import console, database_problem, err, print_error, settings_problems

if TYPE_CHECKING:
    from jiesu.services.training import TrainingSet

app = typer.Typer(help="文本智能 Classifier training and evaluation", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    print_error(message)
    return typer.Exit(code)


def _model_dir() -> Path:
    """The registry: settings' model_dir (JIESU_MODEL_DIR), else ./var/models."""
    from jiesu.nlp.classify import default_model_dir

    try:
        from jiesu.config import Settings

        return Path(Settings().model_dir)
    except Exception:  # settings that do not validate must not block offline training
        return default_model_dir()


DataOption = Annotated[Path | None, typer.Option(
    "--data", help="CSV/XLSX with title, detail, label")]
FromDbOption = Annotated[bool, typer.Option(
    "--from-db", help="the city's history instead of a file: closed appeals in "
    "JIESU_DATABASE_URL, labelled by their final category")]
SinceOption = Annotated[datetime | None, typer.Option(
    "--since", formats=["%Y-%m-%d"],
    help="with --from-db: only appeals closed on or after this date (city time zone)")]
LimitOption = Annotated[int | None, typer.Option(
    "--limit", min=1, help="with --from-db: at most this many appeals, the most recent")]
LevelOption = Annotated[int | None, typer.Option(
    "--level", min=1, help="with --from-db: label by the category at this level "
    "(1 = 一级分类); default the appeal's own category")]
MinPerClassOption = Annotated[int | None, typer.Option(
    "--min-per-class", min=1, help="with --from-db: leave out categories with fewer "
    "appeals [default: 10]")]


def _training_set(data: Path | None, from_db: bool, *, since: datetime | None = None,
                  limit: int | None = None, level: int | None = None,
                  min_per_class: int | None = None, quiet: bool = False) -> TrainingSet:
    """The labelled appeals of FILE or of the database, or a one-line error (exit 2)."""
    from jiesu.services import training

    if (data is None) == (not from_db):
        raise _fail("请指定训练数据：--data FILE 或 --from-db 之一")
    if data is not None:
        if any(v is not None for v in (since, limit, level, min_per_class)):
            raise _fail("--since、--limit、--level、--min-per-class 只能与 --from-db 一起使用")
        try:
            return training.file_training_set(data)
        except FileNotFoundError:
            raise _fail(f"文件不存在：{data}") from None
        except ValueError as exc:
            raise _fail(str(exc)) from None
    return _history(since=since, limit=limit, level=level,
                    min_per_class=min_per_class or training.DEFAULT_MIN_PER_CLASS, quiet=quiet)


def _history(*, since: datetime | None, limit: int | None, level: int | None,
             min_per_class: int, quiet: bool) -> TrainingSet:
    from pydantic import ValidationError

    from jiesu.config import Settings
    from jiesu.domain.errors import Unavailable
    from jiesu.services import training
    from jiesu.store.db import DatabaseError, display_url
    from jiesu.store.uow import Database

    try:
        settings = Settings()
    except ValidationError as exc:
        raise _fail("；".join(settings_problems(exc))) from None
    if since is not None:  # a calendar date in the city, compared with UTC timestamps
        since = since.replace(tzinfo=settings.tz).astimezone(UTC)
    say = err.print if not quiet else (lambda *_a, **_k: None)
    last = [time.monotonic()]

    def progress(rows: int) -> None:
        if time.monotonic() - last[0] >= 2:
            last[0] = time.monotonic()
            say(f"  已读取 {rows} 条", highlight=False)

    db = Database(settings.database_url, pool_size=1)
    try:
        say(f"从数据库读取已办结诉求：{display_url(db.url)}", highlight=False)
        ts = training.history_training_set(db, level=level, since=since, limit=limit,
                                           min_per_class=min_per_class, progress=progress)
    except training.NotEnoughHistory as exc:
        raise _fail(str(exc)) from None
    except (DatabaseError, Unavailable) as exc:
        raise _fail(database_problem(exc, settings.database_url)) from None
    finally:
        db.dispose()
    src = ts.source
    say(f"已办结且有分类 {src['rows_read']} 条，用于训练 {src['rows']} 条，"
        f"{len(set(ts.labels))} 个分类", highlight=False)
    for reason, n in src["skipped"].items():
        say(f"  跳过 {n} 条：{training.SKIP_REASONS[reason]}", highlight=False)
    if src["dropped_categories"]:
        rare = src["dropped_categories"]
        shown = "、".join(f"{lab}（{n}）" for lab, n in list(rare.items())[:10])
        say(f"  少于 {min_per_class} 条而未用的分类 {len(rare)} 个：{shown}"
            f"{' ……' if len(rare) > 10 else ''}", highlight=False)
    return ts


def _describe(ts: TrainingSet) -> str:
    src = ts.source
    return f"数据库 {src['database']}" if src.get("kind") == "database" else str(src["path"])


def _print_metrics(m: dict[str, Any], title: str) -> None:
    console.print(f"[bold]{escape(title)}[/bold]：{m['n']} 条", markup=True)
    console.print(f"准确率（accuracy）               {m['accuracy']:.4f}")
    console.print(f"宏平均 F1（macro-F1）            {m['macro_f1']:.4f}")
    console.print(f"自动派单覆盖率（coverage_at_97） {m['coverage_at_97']:.4f}"
                  f"（其准确率 {m['precision_at_threshold']:.4f}）")
    if "calibration_error" in m:
        console.print(f"校准误差（calibration error）    {m['calibration_error']:.4f}"
                      "（最高概率与实际正确比例之差，分 10 档）")
    groups = m.get("by_title", {})
    for name, label in (("untitled", "无标题"), ("titled", "有标题")):
        if groups.get(name, {}).get("n"):
            g, threshold = groups[name], m.get("thresholds", {}).get(name, m["threshold"])
            console.print(f"  {label} {g['n']:>5d} 条：准确率 {g['accuracy']:.4f}，"
                          f"自动派单覆盖率 {g['coverage_at_97']:.4f}"
                          f"（其准确率 {g['precision_at_threshold']:.4f}，"
                          f"阈值 {threshold:.4f}，"
                          f"校准误差 {g.get('calibration_error', 0):.4f}）")
    table = Table("分类", "精确率", "召回率", "F1", "样本数")
    for label, c in m["per_class"].items():
        table.add_row(label, f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}",
                      str(c["support"]))
    console.print(table)
    labels = m["confusion"]["labels"]
    conf = Table("实际 \\ 预测", *[lab[:4] for lab in labels])
    for label, row in zip(labels, m["confusion"]["matrix"], strict=True):
        conf.add_row(label, *[str(v) for v in row])
    console.print(conf)


@app.command()
def train(
    data: DataOption = None,
    from_db: FromDbOption = False,
    since: SinceOption = None,
    limit: LimitOption = None,
    level: LevelOption = None,
    min_per_class: MinPerClassOption = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="write the model here instead of the registry")] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Train on FILE or on the city's history (--from-db), into the registry.

    The model is activated if none is active yet; `--out` writes it elsewhere instead.
    """
    from jiesu.nlp.classify import ModelRegistry
    from jiesu.services.training import train_model

    ts = _training_set(data, from_db, since=since, limit=limit, level=level,
                       min_per_class=min_per_class)
    console.print(f"开始训练：{len(ts)} 条诉求，{len(set(ts.labels))} 个分类")
    started = time.perf_counter()
    try:
        model = train_model(ts, seed=seed, progress=lambda msg: console.print(f"  {msg}"))
    except ValueError as exc:  # e.g. a category with a single example in the file
        raise _fail(str(exc)) from None
    seconds = time.perf_counter() - started
    m = model.metadata["metrics"]
    console.print(f"训练完成，用时 {seconds:.1f} 秒；内部交叉验证：准确率 {m['accuracy']:.4f}，"
                  f"宏平均 F1 {m['macro_f1']:.4f}；自动派单阈值：无标题 "
                  f"{model.thresholds['untitled']:.4f}，有标题 "
                  f"{model.thresholds['titled']:.4f}（自动派单覆盖率 {m['coverage_at_97']:.3f}）")
    if out is not None:
        model.save(out)
        console.print(f"模型 {model.version} 已保存到 {out}")
        return
    registry = ModelRegistry(_model_dir())
    version = registry.save(model)
    console.print(f"模型 {version} 已保存到模型目录 {registry.root}")
    if registry.active_version() is None:
        _activate(registry.root, version)
        console.print(f"已启用模型 {version}（此前没有启用的模型）")
    else:
        console.print(f"已有启用的模型，新模型未启用；要启用它：jiesu nlp activate {version}")


@app.command("eval")
def eval_(
    data: DataOption = None,
    from_db: FromDbOption = False,
    since: SinceOption = None,
    limit: LimitOption = None,
    level: LevelOption = None,
    min_per_class: MinPerClassOption = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="version id or model path: hold-out evaluation of that model")] = None,
    cv: Annotated[int, typer.Option("--cv", min=2, help="folds of cross-validation")] = 5,
    seed: Annotated[int, typer.Option(help="random seed of the folds")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object only")] = False,
) -> None:
    """Evaluate a model on FILE or the history, or cross-validate training on it (5 folds)."""
    from jiesu.nlp.classify import CategoryModel, ModelRegistry, evaluate, evaluate_model

    ts = _training_set(data, from_db, since=since, limit=limit, level=level,
                       min_per_class=min_per_class, quiet=as_json)
    titles, details, labels = ts.titles, ts.details, ts.labels
    if model is not None:
        try:
            path = ModelRegistry(_model_dir()).resolve(model)
            loaded = CategoryModel.load(path)
        except (FileNotFoundError, ValueError) as exc:
            raise _fail(str(exc)) from None
        metrics = evaluate_model(loaded, titles, details, labels)
        title = f"模型 {loaded.version} 在 {_describe(ts)} 上的评估"
    else:
        fewest = min(Counter(labels).items(), key=lambda item: item[1], default=None)
        if fewest is not None and fewest[1] < cv:
            raise _fail(f"{cv} 折交叉验证要求每个分类至少有 {cv} 条样本，"
                        f"分类“{fewest[0]}”只有 {fewest[1]} 条（可用 --cv 减少折数）")
        progress = None if as_json else (lambda msg: console.print(f"  {msg}"))
        metrics = evaluate(titles, details, labels, cv=cv, seed=seed, progress=progress)
        title = f"{_describe(ts)} 上的 {cv} 折交叉验证"
    metrics["source"] = ts.source
    if as_json:
        typer.echo(json.dumps(metrics, ensure_ascii=False))
        return
    _print_metrics(metrics, title)


@app.command()
def activate(
    model: Annotated[str, typer.Argument(help="version id in the registry, or a model path")],
) -> None:
    """Make a model the active one (a path is first copied into the registry); recorded in
    the configuration-change log as a change made on the command line."""
    from jiesu.nlp.classify import CategoryModel, ModelRegistry

    registry = ModelRegistry(_model_dir())
    try:
        path = registry.resolve(model)
        if path.parent.parent.resolve() == registry.root.resolve():
            version = path.parent.name
        else:
            version = registry.save(CategoryModel.load(path))
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if _activate(registry.root, version):
        console.print(f"已启用模型 {version}")
    else:
        console.print(f"模型 {version} 已是启用的模型，未作改动")


def _activate(model_dir: Path, version: str) -> bool:
    """Activate `version`, recorded in the city's configuration-change log (JIESU_DATABASE_URL)
    in the same transaction; a database that cannot record it leaves the model inactive
    (exit 2). False when it already was the active model."""
    from pydantic import ValidationError

    from jiesu.config import Settings
    from jiesu.domain.errors import DomainError, Unavailable
    from jiesu.services import training
    from jiesu.store.db import DatabaseError
    from jiesu.store.uow import Database

    try:
        settings = Settings()
    except ValidationError as exc:
        raise _fail("；".join(settings_problems(exc))) from None
    db = Database(settings.database_url, pool_size=1)
    try:
        return training.activate_model(db, model_dir, version)
    except (DatabaseError, Unavailable) as exc:
        raise _fail(f"模型 {version} 未启用：启用要记入配置变更记录，但"
                    + database_problem(exc, settings.database_url)) from None
    except DomainError as exc:
        raise _fail(exc.message) from None
    finally:
        db.dispose()


@app.command("list")
def list_() -> None:
    """Stored model versions, the active one marked."""
    from jiesu.nlp.classify import ModelRegistry

    registry = ModelRegistry(_model_dir())
    models = registry.list()
    if not models:
        console.print(f"模型目录 {registry.root} 中还没有模型；训练：jiesu nlp train")
        return
    table = Table("启用", "版本", "训练时间", "训练样本", "准确率", "宏平均 F1",
                  "阈值（无标题 / 有标题）")
    for meta in models:
        m = meta.get("metrics", {})
        groups = meta.get("thresholds") or {}
        table.add_row("*" if meta["active"] else "", meta["version"],
                      str(meta.get("created_at", "")), str(meta.get("n_samples", "")),
                      f"{m.get('accuracy', 0):.4f}", f"{m.get('macro_f1', 0):.4f}",
                      " / ".join(f"{groups.get(g, 0):.4f}" for g in ("untitled", "titled")))
    console.print(table)
