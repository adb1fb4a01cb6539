"""The consoles every CLI command prints to, and its one error line.

Markup is off: names, paths, appeal texts and messages are printed as they are (rich would take
"[source]" for a style tag and drop it, and raise on a unit named "[/x]" after the unit was
saved). A line that wants colour passes `markup=True` and escapes what it quotes.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

console = Console(soft_wrap=True, markup=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


def print_error(message: str) -> None:
    """`错误：message` on stderr, the label in red."""
    err.print(f"[red]错误：[/red]{escape(message)}", markup=True)
