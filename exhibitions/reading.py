"""Reading an uploaded spreadsheet (XLSX or CSV) as rows, streamed and within limits (SPEC §12).

Nothing is read whole: an XLSX is first judged by what its zip declares (the unpacked size and the
compression ratio of every member, EXPOPLAN_IMPORT_MAX_UNPACKED_BYTES / _MAX_COMPRESSION_RATIO) and by
its first sheet's declared dimension (rows, columns); then its first sheet's XML is counted (rows,
cells, columns) by a scan that stops at the first limit (see _scan_sheet), and only then is the sheet
read, one row at a time, by openpyxl's read-only workbook (see _xlsx_rows). A CSV goes through
csv.reader over a text wrapper of the file. Either way the reading stops at the first limit reached —
data rows (EXPOPLAN_IMPORT_MAX_ROWS), columns of a row (EXPOPLAN_IMPORT_MAX_COLUMNS), cells read
(EXPOPLAN_IMPORT_MAX_CELLS), seconds spent (EXPOPLAN_IMPORT_MAX_SECONDS, checked on every read of an
XLSX, inside openpyxl too) — with a message naming that limit.

`check_upload` makes the cheap checks (the kind of file, the zip's declarations, the declared
dimension) before an upload is stored; `read_rows` repeats them, counts the sheet and reads.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RATIO_CHECKED_FROM = 1024 * 1024  # members unpacking to less are never judged by their ratio
CHECK_TIME_EVERY = 50  # rows between two looks at the clock
CSV_SAMPLE = 64 * 1024  # bytes read to tell the CSV dialect
DECLARED_ROWS_SLACK = 10  # rows a sheet may declare beyond the data rows: the header, a title, blank rows


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, encoding, missing columns, too big)."""


@dataclass(frozen=True)
class Limits:
    max_rows: int
    max_columns: int
    max_cells: int
    max_seconds: float
    max_unpacked_bytes: int
    max_compression_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_rows=settings.EXPOPLAN_IMPORT_MAX_ROWS,
            max_columns=settings.EXPOPLAN_IMPORT_MAX_COLUMNS,
            max_cells=settings.EXPOPLAN_IMPORT_MAX_CELLS,
            max_seconds=settings.EXPOPLAN_IMPORT_MAX_SECONDS,
            max_unpacked_bytes=settings.EXPOPLAN_IMPORT_MAX_UNPACKED_BYTES,
            max_compression_ratio=settings.EXPOPLAN_IMPORT_MAX_COMPRESSION_RATIO,
        )


def _n(value: float) -> str:
    return f"{value:,}"


def too_many_rows(limits: Limits) -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s data rows. Split it into smaller files.") % {"max": _n(limits.max_rows)}
    )


def too_many_columns(limits: Limits) -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(max)s columns (the limit). Delete the columns the import does not use, "
            "or start from the template."
        )
        % {"max": _n(limits.max_columns)}
    )


def too_many_cells(limits: Limits) -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s cells (the limit). Split it into smaller files.")
        % {"max": _n(limits.max_cells)}
    )


def too_slow(limits: Limits) -> ImportFileError:
    return ImportFileError(
        _("Reading the file took longer than %(seconds)s seconds (the limit). Split it into smaller files.")
        % {"seconds": _n(limits.max_seconds)}
    )


def unreadable_xlsx(exc: BaseException) -> ImportFileError:
    return ImportFileError(
        _("The file is not a readable XLSX spreadsheet (%(reason)s). Save it from Excel as .xlsx or .csv.")
        % {"reason": exc.__class__.__name__}
    )


