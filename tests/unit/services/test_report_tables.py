"""The small CSV and XLSX tables of the reports (责任追究): typed text stays text."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from jiesu.services.reporting import to_csv, to_xlsx

HEADER = ["类型", "诉求编号", "承办单位", "承办人", "时间", "说明"]
# a requester's 重办 reason, shown as the 说明 of a rework record
ROW = ["重办", "2026030100001", "东城区", "", datetime(2026, 3, 5, 14, 30),
       '=HYPERLINK("http://example.invalid","查看")']


def test_a_typed_formula_is_text_in_the_csv_and_the_xlsx() -> None:
    """The accountability export wrote a requester's reason as typed: Excel/WPS ran
    =HYPERLINK(...) from the CSV, and openpyxl stored it as a live formula in the XLSX."""
    rows = list(csv.reader(io.StringIO(to_csv(HEADER, [ROW]).lstrip("\ufeff"))))
    assert rows[1][5] == "'" + ROW[5] and rows[1][4] == "2026-03-05 14:30"
    ws = load_workbook(io.BytesIO(to_xlsx("责任追究", HEADER, [ROW]))).active
    assert ws["F2"].data_type == "s" and ws["F2"].value == "'" + ROW[5]
    assert ws["E2"].value == datetime(2026, 3, 5, 14, 30) and ws["B2"].value == ROW[1]
