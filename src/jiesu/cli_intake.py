"""`jiesu intake ...`: load and show the configuration of intake intelligence (智能受理).

Each upload command replaces one kind as a whole; bad input changes nothing and exits 2.
A running server picks a change up within a minute (at once for changes made on its pages).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from jiesu.cli_output import console, err, print_error, refusal

app = typer.Typer(help="智能受理配置 Intake intelligence: routing, urgency, gazetteer, polygons, "
                       "keywords", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="the file to load (UTF-8 or GBK)")]


def _run(call: Any) -> Any:
    """Call the service with a runtime; a domain error is one line on stderr and exit 2."""
    from jiesu.domain.errors import DomainError
    from jiesu.runtime import Runtime
    from jiesu.services.intake_config import MAX_PROBLEMS_SHOWN, IntakeConfigService

    rt = Runtime.create()  # settings from the environment
    try:
        return call(IntakeConfigService(rt.db, rt.intake))
    except DomainError as exc:
        print_error(refusal(exc))
        problems = exc.details.get("problems")
        if isinstance(problems, list) and len(problems) > MAX_PROBLEMS_SHOWN:
            for p in problems:
                err.print(f"  {p}")
        raise typer.Exit(2) from None
    finally:
        rt.close()


def _read(file: Path) -> str:
    if not file.is_file():
        print_error(f"文件不存在：{file}")
        raise typer.Exit(2)
    from jiesu.adapters.tabular import decode_text
    from jiesu.domain.errors import InvalidArguments

    try:
        return decode_text(file.read_bytes(), f"文件 {file} ")
    except InvalidArguments as exc:
        print_error(exc.message)
        raise typer.Exit(2) from None


def _now() -> datetime:
    from jiesu.services.clock import utcnow

    return utcnow()


@app.command("routing")
def routing(file: FileArg) -> None:
    """Replace the routing rules (派单路由规则): CSV category,area,unit or JSON."""
    text = _read(file)
    rules = _run(lambda svc: svc.replace_routing(text, now=_now()))
    console.print(f"路由规则已替换：{len(rules)} 条")


@app.command("urgency")
def urgency_rules(file: FileArg) -> None:
    """Replace the urgency rules (紧急规则): JSON or TOML; an empty list restores the defaults."""
    text = _read(file)
    count = _run(lambda svc: svc.replace_urgency(text, now=_now()))
    console.print(f"紧急规则已替换：现有 {count} 条")


@app.command("gazetteer")
def gazetteer(file: FileArg) -> None:
    """Replace the gazetteer (地名表): CSV code,name,level,parent_code,aliases."""
    text = _read(file)
    err.print(f"正在校验 {file.name}（{len(text.splitlines())} 行）…")
    s = _run(lambda svc: svc.replace_gazetteer(text, now=_now()))
    levels = "，".join(f"{k} {v}" for k, v in s.levels.items())
    console.print(f"地名表已替换：{s.places} 个地名（{levels}），其中 {s.linked} 个对应单位")
    if s.unlinked:
        examples = escape("、".join(s.unlinked[:5]))
        console.print(f"[yellow]提示：[/yellow]{s.places - s.linked} 个地名的编码不是单位编码"
                      f"（如 {examples}），定位到它们时取其上级单位", markup=True)


@app.command("polygons")
def polygons(file: FileArg) -> None:
    """Replace the grid polygons (网格边界): GeoJSON FeatureCollection, properties.code."""
    text = _read(file)
    err.print(f"正在校验 {file.name}（{len(text) // 1024} KB）…")
    s = _run(lambda svc: svc.replace_polygons(text, now=_now()))
    console.print(f"网格边界已替换：{s.areas} 个区域")


@app.command("keywords")
def keywords(file: FileArg) -> None:
    """Replace the keywords per category (分类关键词): CSV category,keywords or JSON."""
    text = _read(file)
    items = _run(lambda svc: svc.replace_keywords(text, now=_now()))
    total = sum(len(i.keywords) for i in items)
    console.print(f"分类关键词已替换：{len(items)} 个分类，{total} 个关键词")


@app.command("show")
def show(
    kind: Annotated[str | None, typer.Argument(
        help="routing/urgency/gazetteer/polygons/keywords: print it in its upload format")
    ] = None,
) -> None:
    """Show the configuration; with KIND print that kind as a file to edit and load again."""
    if kind is not None:
        console.out(_run(lambda svc: svc.export(kind)), end="")
        return
    s = _run(lambda svc: svc.show())
    console.print(f"路由规则：{len(s.routing)} 条")
    for r in s.routing:
        console.print(f"  分类 {r.category or '全部'} × 区域 {r.area or '全部'} → {r.unit}")
    source = "自定义" if s.urgency_source == "custom" else "内置"
    console.print(f"紧急规则：{len(s.urgency_rules)} 条（{source}）")
    if s.gazetteer is None:
        console.print("地名表：未导入")
    else:
        console.print(f"地名表：{s.gazetteer.places} 个地名，{s.gazetteer.linked} 个对应单位")
    console.print("网格边界：未导入" if s.polygons is None
                  else f"网格边界：{s.polygons.areas} 个区域")
    if s.keywords:
        console.print(f"分类关键词：{len(s.keywords)} 个分类")
        for c in s.keywords:
            console.print(f"  {c.code} {c.full_name}：{'、'.join(c.keywords)}")
    else:
        console.print("分类关键词：未设置（使用内置的一级分类关键词）")


@app.command("clear")
def clear(kind: Annotated[str, typer.Argument(
        help="routing/urgency/gazetteer/polygons/keywords")]) -> None:
    """Remove one kind of configuration (urgency: back to the built-in rules)."""
    _run(lambda svc: svc.clear(kind))
    console.print(f"已清除：{kind}")
