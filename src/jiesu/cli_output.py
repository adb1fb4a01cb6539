"""The consoles every CLI command prints to, and its one error line.

Markup is off: names, paths, appeal texts and messages are printed as they are (rich would take
"[source]" for a style tag and drop it, and raise on a unit named "[/x]" after the unit was
saved). A line that wants colour passes `markup=True` and escapes what it quotes.
"""

from __future__ import annotations

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from jiesu.config import Settings
from jiesu.domain.errors import DomainError

console = Console(soft_wrap=True, markup=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


def print_error(message: str) -> None:
    """`错误：message` on stderr, the label in red."""
    err.print(f"[red]错误：[/red]{escape(message)}", markup=True)


_REASONS = {
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_parsing": "须为数字",
    "bool_parsing": "须为 true 或 false",
    "path_type": "须为文件路径",
}


def settings_problems(exc: ValidationError) -> list[str]:
    """One line per bad setting of a `Settings` ValidationError, naming its environment
    variable and what it must be; the values of secrets are not repeated."""
    lines = []
    for error in exc.errors():
        ctx = error.get("ctx") or {}
        kind = error["type"]
        if kind == "value_error" and "error" in ctx:
            reason = str(ctx["error"])
        elif kind in _REASONS:
            reason = _REASONS[kind]
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            bound = next(iter(ctx.values()))
            sign = {"greater_than_equal": "≥", "greater_than": ">",
                    "less_than_equal": "≤", "less_than": "<"}[kind]
            reason = f"须 {sign} {bound}"
        elif kind == "literal_error":
            reason = f"须为 {ctx.get('expected', '')}"
        else:
            reason = str(error["msg"])
        field = str(error["loc"][0]) if error["loc"] else ""
        if not field or field not in Settings.model_fields:
            lines.append(f"设置有误：{reason}")
            continue
        # a database URL may carry a password
        secret = any(w in field for w in ("secret", "password", "token", "database_url"))
        given = "" if secret else f"（{error['input']!r}）"
        lines.append(f"设置 JIESU_{field.upper()} 的值无效{given}：{reason}")
    return lines


def refusal(exc: DomainError) -> str:
    """What to print for a command's DomainError: its message, except that a database which
    does not exist says so (the message, written for the pages, says to try again later)."""
    from jiesu.domain.errors import Unavailable
    from jiesu.store.db import display_url, missing_database

    if missing_database(exc):
        return database_problem(exc, Settings().database_url)
    cause = getattr(exc.__cause__, "orig", None) or exc.__cause__
    if isinstance(exc, Unavailable) and cause is not None:
        # the page's "try again later" does not tell whoever runs a command which database
        # it tried, nor why it could not reach it
        said = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return (f"无法访问数据库（设置 JIESU_DATABASE_URL 现为 "
                f"{display_url(Settings().database_url)}）：{said}")
    return exc.message


def database_problem(exc: BaseException, url: str) -> str:
    """One line for a database error no command handled: a database that does not exist says
    how to create it and which setting names it; a schema behind this version of jiesu (a
    forgotten `jiesu db upgrade`) says so; otherwise the driver's first line."""
    from jiesu.store.db import DatabaseError, createdb_command, display_url, missing_database
    from jiesu.store.migrate import missing_migrations_at

    name = missing_database(exc)
    if name is not None:
        return (f"数据库 {name} 不存在：请先创建它（{createdb_command(url, name)}）再运行 "
                f"jiesu db upgrade，或把设置 JIESU_DATABASE_URL（现为 {display_url(url)}）"
                "改为已有的数据库")
    if isinstance(exc, DomainError):  # already said for a person (e.g. 暂时无法访问数据库)
        return exc.message
    try:
        missing = missing_migrations_at(url)
    except DatabaseError:
        missing = []
    if missing:
        more = f" 等 {len(missing)} 个" if len(missing) > 3 else ""
        return (f"数据库结构不是当前版本（未执行的迁移：{'、'.join(missing[:3])}{more}），"
                "请先运行 jiesu db upgrade")
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return f"数据库出错：{lines[0] if lines else type(orig).__name__}"

