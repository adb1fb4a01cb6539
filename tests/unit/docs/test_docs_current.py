"""Documentation that cannot drift: settings, CLI help, README commands."""

from __future__ import annotations

from pathlib import Path

from jiesu import docs

ROOT = Path(__file__).resolve().parents[3]


def test_settings_doc_is_current() -> None:
    assert (ROOT / "docs/settings.md").read_text(encoding="utf-8") == docs.settings_markdown(), (
        "docs/settings.md is out of date: run `python -m jiesu.docs`")


def test_cli_doc_is_current() -> None:
    assert (ROOT / "docs/cli.md").read_text(encoding="utf-8") == docs.cli_markdown(), (
        "docs/cli.md is out of date: run `python -m jiesu.docs`")


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
