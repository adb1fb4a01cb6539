"""Appeals written by `jiesu import` (ImportService), as history is: with the import marker
(`extra.import`), whatever channel the mapping gives them."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from jiesu.services.exchange import ImportService
from jiesu.services.import_mapping import load_mapping
from jiesu.store.tables import AppealRow
from tests.support.city import City


def import_rows(city: City, tmp_path: Path, mapping: str, header: Sequence[str],
                rows: Sequence[Sequence[str]], at: datetime) -> None:
    """Import `rows` (a CSV under `header`) with the TOML `mapping` at `at`; all must go in."""
    data = tmp_path / f"ledger-{len(list(tmp_path.iterdir()))}.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    path = tmp_path / f"mapping-{len(list(tmp_path.iterdir()))}.toml"
    path.write_text(mapping, encoding="utf-8")
    report = ImportService(city.runtime.db, city.runtime.rules).run(data, load_mapping(path), at)
    assert (report.imported, report.rejected_count) == (len(rows), 0), [
        str(e) for e in report.rejected]


def imported(city: City, source_ref: str) -> AppealRow:
    """The appeal imported with this source id (its mapping's id_prefix included)."""
    with city.runtime.db.uow(write=False) as uow:
        row = uow.session.query(AppealRow).filter_by(source_ref=source_ref).one()
        uow.session.expunge(row)
        return row