def file_kind(head: bytes, filename: str) -> str:
    """ "xlsx" or "csv" from the first bytes and the name; ImportFileError for anything else."""
    name = (filename or "").lower()
    is_zip = head[:4] == XLSX_MAGIC
    if name.endswith((".xlsx", ".xlsm")) or is_zip:
        if not is_zip:
            raise ImportFileError(
                _("The file is named .xlsx but is not an XLSX spreadsheet. Save it from Excel as .xlsx or .csv.")
            )
        return "xlsx"
    if name.endswith(".xls") or head[:8] == XLS_MAGIC:
        raise ImportFileError(_("Old Excel files (.xls) are not supported. Save the file as .xlsx or .csv."))
    if name.endswith((".csv", ".txt")) or not name:
        if b"\x00" in head[:4096]:
            raise ImportFileError(_("The file is not a CSV text file. Upload an XLSX or CSV spreadsheet."))
        return "csv"
    raise ImportFileError(_("Upload an XLSX or CSV spreadsheet (.xlsx or .csv)."))


def _head(handle: IO[bytes]) -> bytes:
    handle.seek(0)
    head = handle.read(4096)
    handle.seek(0)
    return head


def check_upload(handle: IO[bytes], filename: str, limits: Limits | None = None) -> str:
    """The cheap checks, before an upload is stored: its kind ("xlsx" or "csv", returned) and, for an
    XLSX, the zip's declared sizes and the first sheet's declared dimension. ImportFileError if refused."""
    limits = limits or Limits.from_settings()
    kind = file_kind(_head(handle), filename)
    if kind == "xlsx":
        try:
            _check_archive(handle, limits)
        except ImportFileError:
            raise
        except Exception as exc:  # zipfile and openpyxl raise many types for damaged files
            raise unreadable_xlsx(exc) from exc
        finally:
            handle.seek(0)
    return kind


