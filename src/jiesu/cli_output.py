"""The one error line every CLI command prints, its text never read as rich markup."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape


def print_error(console: Console, message: str) -> None:
    """`错误：message` with the label in red. A message may quote a path, a cell or a setting
    such as "[source]", which rich would otherwise take for a style tag and drop."""
    console.print(f"[red]错误：[/red]{escape(message)}", highlight=False)
