"""Every spreadsheet the app writes (list exports, the monthly report, the import template) goes through
`neutralise`: formula injection (OWASP "CSV Injection", ASVS 5.0 1.2.10).

A text cell whose first character — or first after leading whitespace — is one a spreadsheet reads as
the start of a formula (= + - @, their full-width forms ＝ ＋ － ＠, tab, carriage return, line feed,
NUL) is written with a leading apostrophe: Excel, LibreOffice and WPS show it as text and never evaluate
it. Numbers, dates and booleans are written as they are. `unneutralise` is the exact inverse, which the
import applies, so an exported file re-imports unchanged.

For XLSX the apostrophe also keeps openpyxl from storing the text as a formula (it stores any string
starting with "=" as one). `xlsx_cell` additionally drops the control characters XML cannot hold
(openpyxl would refuse the whole workbook).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\0＝＋－＠")
PREFIX = "'"


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula."""
    return bool(text) and (text[0] in FORMULA_TRIGGERS or text.lstrip()[:1] in FORMULA_TRIGGERS)


def neutralise(value: Any) -> Any:
    """`value` as a spreadsheet cell that is never a formula: risky text gets a leading apostrophe."""
    if isinstance(value, str) and needs_guard(value):
        return PREFIX + value
    return value


def unneutralise(value: str) -> str:
    """The inverse of `neutralise` for text read back from a spreadsheet (the import)."""
    if value.startswith(PREFIX) and needs_guard(value[1:]):
        return value[1:]
    return value


def xlsx_cell(value: Any) -> Any:
    """`neutralise`d, without the control characters an XLSX cannot store."""
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def xlsx_row(values: Iterable[Any]) -> list[Any]:
    return [xlsx_cell(value) for value in values]


class SafeWriter:
    """A csv.writer whose every cell is `neutralise`d (use instead of csv.writer for any export)."""

    def __init__(self, stream, dialect: str | type[csv.Dialect] = "excel", **options):
        self._writer = csv.writer(stream, dialect, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream, dialect: str | type[csv.Dialect] = "excel", **options) -> SafeWriter:
    return SafeWriter(stream, dialect, **options)
