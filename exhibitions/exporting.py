"""Export the current filter to CSV or XLSX (openpyxl), with the import headers.

Every cell of both formats goes through core.spreadsheets (formula injection: text a spreadsheet would
read as a formula gets a leading apostrophe); the import strips the guard again, so an exported file
re-imports unchanged.

Both formats are written row by row in constant memory: the CSV as a stream of byte chunks (served by
a StreamingHttpResponse, or written to a job's file), the XLSX by openpyxl's write-only workbook (rows
go to a temporary file as they are appended). Rows come from `.iterator(chunk_size=CHUNK_SIZE)`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.spreadsheets import csv_writer, xlsx_row
from exhibitions.columns import COLUMNS, HEADERS
from exhibitions.models import Exhibition

CHUNK_SIZE = 2000  # rows fetched from the database at a time
ROWS_PER_CHUNK = 500  # CSV rows per streamed chunk of bytes
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Progress = Callable[[int, int], None]


def export_rows(queryset: QuerySet[Exhibition]) -> QuerySet[Exhibition]:
    """The rows of an export, in file order."""
    return queryset.order_by("start_date", "pk")


def iterate(queryset: QuerySet[Exhibition]) -> Iterator[Exhibition]:
    return queryset.iterator(chunk_size=CHUNK_SIZE)


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


def iter_csv(rows: Iterable[Exhibition], *, progress: Progress | None = None, total: int = 0) -> Iterator[bytes]:
    """The CSV file as byte chunks: UTF-8 with BOM (so Excel opens Chinese text correctly), the header
    row, then ROWS_PER_CHUNK rows per chunk. `progress(rows_done, total)` after every row."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)  # every cell neutralised
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    done = 0
    for exhibition in rows:
        writer.writerow(row_values(exhibition))
        done += 1
        if progress is not None:
            progress(done, total)
        if done % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def export_csv(rows: Iterable[Exhibition]) -> bytes:
    return b"".join(iter_csv(rows))


def write_xlsx(
    rows: Iterable[Exhibition], target: str | IO[bytes], *, progress: Progress | None = None, total: int = 0
) -> None:
    """The XLSX file, written to `target` (a path or a binary file) by a write-only workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("exhibitions")
    for index, header in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) + 4)
    sheet.freeze_panes = "A2"
    # Every string cell is written as text: xlsx_row() leaves none starting with "=", which openpyxl
    # would otherwise store as a formula.
    sheet.append(xlsx_row(HEADERS))
    done = 0
    for exhibition in rows:
        sheet.append(xlsx_row(row_values(exhibition)))
        done += 1
        if progress is not None:
            progress(done, total)
    workbook.save(target)


def export_xlsx(rows: Iterable[Exhibition]) -> bytes:
    out = io.BytesIO()
    write_xlsx(rows, out)
    return out.getvalue()


def template_xlsx() -> bytes:
    """The empty import template: headers only (Chinese / English)."""
    return export_xlsx([])


def template_csv() -> bytes:
    return export_csv([])
