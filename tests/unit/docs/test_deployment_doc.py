"""The systemd unit, `.env` and nginx examples of docs/operations.md work with this code: the
unit sets a working directory, the paths the settings would take relative to it are given
absolute, the command and settings exist, and nginx passes what the app reads and lets its
largest upload through."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from jiesu import cli
from jiesu.api.v1 import admin_intake
from jiesu.config import Settings
from jiesu.web import uploads
from jiesu.web.routes import admin

OPERATIONS = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def _block(first_line: str) -> str:
    """The fenced block of operations.md whose first line is `first_line`."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", OPERATIONS.read_text(encoding="utf-8"), re.S)
    found = [b for b in blocks if b.startswith(first_line + "\n")]
    assert len(found) == 1, f"operations.md has no block starting {first_line!r}"
    return found[0]


def _unit() -> dict[str, str]:
    lines = _block("# /etc/systemd/system/jiesu.service").splitlines()
    return dict(line.split("=", 1) for line in lines if re.match(r"[A-Z]\w*=", line))


def test_the_unit_runs_jiesu_serve_in_a_working_directory(
        monkeypatch: pytest.MonkeyPatch) -> None:
    unit = _unit()
    assert unit["WorkingDirectory"].startswith("/"), unit
    program, *args = unit["ExecStart"].split()
    assert program.endswith("/jiesu") and args[0] == "serve", unit["ExecStart"]
    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **kw: served.update(kw))
    result = CliRunner().invoke(cli.app, args)  # the options `jiesu serve` has, and no other
    assert result.exit_code == 0, result.output
    assert served["host"] == "127.0.0.1"  # only nginx reaches it
    # a bad setting exits 2 (tests/integration/test_cli.py): not restarted every 5 s forever
    assert unit["Restart"] == "on-failure" and unit["RestartPreventExitStatus"] == "2", unit
    assert "proxy_headers" not in served and "forwarded_allow_ips" not in served  # uvicorn's


def test_the_env_file_sets_real_settings_with_absolute_paths() -> None:
    text = _block("# /srv/jiesu/.env")
    values = dict(re.findall(r"^JIESU_(\w+)=(\S*)", text, re.M))
    unknown = [name for name in values if name.lower() not in Settings.model_fields]
    assert not unknown, unknown
    # relative by default: they must not depend on where a process or a command starts
    for name in ("MODEL_DIR", "UPLOAD_DIR"):
        assert values[name].startswith("/"), (name, values)
    url = values["DATABASE_URL"]
    assert not url.startswith("sqlite") or url.startswith("sqlite:////"), url
    assert values["ENVIRONMENT"] == "production"  # the Secure session cookie the text explains
    assert Path(_unit()["WorkingDirectory"], ".env").as_posix() == "/srv/jiesu/.env"


def test_nginx_passes_what_the_app_reads_and_its_largest_upload() -> None:
    conf = _block("# /etc/nginx/conf.d/jiesu.conf")
    port = re.search(r"--port (\d+)", _unit()["ExecStart"])
    assert port and f"proxy_pass http://127.0.0.1:{port.group(1)};" in conf
    for header in ("Host $host", "X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in conf, header
    assert "listen 443 ssl" in conf and "return 301 https://" in conf
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    largest = max(uploads.MAX_BYTES, admin.MAX_INTAKE_UPLOAD, admin_intake.MAX_UPLOAD_BYTES)
    assert size and int(size.group(1)) * 1024 * 1024 > largest, (size, largest)
