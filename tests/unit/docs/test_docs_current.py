"""Documentation that cannot drift: settings, CLI help, the REST API, README commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jiesu import docs

ROOT = Path(__file__).resolve().parents[3]

# Operations that need nothing at all. docs/api.md calls an operation public when neither the
# schema nor the route's dependencies ask for a token; a new one must be confirmed here.
PUBLIC_OPERATIONS = {
    ("POST", "/api/v1/auth/token"),
    ("GET", "/api/v1/stats/ratings"),
    ("GET", "/api/v1/stats/rectifications/published"),
    ("POST", "/api/v1/feedback/ratings"),
    ("GET", "/api/v1/feedback/service-items"),
    ("GET", "/api/v1/survey/{token}"),
    ("POST", "/api/v1/survey/{token}"),
    ("POST", "/api/v1/enterprise-service/lookup"),
    ("POST", "/api/v1/enterprise-service/apply"),
    ("GET", "/open311/v2/discovery.{fmt}"),
    ("GET", "/open311/v2/services.{fmt}"),
    ("GET", "/open311/v2/services/{service_code}.{fmt}"),
    ("GET", "/open311/v2/requests.{fmt}"),
    ("GET", "/open311/v2/requests/{service_request_id}.{fmt}"),
    ("GET", "/open-data/appeals.{fmt}"),
    ("GET", "/open-data/stats.{fmt}"),
}


@pytest.fixture(scope="module")
def app() -> Any:
    return docs.api_app()


def operations(app: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_settings_doc_is_current() -> None:
    assert (ROOT / "docs/settings.md").read_text(encoding="utf-8") == docs.settings_markdown(), (
        "docs/settings.md is out of date: run `python -m jiesu.docs`")


def test_cli_doc_is_current() -> None:
    assert (ROOT / "docs/cli.md").read_text(encoding="utf-8") == docs.cli_markdown(), (
        "docs/cli.md is out of date: run `python -m jiesu.docs`")


def test_api_doc_is_current(app: Any) -> None:
    assert (ROOT / "docs/api.md").read_text(encoding="utf-8") == docs.api_markdown(app), (
        "docs/api.md is out of date: run `python -m jiesu.docs`")


def test_every_operation_has_a_summary(app: Any) -> None:
    # FastAPI makes up a summary from the function's name ("List Units") when a route has
    # none, so the route's own summary is what is checked.
    routes = docs.api_routes(app)
    missing = [f"{method} {path}" for method, path, operation in operations(app)
               if not (operation.get("summary") or "").strip()
               or not (getattr(routes.get((method, path)), "summary", None) or "").strip()]
    assert not missing, f"operations without summary=...: {missing}"


def test_every_operation_is_in_the_api_doc(app: Any) -> None:
    text = (ROOT / "docs/api.md").read_text(encoding="utf-8")
    missing = [f"{method} {path}" for method, path, _ in operations(app)
               if f"### `{method} {path}`" not in text]
    assert not missing, f"docs/api.md lacks {missing}: run `python -m jiesu.docs`"


def test_public_operations_are_the_known_ones(app: Any) -> None:
    public = {key for key, who in docs.api_access(app).items() if who == docs.PUBLIC}
    assert public == PUBLIC_OPERATIONS, (
        "docs/api.md would call these public: check that they need no token, then list them "
        f"here: {sorted(public ^ PUBLIC_OPERATIONS)}")


def test_api_doc_opens_no_database_and_writes_no_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from jiesu.runtime import Runtime
    from jiesu.store import db

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("generating docs/api.md must not open a database")

    monkeypatch.setattr(Runtime, "create", refuse)
    monkeypatch.setattr(db, "create_engine", refuse)
    monkeypatch.chdir(tmp_path)
    assert docs.api_markdown().startswith("# REST API")
    assert list(tmp_path.iterdir()) == []


def test_every_setting_has_a_description() -> None:
    from jiesu.config import Settings

    missing = [n for n, f in Settings.model_fields.items() if not f.description]
    assert not missing, f"settings without description: {missing}"


def test_readme_starts_with_install_demo_and_test_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    head = text[: text.index("## ")]
    assert 'python3 -m pip install -e ".[dev]"' in head
    assert "jiesu demo" in head
    assert "python3 -m pytest" in head
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "python3 -m pytest" in ci


# Environment variables the docs name that are not settings: the tests' and benchmarks' own.
NOT_SETTINGS = {"JIESU_TEST_PG_URL", "JIESU_BENCH_PG_URL", "JIESU_FUZZ_EXAMPLES",
                "JIESU_CHROMIUM", "JIESU_SCREENSHOTS", "JIESU_SHARED_DATA"}


def test_every_variable_the_docs_name_is_a_setting() -> None:
    """settings.md is generated from the settings, but README, operations.md and the other
    pages name variables by hand: a misspelt or removed one would be set and silently ignored
    (the settings ignore unknown JIESU_ variables)."""
    import re

    from jiesu.config import Settings

    known = {f"JIESU_{name.upper()}" for name in Settings.model_fields} | NOT_SETTINGS
    pages = [ROOT / "README.md", ROOT / "bench/README.md", *sorted((ROOT / "docs").glob("*.md"))]
    unknown = {f"{page.name}: {name}" for page in pages
               for name in re.findall(r"JIESU_[A-Z0-9_]*[A-Z0-9]", page.read_text("utf-8"))
               if name not in known}
    assert not unknown, f"not settings: {sorted(unknown)}"
