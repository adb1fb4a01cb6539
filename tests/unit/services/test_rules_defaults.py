"""The run-time rule settings' defaults: a default that is a deployment setting (JIESU_…) has
its number there only, so changing the setting's default cannot leave a second copy behind."""

from __future__ import annotations

from jiesu.config import Settings
from jiesu.services.rules import CONFIGURED_DEFAULTS, RULE_SETTINGS, rule_defaults


def test_a_configured_default_has_no_number_of_its_own() -> None:
    assert CONFIGURED_DEFAULTS == ("followup_retry_minutes",)
    for key in CONFIGURED_DEFAULTS:
        # before: 120 here as well as in Settings, and the one here was never read
        assert not isinstance(RULE_SETTINGS[key], int | str), key


def test_the_defaults_in_force_are_the_settings_and_the_fixed_ones() -> None:
    defaults = rule_defaults(Settings(followup_retry_minutes=45))
    assert set(defaults) == set(RULE_SETTINGS)
    assert defaults["followup_retry_minutes"] == 45
    assert rule_defaults(Settings())["followup_retry_minutes"] == \
        Settings.model_fields["followup_retry_minutes"].default
    assert {k: v for k, v in defaults.items() if k not in CONFIGURED_DEFAULTS} == {
        "reopen_window_days": 15, "max_extension_days": 10, "max_extensions": 1,
        "followup_max_attempts": 3, "auto_supervision_level": "yellow"}
