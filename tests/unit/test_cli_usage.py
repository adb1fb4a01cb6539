"""A command line the CLI refuses is said in Chinese, with the help to look at (jiesu.cli.main).

click writes these in English ("Missing option '--role'."); whoever runs jiesu reads Chinese
everywhere else, including the errors of the commands themselves.
"""

from __future__ import annotations

import sys

import pytest

from jiesu.cli import main


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["jiesu", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    code = exit_.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


@pytest.mark.parametrize(("args", "said"), [
    (("user", "add"), "缺少参数 username（用法见 jiesu user add --help）"),
    (("user", "add", "wang"), "缺少选项 --role（用法见 jiesu user add --help）"),
    (("user", "add", "wang", "--rolee", "admin"), "没有选项 --rolee，是否想用：--role"),
    (("user", "add", "wang", "--role"), "选项 --role 后面要给出值"),
    (("usr",), "没有命令 usr，是否想用：user（用法见 jiesu --help）"),
    (("nlp", "eval", "--data", "x.csv", "--cv", "five"),
     "--cv 的值无效：须为整数（用法见 jiesu nlp eval --help）"),
])
def test_a_refused_command_line_is_said_in_chinese(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: tuple[str, ...], said: str) -> None:
    code, err = _run(monkeypatch, capsys, *args)
    assert code == 2
    assert said in err and err.startswith("错误：")
    assert "Missing" not in err and "No such" not in err and "Traceback" not in err


def test_a_group_without_a_command_shows_its_help(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(monkeypatch, capsys, "user")
    assert code == 2 and "add" in err and "password" in err and "错误" not in err


def test_help_and_a_command_that_ends_well_exit_with_nothing(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # not standalone, click hands `--help`'s exit code (0) back instead of exiting
    monkeypatch.setattr(sys, "argv", ["jiesu", "user", "add", "--help"])
    main()
    assert "--role" in capsys.readouterr().out
