"""The consoles every CLI command prints to, and its one error line.

Markup is off: names, paths, appeal texts and messages are printed as they are (rich would take
"[source]" for a style tag and drop it, and raise on a unit named "[/x]" after the unit was
saved). A line that wants colour passes `markup=True` and escapes what it quotes.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from jiesu.config import Settings
from jiesu.domain.errors import DomainError

console = Console(soft_wrap=True, markup=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def stderr_handler(level: int = 0) -> logging.Handler:
    """Standard error with time, level and logger, as `serve` logs (LOG_FORMAT)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(level)
    return handler


@contextmanager
def info_lines_on_stderr(name: str) -> Iterator[None]:
    """While a command runs, one logger's INFO lines (`jiesu.export`: who took which file) on
    standard error with time and level, as `jiesu serve` writes them, so that they reach the
    shell's or cron's log; without it Python drops INFO lines."""
    logger = logging.getLogger(name)
    handler = stderr_handler()
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


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



# click's messages for a command line it refuses, as they read in English (click and typer
# are not translated): the common ones are said in Chinese, any other is kept as written
_Q = r"['\"]?(.*?)['\"]?"
# (click's words, the Chinese with {n} for the n-th group, and parts added only when their
# group matched: "Did you mean …?" is not always there)
_CLICK_MESSAGES: tuple[tuple[re.Pattern[str], str, tuple[tuple[int, str], ...]], ...] = tuple(
    (re.compile(p, re.S), zh, more) for p, zh, more in (
        (rf"^Missing argument {_Q}\.?$", "缺少参数 {0}", ()),
        (rf"^Missing option {_Q}\.?$", "缺少选项 {0}", ()),
        (rf"^Missing parameter:? {_Q}\.?$", "缺少参数 {0}", ()),
        (rf"^No such option:? {_Q}(?: \(Possible options: (.*)\)| Did you mean {_Q}\?)?$",
         "没有选项 {0}", ((1, "，是否想用：{1}"), (2, "，是否想用：{2}"))),
        (rf"^No such command {_Q}\.(?: Did you mean {_Q}\?)?$", "没有命令 {0}",
         ((1, "，是否想用：{1}"),)),
        (rf"^Option {_Q} requires an argument\.$", "选项 {0} 后面要给出值", ()),
        (rf"^Option {_Q} requires (\d+) arguments\.$", "选项 {0} 后面要给出 {1} 个值", ()),
        (r"^Got unexpected extra arguments? ?(?:\(s\))? \((.*)\)$", "多余的参数：{0}", ()),
        (rf"^Invalid value for {_Q}: (.*)$", "{0} 的值无效：{1}", ()),
    ))
# what click's types (or typer's pydantic coercion) say of a value they refuse
_CLICK_VALUES: tuple[tuple[re.Pattern[str], str, tuple[tuple[int, str], ...]], ...] = tuple(
    (re.compile(p, re.S), zh, ()) for p, zh in (
        (r"^'(.*)' is not a valid integer(?: range)?\.$", "“{0}”不是整数"),
        (r"^Input should be a valid integer.*$", "须为整数"),
        (r"^'(.*)' is not a valid float(?: range)?\.$", "“{0}”不是数字"),
        (r"^Input should be a valid number.*$", "须为数字"),
        (r"^'(.*)' is not a valid boolean\.$", "“{0}”须为 true 或 false"),
        (r"^Input should be a valid boolean.*$", "须为 true 或 false"),
        (r"^Input should be a valid date.*$", "须为日期（如 2026-11-28）"),
        (r"^Input should be greater than or equal to (\S+)$", "须 ≥ {0}"),
        (r"^Input should be greater than (\S+)$", "须 > {0}"),
        (r"^Input should be less than or equal to (\S+)$", "须 ≤ {0}"),
        (r"^Input should be less than (\S+)$", "须 < {0}"),
        (r"^'(.*)' is not one of (.*)\.$", "“{0}”无效，可选：{1}"),
        (r"^'(.*)' is not (.*)\.$", "“{0}”无效，可选：{1}"),
        (r"^(?:File|Directory|Path) '(.*)' does not exist\.$", "“{0}”不存在"),
        (r"^(?:File|Directory|Path) '(.*)' is a directory\.$", "“{0}”是目录，不是文件"),
        (r"^(?:File|Directory|Path) '(.*)' is a file\.$", "“{0}”是文件，不是目录"),
        (r"^'(.*)' does not match the formats? (.*)\.$", "“{0}”格式不对，应为 {1}"),
        (r"^(.*) is not in the range (.*)\.$", "{0} 超出范围 {1}"),
    ))


def _said(message: str, table: tuple[tuple[re.Pattern[str], str, tuple[tuple[int, str], ...]],
                                     ...]) -> str | None:
    for pattern, chinese, more in table:
        m = pattern.match(message)
        if m is not None:
            groups = [_listed(g) for g in m.groups()]
            return chinese.format(*groups) + "".join(
                part.format(*groups) for i, part in more if m.group(i + 1))
    return None


def _listed(group: str | None) -> str:
    """click's lists ('a', 'b' or 'c'; --role, --rule) read as a Chinese list: a、b、c."""
    text = (group or "").replace("', '", "、").replace("' or '", "、").replace(", ", "、")
    return text.strip("'\"")


def is_usage_error(exc: BaseException) -> bool:
    """Whether `exc` is click's UsageError: by name, as newer typer versions raise the classes
    of the copy of click they carry, older ones click's own."""
    return any(c.__name__ == "UsageError" for c in type(exc).__mro__)


def usage_problem(exc: Any) -> str:
    """A command line click refused (a missing or unknown option, a value of the wrong type),
    said in Chinese with the command's help to look at; click writes it in English."""
    message = str(exc.format_message())
    said = _said(message, _CLICK_MESSAGES) or message
    invalid = re.match(r"^(.*) 的值无效：(.*)$", said, re.S)
    if invalid:  # and what click's types said of the value
        value = invalid.group(2)
        said = f"{invalid.group(1)} 的值无效：{_said(value, _CLICK_VALUES) or value}"
    ctx = exc.ctx
    where = f"{ctx.command_path} --help" if ctx is not None else "--help"
    return f"{said}（用法见 {where}）"
