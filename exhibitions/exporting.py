"""Export the current filter to CSV (defusedcsv) or XLSX (openpyxl), with the import headers.

Text starting with = + - @ is neutralised in both formats (formula injection); the import strips the
guard again, so an exported file re-imports unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from defusedcsv import csv
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from exhibitions.columns import COLUMNS, HEADERS, neutralise
from exhibitions.models import Exhibition


def _bool(value: bool) -> str:
    return "是" if value else "否"


def row_values(exhibition: Exhibition) -> list:
    values = []
    for column in COLUMNS:
        key = column.key
        if key == "id":
            value = exhibition.pk
        elif key == "batch":
            value = exhibition.batch.code
        elif key == "city":
            value = exhibition.city.slug
        elif key == "venue":
            value = exhibition.venue.slug if exhibition.venue_id else ""
        elif key == "organizer":
            value = (exhibition.organizer.name_zh or exhibition.organizer.name_en) if exhibition.organizer_id else ""
        elif key == "brand":
            value = exhibition.brand.slug if exhibition.brand_id else ""
        elif column.kind == "bool":
            value = _bool(getattr(exhibition, key))
        elif column.kind == "date":
            value = getattr(exhibition, key).isoformat()
        else:
            value = getattr(exhibition, key)
        values.append("" if value is None else value)
    return values


def export_csv(rows: Iterable[Exhibition]) -> bytes:
    """UTF-8 with BOM, so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # defusedcsv escapes cells starting with = + - @
    writer.writerow(HEADERS)
    for exhibition in rows:
        writer.writerow(row_values(exhibition))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(rows: Iterable[Exhibition]) -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "exhibitions"
    sheet.append(HEADERS)
    for exhibition in rows:
        sheet.append([neutralise(v) for v in row_values(exhibition)])
    # openpyxl treats any string starting with "=" as a formula: force text type everywhere.
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING
    sheet.freeze_panes = "A2"
    for index, header in enumerate(HEADERS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(header) + 4)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    """The empty import template: headers only (Chinese / English)."""
    return export_xlsx([])


def template_csv() -> bytes:
    return export_csv([])
