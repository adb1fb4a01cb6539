"""`jiesu nlp ...`: train, evaluate and activate the category classifier (诉求分类模型)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="文本智能 Classifier training and evaluation", no_args_is_help=True)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]错误：[/red]{message}", markup=True, highlight=False)
    return typer.Exit(code)


def _model_dir() -> Path:
    """The registry: settings' model_dir (JIESU_MODEL_DIR), else ./var/models."""
    from jiesu.nlp.classify import default_model_dir

    try:
        from jiesu.config import Settings

        return Path(Settings().model_dir)
    except Exception:  # settings that do not validate must not block offline training
        return default_model_dir()


def _read(data: Path) -> tuple[list[str], list[str], list[str]]:
    from jiesu.nlp.classify import read_labelled

    try:
        return read_labelled(data)
    except FileNotFoundError:
        raise _fail(f"file not found: {data}") from None
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _print_metrics(m: dict[str, Any], title: str) -> None:
    console.print(f"[bold]{title}[/bold]  n={m['n']}")
    console.print(f"accuracy        {m['accuracy']:.4f}")
    console.print(f"macro-F1        {m['macro_f1']:.4f}")
    console.print(f"coverage_at_97  {m['coverage_at_97']:.4f}  "
                  f"(precision {m['precision_at_threshold']:.4f}, "
                  f"threshold {m['threshold']:.4f})")
    table = Table("category", "precision", "recall", "F1", "support")
    for label, c in m["per_class"].items():
        table.add_row(label, f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}",
                      str(c["support"]))
    console.print(table)
    labels = m["confusion"]["labels"]
    conf = Table("true \\ predicted", *[lab[:4] for lab in labels])
    for label, row in zip(labels, m["confusion"]["matrix"], strict=True):
        conf.add_row(label, *[str(v) for v in row])
    console.print(conf)


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="CSV/XLSX with title, detail, label")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="write the model here instead of the registry")] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Train on labelled appeals; saved into the registry (activated if none is active)."""
    from jiesu.nlp.classify import ModelRegistry
    from jiesu.nlp.classify import train as train_model

    titles, details, labels = _read(data)
    console.print(f"training on {len(labels)} appeals, {len(set(labels))} categories")
    started = time.perf_counter()
    model = train_model(titles, details, labels, seed=seed,
                        progress=lambda msg: console.print(f"  {msg}"))
    seconds = time.perf_counter() - started
    m = model.metadata["metrics"]
    console.print(f"trained in {seconds:.1f} s; inner-CV accuracy {m['accuracy']:.4f}, "
                  f"macro-F1 {m['macro_f1']:.4f}, auto-dispatch threshold "
                  f"{model.threshold:.4f} (coverage {m['coverage_at_97']:.3f})")
    if out is not None:
        model.save(out)
        console.print(f"saved {model.version} to {out}")
        return
    registry = ModelRegistry(_model_dir())
    version = registry.save(model)
    console.print(f"saved {version} to {registry.root}")
    if registry.active_version() is None:
        registry.activate(version)
        console.print(f"activated {version}")


@app.command("eval")
def eval_(
    data: Annotated[Path, typer.Option("--data", help="CSV/XLSX with title, detail, label")],
    model: Annotated[str | None, typer.Option(
        "--model", help="version id or model path: hold-out evaluation of that model")] = None,
    cv: Annotated[int, typer.Option("--cv", min=2, help="folds of cross-validation")] = 5,
    seed: Annotated[int, typer.Option(help="random seed of the folds")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object only")] = False,
) -> None:
    """Evaluate a model on FILE, or cross-validate training on FILE (default 5 folds)."""
    from jiesu.nlp.classify import CategoryModel, ModelRegistry, evaluate, evaluate_model

    titles, details, labels = _read(data)
    if model is not None:
        try:
            path = ModelRegistry(_model_dir()).resolve(model)
            loaded = CategoryModel.load(path)
        except (FileNotFoundError, ValueError) as exc:
            raise _fail(str(exc)) from None
        metrics = evaluate_model(loaded, titles, details, labels)
        title = f"model {loaded.version} on {data}"
    else:
        if min(labels.count(lab) for lab in set(labels)) < cv:
            raise _fail(f"every category needs at least {cv} examples for {cv}-fold CV")
        progress = None if as_json else (lambda msg: console.print(f"  {msg}"))
        metrics = evaluate(titles, details, labels, cv=cv, seed=seed, progress=progress)
        title = f"{cv}-fold cross-validation on {data}"
    if as_json:
        typer.echo(json.dumps(metrics, ensure_ascii=False))
        return
    _print_metrics(metrics, title)


@app.command()
def activate(
    model: Annotated[str, typer.Argument(help="version id in the registry, or a model path")],
) -> None:
    """Make a model the active one (a path is first copied into the registry)."""
    from jiesu.nlp.classify import CategoryModel, ModelRegistry

    registry = ModelRegistry(_model_dir())
    try:
        path = registry.resolve(model)
        if path.parent.parent.resolve() == registry.root.resolve():
            version = path.parent.name
        else:
            version = registry.save(CategoryModel.load(path))
        registry.activate(version)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise _fail(str(exc)) from None
    console.print(f"activated {version}")


@app.command("list")
def list_() -> None:
    """Stored model versions, the active one marked."""
    from jiesu.nlp.classify import ModelRegistry

    registry = ModelRegistry(_model_dir())
    table = Table("", "version", "created", "n", "accuracy", "macro-F1", "threshold")
    for meta in registry.list():
        m = meta.get("metrics", {})
        table.add_row("*" if meta["active"] else "", meta["version"],
                      str(meta.get("created_at", "")), str(meta.get("n_samples", "")),
                      f"{m.get('accuracy', 0):.4f}", f"{m.get('macro_f1', 0):.4f}",
                      f"{meta.get('threshold', 0):.4f}")
    console.print(table)
