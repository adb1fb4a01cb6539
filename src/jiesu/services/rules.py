"""Builds the domain `Rules` (calendar, SLA table, settings) from the database, cached per
process."""

from __future__ import annotations

import logging
import threading
import time

from jiesu.config import FOLLOWUP_RETRY_MAX_MINUTES, Settings
from jiesu.domain.appeal import Rules, SupervisionLevel
from jiesu.domain.calendar import WorkCalendar
from jiesu.domain.deadlines import SlaRule, SlaTable, policy_limit
from jiesu.domain.errors import DomainError
from jiesu.store import rules_store
from jiesu.store.intake_store import read_settings, unit_ids_by_code
from jiesu.store.uow import Database, UnitOfWork

log = logging.getLogger(__name__)


class _Configured:
    """The default of a rule setting that is the deployment's setting of the same name."""

    def __repr__(self) -> str:
        return "CONFIGURED"


# A default that is the deployment's setting of the same name (JIESU_…): the number lives
# there only; an administrator's saved value wins over it.
CONFIGURED = _Configured()
# Settings an admin may change at run time (settings table), with their defaults.
RULE_SETTINGS: dict[str, object] = {
    "reopen_window_days": 15,
    "max_extension_days": 10,
    "max_extensions": 1,
    "followup_max_attempts": 3,
    "followup_retry_minutes": CONFIGURED,
    "auto_supervision_level": "yellow",
}
CONFIGURED_DEFAULTS = tuple(k for k, v in RULE_SETTINGS.items() if v is CONFIGURED)
# Each rule setting by its Chinese name: the admin form's label, what its errors and the
# configuration log's summary of a change call it (English: web.i18n_admin.RULE_LABELS_EN).
RULE_LABELS: dict[str, str] = {
    "reopen_window_days": "可申请重办的天数（办结后）",
    "max_extension_days": "单次延期最多天数",
    "max_extensions": "最多延期次数",
    "followup_max_attempts": "回访最多尝试次数",
    "followup_retry_minutes": "回访重拨间隔（分钟）",
    "auto_supervision_level": "超期自动督办级别",
}
# The numeric ones an admin may set: (lowest, highest).
RULE_LIMITS: dict[str, tuple[int, int]] = {
    "reopen_window_days": (1, 365),
    "max_extension_days": (1, 90),
    "max_extensions": (0, 10),
    "followup_max_attempts": (1, 10),
    "followup_retry_minutes": (0, FOLLOWUP_RETRY_MAX_MINUTES),
}


def rule_defaults(settings: Settings) -> dict[str, object]:
    """Each rule setting's value while no administrator has saved one."""
    return RULE_SETTINGS | {key: getattr(settings, key) for key in CONFIGURED_DEFAULTS}


def load_rules(uow: UnitOfWork, settings: Settings) -> Rules:
    """Read calendar, SLA policies and rule settings inside an open unit of work."""
    s = uow.session
    years = rules_store.loaded_calendar_years(s)
    calendar = WorkCalendar(rules_store.calendar_days(s), loaded_years=years,
                            tz=settings.timezone, count_from_next_day=settings.count_from_next_day)
    unit_ids = unit_ids_by_code(s)
    overrides = []
    for p in rules_store.sla_policies(s):
        unit = str(unit_ids[p.unit]) if p.unit and p.unit in unit_ids else p.unit
        try:
            clock, limit = policy_limit(p.clock, p.amount, p.limit_unit)
        except DomainError as exc:
            # stored before the admin service checked limits: one bad policy must not stop
            # every deadline computation, so it is left out and named in the log
            log.error("时限规则 %s 无效，已忽略 (time-limit policy ignored): %s", p.id, exc)
            continue
        overrides.append(SlaRule(clock, limit, kind=p.kind, urgency=p.urgency,
                                 category=p.category, unit=unit, requester=p.requester))
    sla = SlaTable.default().with_rules(overrides)
    values = rule_defaults(settings)
    for key, stored in read_settings(s, RULE_SETTINGS).items():
        values[key] = stored.value
    return Rules(
        calendar=calendar,
        sla=sla,
        reopen_window_days=_whole(values["reopen_window_days"]),
        max_extension_days=_whole(values["max_extension_days"]),
        max_extensions=_whole(values["max_extensions"]),
        followup_max_attempts=_whole(values["followup_max_attempts"]),
        followup_retry_minutes=_whole(values["followup_retry_minutes"]),
        auto_supervision_level=SupervisionLevel(str(values["auto_supervision_level"])),
    )


def _whole(value: object) -> int:
    """A numeric rule setting as stored (JSON: a number, or its text once checked)."""
    if isinstance(value, int | float | str):
        return int(value)
    raise TypeError(f"a rule setting is not a number: {value!r}")


class RulesProvider:
    """Caches the rules for a short time; admin changes in this process invalidate at once."""

    def __init__(self, db: Database, settings: Settings, ttl_seconds: float = 30.0) -> None:
        self.db = db
        self.settings = settings
        self.ttl = ttl_seconds
        self._lock = threading.Lock()
        self._rules: Rules | None = None
        self._loaded = 0.0

    def get(self) -> Rules:
        with self._lock:
            if self._rules is None or time.monotonic() - self._loaded > self.ttl:
                with self.db.uow(write=False) as uow:
                    self._rules = load_rules(uow, self.settings)
                self._loaded = time.monotonic()
            return self._rules

    def invalidate(self) -> None:
        with self._lock:
            self._rules = None
