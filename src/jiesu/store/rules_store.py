"""What the domain rules are built from: the official calendar and the stored time limits.

Units and rule settings are read with `intake_store.unit_ids_by_code` and `read_settings`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiesu.store.tables import CalendarDayRow, CalendarYearRow, SlaPolicyRow


def loaded_calendar_years(session: Session) -> set[int]:
    """The years whose official calendar has been loaded."""
    return set(session.scalars(select(CalendarYearRow.year)).all())


def calendar_days(session: Session) -> dict[date, bool]:
    """Every stored calendar day and whether it is a working day."""
    return {d.day: d.is_workday for d in session.scalars(select(CalendarDayRow)).all()}


def sla_policies(session: Session) -> list[SlaPolicyRow]:
    """The time-limit policies an admin stored, in the order the database gives them."""
    return list(session.scalars(select(SlaPolicyRow)).all())
