"""The package layering of DESIGN.md §9, checked on the source: every import statement of
every module, including those inside functions and under TYPE_CHECKING."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "jiesu"

# the entrypoints: thin shells that turn HTTP / a terminal into service calls
FRAMEWORKS = ("fastapi", "starlette", "jinja2", "typer", "rich", "uvicorn")
SHELLS = ("jiesu.api", "jiesu.web", "jiesu.cli", "jiesu.cli_exchange", "jiesu.cli_intake",
          "jiesu.cli_output", "jiesu.cli_report", "jiesu.nlp.cli", "jiesu.app", "jiesu.docs",
          "jiesu.demo")


def _module(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) of every import in the file; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                yield node.lineno, ".".join([*base, node.module] if node.module else base)
            else:
                yield node.lineno, node.module or ""


def _under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


MODULES = sorted(PACKAGE.rglob("*.py"))


def _offences(rule: object) -> list[str]:
    assert callable(rule)
    found = []
    for path in MODULES:
        module = _module(path)
        for line, imported in _imports(path):
            if rule(module, imported):
                found.append(f"{path.relative_to(SRC)}:{line} imports {imported}")
    return found


def test_the_walk_sees_the_whole_package() -> None:
    names = {_module(p) for p in MODULES}
    assert {"jiesu.domain.appeal", "jiesu.services.admin", "jiesu.store.uow"} <= names
    # the checker itself sees imports inside functions and relative ones
    store = dict((m, line) for line, m in _imports(PACKAGE / "store" / "uow.py"))
    assert "sqlalchemy.orm" in store


def test_only_store_imports_sqlalchemy_or_alembic() -> None:
    assert _offences(lambda module, imported: _under(imported, "sqlalchemy", "alembic")
                     and not _under(module, "jiesu.store")) == []


def test_domain_imports_only_the_standard_library_and_itself() -> None:
    def foreign(module: str, imported: str) -> bool:
        if not _under(module, "jiesu.domain"):
            return False
        top = imported.split(".")[0]
        return top not in sys.stdlib_module_names and not _under(imported, "jiesu.domain")

    assert _offences(foreign) == []


@pytest.mark.parametrize("layer", ["jiesu.domain", "jiesu.services", "jiesu.store",
                                   "jiesu.nlp", "jiesu.jobs", "jiesu.adapters"])
def test_inner_layers_import_no_web_or_cli_framework(layer: str) -> None:
    assert _offences(lambda module, imported: _under(module, layer)
                     and not _under(module, *SHELLS)
                     and _under(imported, *FRAMEWORKS, *SHELLS)) == []


def test_domain_and_store_do_not_reach_up_into_services() -> None:
    assert _offences(lambda module, imported: _under(module, "jiesu.domain", "jiesu.store")
                     and _under(imported, "jiesu.services", "jiesu.nlp", "jiesu.jobs")) == []
