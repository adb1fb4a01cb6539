"""Settings refuse the values that would otherwise break the server later (a busy jobs loop,
every e-mail failing, every pass of the jobs stopping half-way) instead of taking them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from jiesu.config import Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(("name", "value"), [
    ("sweep_interval_seconds", 0),  # the jobs loop would run without pause
    ("sweep_interval_seconds", -5),
    ("token_ttl_hours", 0),  # every token expired when issued
    ("db_pool_size", 0),
    ("survey_token_days", 0),
    ("rating_window_days", 0),
    ("rating_default_stars", 9),  # raised in every pass of the jobs, stopping what came after
    ("rating_default_stars", 0),
    ("environment", "prod"),  # a typo that silently meant development
    ("timezone", "Mars/Base"),  # raised on the first page that shows a time
    ("database_url", "mysql://user@host/db"),
    ("database_url", "jiesu.db"),
    ("smtp_ca_file", "/no/such/ca.pem"),
])
def test_a_bad_value_is_refused_when_the_settings_load(name: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        _settings(**{name: value})
    assert [e["loc"] for e in caught.value.errors()] == [(name,)]


def test_the_documented_empty_defaults_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/settings.md shows these defaults as empty, so an empty line in .env is unset (the
    CA file was the current directory, and every e-mail then failed)."""
    monkeypatch.setenv("JIESU_RATING_DEFAULT_STARS", "")
    monkeypatch.setenv("JIESU_SMTP_CA_FILE", "")
    settings = _settings()
    assert settings.rating_default_stars is None
    assert settings.smtp_ca_file is None


@pytest.mark.parametrize(("key", "said"), [
    (None, "未设置"),
    ("jiesu-development-secret-change-me", "开发用的默认值"),
    ("", "为空"),
    ("   ", "为空"),
    ("…", "只有 1 个字符"),  # pasted from the .env of docs/operations.md
    ("change-me", "只有 9 个字符"),
    ("x" * 31, "只有 31 个字符"),
])
def test_production_refuses_a_placeholder_secret_key(key: str | None, said: str) -> None:
    """A missing, empty or short key used to be taken in production (only the development
    value was refused): every token and session was then signed with a guessable key."""
    values: dict[str, object] = {"environment": "production"}
    if key is not None:
        values["secret_key"] = key
    with pytest.raises(ValidationError) as caught:
        _settings(**values)
    message = str(caught.value.errors()[0]["ctx"]["error"])
    assert message.startswith("生产环境的 JIESU_SECRET_KEY ") and said in message
    assert "至少 32 个字符" in message and "token_urlsafe" in message
    assert key is None or not key.strip() or key not in message.replace("JIESU_SECRET_KEY", "")
    assert _settings(environment="production", secret_key="k" * 32).secret_key == "k" * 32
    assert _settings(environment="development", secret_key="").secret_key == ""


def test_good_values_are_taken(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    settings = _settings(environment="production",
                         secret_key="a-real-secret-for-production-0123456789",
                         timezone="Asia/Urumqi", rating_default_stars=5,
                         database_url="postgres://jiesu@db.example/jiesu", smtp_ca_file=ca)
    assert settings.tz.key == "Asia/Urumqi" and settings.smtp_ca_file == ca
    assert _settings(database_url="postgresql+psycopg://u@h/d").database_url.endswith("/d")
    assert _settings(database_url="sqlite:////var/lib/jiesu/jiesu.db").is_sqlite


@pytest.mark.parametrize(("values", "floor"), [
    ({"personal_data_days": 1}, 180),
    ({"personal_data_days": 179}, 180),  # shorter than half a year
    ({"personal_data_days": 200, "rating_window_days": 120}, 210),  # the default rating's reach
])
def test_a_retention_period_too_short_to_be_safe_is_refused(values: dict[str, object],
                                                             floor: int) -> None:
    """Erasing a requester's data while they may still reopen, rate or sue, or while the
    default rating still looks for the appeal, must not be possible by a typo."""
    with pytest.raises(ValidationError) as caught:
        _settings(**values)
    [error] = caught.value.errors()
    message = str(error["ctx"]["error"])
    assert message.startswith(f"JIESU_PERSONAL_DATA_DAYS={values['personal_data_days']} 太短")
    assert f"至少 {floor} 天" in message and "设为 0 则不删除" in message


def test_retention_is_off_by_default_and_a_safe_period_is_taken() -> None:
    assert _settings().personal_data_days == 0  # kept: turning erasure on is the city's call
    assert _settings(personal_data_days=180).personal_data_days == 180
    assert _settings(personal_data_days=1825, rating_window_days=365).personal_data_days == 1825