def _check_archive(handle: IO[bytes], limits: Limits, budget: _Budget | None = None) -> str:
    """What the zip declares (sizes, ratios), then the first sheet (see _scan_sheet): its declared
    dimension only, or with a `budget` (when the rows are to be read) its rows, cells and columns too.
    Returns the first sheet's title."""
    handle.seek(0)
    with zipfile.ZipFile(handle) as archive:
        infos = archive.infolist()
    unpacked = 0
    for info in infos:
        unpacked += info.file_size
        if info.file_size >= RATIO_CHECKED_FROM and info.file_size > limits.max_compression_ratio * max(
            info.compress_size, 1
        ):
            raise ImportFileError(
                _(
                    "The spreadsheet is compressed more than %(ratio)s times (the limit), as no ordinary "
                    "spreadsheet is. Save it again from Excel or split it into smaller files."
                )
                % {"ratio": _n(limits.max_compression_ratio)}
            )
    if unpacked > limits.max_unpacked_bytes:
        raise ImportFileError(
            _("The spreadsheet unpacks to more than %(limit)s MB (the limit). Split it into smaller files.")
            % {"limit": _n(limits.max_unpacked_bytes // (1024 * 1024))}
        )
    handle.seek(0)
    title, _dimension = _scan_sheet(
        handle if budget is None else _Timed(handle, budget), limits, count=budget is not None
    )
    handle.seek(0)
    return title


def _first_sheet(reader) -> tuple[str, str]:
    """(title, archive path) of the workbook's first worksheet, as load_workbook finds it: the first of
    the workbook's sheets that the manifest lists and that is not a chart sheet."""
    for sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            return sheet.name, rel.target
    raise ImportFileError(_("The spreadsheet has no sheet. Save it from Excel as .xlsx or .csv."))


def _scan_sheet(handle: IO[bytes], limits: Limits, *, count: bool) -> tuple[str, tuple[int, int, int, int] | None]:
    """The first sheet's title and declared dimension — (min column, min row, max column, max row), None
    when it declares none — the dimension checked against the limits; with `count`, its rows, cells and
    columns are counted too, to the end of its data or to the first limit exceeded (ImportFileError
    naming it).

    Why the count: openpyxl's read-only workbook (load_workbook(read_only=True)) opens every sheet by
    reading its dimension (WorkSheetParser.parse_dimensions), which for a sheet that declares none
    (openpyxl's own write-only files, among others) parses it to its end, whatever its length, before
    the first row is read. So no sheet goes to openpyxl unless it has been counted here within the
    limits first: an iterparse of start events only (an element's tag and attributes, not its content),
    each element cleared once seen and each row dropped once counted (constant memory), over a file
    whose every read checks the clock (_Timed).

    What is counted is kept at most what the reading counts (nothing readable is refused here that the
    reading would accept): a row counts when a cell of it holds a value (<v>, or <is> for inline
    text), towards DECLARED_ROWS_SLACK rows beyond the data rows (the header, a title, rows holding
    only blanks); a cell counts when it holds a value, a row holding none (or skipped over, as rows not
    written in the file are read as empty) costs one; a column counts when a cell in it holds a value.
    The sheet is found as openpyxl finds it (the manifest, the workbook and its relations; not the
    shared strings)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    dimension_tag, data_tag = f"{{{SHEET_MAIN_NS}}}dimension", f"{{{SHEET_MAIN_NS}}}sheetData"
    row_tag, cell_tag = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}c"
    value_tags = {f"{{{SHEET_MAIN_NS}}}v", f"{{{SHEET_MAIN_NS}}}is"}
    dimension = None
    rows = cells = 0  # rows holding a value; cells as the reading costs them
    row_number = column = 0  # the current row's and cell's (as the reading numbers them)
    row_cells = 0  # cells holding a value in the current row
    cell_counted = True  # the current cell's value is counted (or there is no current cell)

    def end_row() -> None:
        nonlocal cells
        cells += max(row_cells, 1)
        if cells > limits.max_cells:
            raise too_many_cells(limits)

    reader = ExcelReader(handle, read_only=True)
    try:
        reader.read_manifest()
        reader.read_workbook()
        title, path = _first_sheet(reader)
        data = None  # <sheetData>, whose counted rows are dropped
        with reader.archive.open(path) as source:
            for _event, element in iterparse(source, events=("start",)):
                tag = element.tag
                if tag in value_tags:
                    if not cell_counted:
                        cell_counted = True
                        if column > limits.max_columns:
                            raise too_many_columns(limits)
                        row_cells += 1
                        if row_cells == 1:
                            rows += 1
                            if rows > limits.max_rows + DECLARED_ROWS_SLACK:
                                raise too_many_rows(limits)
                elif tag == cell_tag:
                    reference = element.get("r")
                    column = column_index_from_string(coordinate_from_string(reference)[0]) if reference else column + 1
                    cell_counted = False
                elif tag == row_tag:
                    if row_number:
                        end_row()
                    if data is not None:
                        data.clear()
                    number = int(element.get("r") or row_number + 1)
                    cells += max(number - row_number - 1, 0)  # rows skipped over are read as empty ones
                    row_number, row_cells, column, cell_counted = number, 0, 0, True
                elif tag == dimension_tag:
                    bounds = range_boundaries(element.get("ref", ""))
                    dimension = None if None in bounds else tuple(bounds)
                    _check_dimension(dimension, limits)
                elif tag == data_tag:
                    if not count:
                        return title, dimension
                    data = element
                element.clear()
            if row_number:
                end_row()
        return title, dimension
    finally:
        reader.archive.close()


def _check_dimension(dimension: tuple[int, int, int, int] | None, limits: Limits) -> None:
    if dimension is None:
        return
    min_col, min_row, max_col, max_row = dimension
    columns, rows = max_col - min_col + 1, max_row - min_row + 1
    if columns > limits.max_columns:
        raise too_many_columns(limits)
    if rows > limits.max_rows + DECLARED_ROWS_SLACK:
        raise too_many_rows(limits)


# --- reading rows ----------------------------------------------------------------------------------


class _Budget:
    """The cells and seconds left while reading (rows are counted by the caller, who knows which are data)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cells = 0
        self.rows = 0
        self.started = time.monotonic()

    def spend(self, row) -> None:
        if len(row) > self.limits.max_columns:
            raise too_many_columns(self.limits)
        self.cells += max(len(row), 1)  # an empty row costs a cell: a million of them are not free
        if self.cells > self.limits.max_cells:
            raise too_many_cells(self.limits)
        self.rows += 1
        if self.rows % CHECK_TIME_EVERY == 0:
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.limits.max_seconds:
            raise too_slow(self.limits)


class _Timed:
    """The upload as its readers see it: every read (the zip's, hence every XML parser's, shared
    strings and styles included) first checks the clock, so the time limit holds inside openpyxl too."""

    def __init__(self, handle: IO[bytes], budget: _Budget):
        self._handle = handle
        self._budget = budget

    def read(self, size: int = -1) -> bytes:
        self._budget.check_time()
        return self._handle.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def seekable(self) -> bool:
        return True


def _xlsx_rows(handle: IO[bytes], budget: _Budget) -> Iterator[tuple[int, list]]:
    """(row number, values) of the first sheet, row by row, by openpyxl's read-only workbook.

    The sheet is counted first (_check_archive with a budget, see _scan_sheet: load_workbook would
    otherwise parse a sheet without a declared dimension to its end before the first row). Its declared
    dimension is then set aside (reset_dimensions), so that every row is read whatever the sheet
    declares, each as wide as its last cell, as in the file."""
    from openpyxl import load_workbook

    try:
        title = _check_archive(handle, budget.limits, budget)
        workbook = load_workbook(_Timed(handle, budget), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception as exc:  # zipfile and openpyxl raise many types for damaged files; none may become a 500
        raise unreadable_xlsx(exc) from exc
    try:
        sheet = workbook[title]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except ImportFileError:
                raise
            except Exception as exc:  # a damaged sheet part
                raise unreadable_xlsx(exc) from exc
            number += 1  # iter_rows yields every row from the first, those not in the file as empty ones
            if len(values) > budget.limits.max_columns:
                width = max((i + 1 for i, v in enumerate(values) if v is not None and v != ""), default=0)
                values = values[:width]
                if width > budget.limits.max_columns:
                    raise too_many_columns(budget.limits)
            values = list(values)
            budget.spend(values)
            yield number, values
    finally:
        workbook.close()


def _csv_encoding(handle: IO[bytes]) -> str:
    """UTF-8 (with or without BOM), else GB18030/GBK: the first that decodes the whole file, checked
    chunk by chunk (constant memory)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        handle.seek(0)
        try:
            while chunk := handle.read(CSV_SAMPLE):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            handle.seek(0)
        return encoding
    raise ImportFileError(_("The CSV file's encoding is not UTF-8 or GB18030/GBK. Save it as UTF-8 CSV or XLSX."))


def _csv_rows(handle: IO[bytes], budget: _Budget) -> Iterator[tuple[int, list]]:
    """The rows of a CSV file, read as a stream through a text wrapper."""
    encoding = _csv_encoding(handle)
    sample = codecs.getincrementaldecoder(encoding)().decode(handle.read(CSV_SAMPLE))
    handle.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    wrapper = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        for number, row in enumerate(csv.reader(wrapper, dialect), start=1):
            if len(row) > budget.limits.max_columns:
                row = row[: max((i + 1 for i, v in enumerate(row) if v.strip()), default=0)]
            budget.spend(row)
            yield number, row
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file cannot be read (%(reason)s). Save it again as UTF-8 CSV or XLSX.") % {"reason": exc}
        ) from exc
    finally:
        if not handle.closed:
            wrapper.detach()  # the caller's file stays open


def read_rows(handle: IO[bytes], filename: str, limits: Limits | None = None) -> Iterator[tuple[int, list]]:
    """(row number, values) of the upload in `handle` (a seekable binary file), one row at a time,
    within `limits`; rows that hold nothing may be left out.

    The caller counts the data rows (and raises `too_many_rows`); everything else is checked here."""
    limits = limits or Limits.from_settings()
    kind = file_kind(_head(handle), filename)
    if kind == "xlsx":
        yield from _xlsx_rows(handle, _Budget(limits))
    else:
        yield from _csv_rows(handle, _Budget(limits))
