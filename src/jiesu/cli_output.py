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
