"""Reading an uploaded spreadsheet (XLSX or CSV) as rows, streamed and within limits (SPEC §12).

Nothing is read whole: an XLSX is first judged by what its zip declares (the unpacked size and the
compression ratio of every member, EXPOPLAN_IMPORT_MAX_UNPACKED_BYTES / _MAX_COMPRESSION_RATIO) and by
its first sheet's declared dimension (rows, columns); then the sheet is parsed one row at a time (by
openpyxl's read-only parser, see _xlsx_rows). A CSV goes through csv.reader over a text wrapper of the
file. Either way the reading stops at the first limit reached — data rows (EXPOPLAN_IMPORT_MAX_ROWS),
columns of a row (EXPOPLAN_IMPORT_MAX_COLUMNS), cells read (EXPOPLAN_IMPORT_MAX_CELLS), seconds spent
(EXPOPLAN_IMPORT_MAX_SECONDS, checked on every read of an XLSX, inside openpyxl too) — with a message
naming that limit.

`check_upload` makes the cheap checks (the kind of file, the zip's declarations, the declared
dimension) before an upload is stored; `read_rows` repeats them and reads.
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


def _check_archive(handle: IO[bytes], limits: Limits) -> None:
    """What the zip declares (sizes, ratios), then the first sheet's declared dimension."""
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
    _check_dimension(_declared_dimension(handle), limits)
    handle.seek(0)


def _first_sheet(reader) -> str:
    """The archive path of the workbook's first sheet (as openpyxl finds it)."""
    for _sheet, rel in reader.parser.find_sheets():
        return rel.target
    raise ImportFileError(_("The spreadsheet has no sheet. Save it from Excel as .xlsx or .csv."))


def _declared_dimension(handle: IO[bytes]) -> tuple[int, int, int, int] | None:
    """(min column, min row, max column, max row) the first sheet declares; None when it declares none
    (then only the reading's own limits apply). Found as openpyxl finds the sheet (the manifest, the
    workbook and its relations; not the shared strings) and read from the start of the sheet's XML up
    to its data only (openpyxl's own read_dimension reads a sheet without one to its end)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    reader = ExcelReader(handle, read_only=True)
    try:
        reader.read_manifest()
        reader.read_workbook()
        with reader.archive.open(_first_sheet(reader)) as source:
            for _event, element in iterparse(source, events=("start",)):
                if element.tag == f"{{{SHEET_MAIN_NS}}}dimension":
                    bounds = range_boundaries(element.get("ref", ""))
                    return None if None in bounds else tuple(bounds)
                if element.tag == f"{{{SHEET_MAIN_NS}}}sheetData":
                    return None
        return None
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
    """(row number, values) of the first sheet, row by row.

    openpyxl's read-only reader (load_workbook(read_only=True)) reads a sheet that declares no dimension
    (openpyxl's own write-only files, among others) from start to end before its first row, however
    long: here the sheet is read by the parser that reader uses, WorkSheetParser, which yields rows as
    it reads them. The workbook parts around it (manifest, shared strings, workbook, styles for dates)
    are read as load_workbook reads them."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        _check_archive(handle, budget.limits)
        reader = ExcelReader(_Timed(handle, budget), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        source = reader.archive.open(_first_sheet(reader))
    except ImportFileError:
        raise
    except Exception as exc:  # zipfile and openpyxl raise many types for damaged files; none may become a 500
        raise unreadable_xlsx(exc) from exc
    workbook = reader.wb
    parser = WorkSheetParser(
        source,
        reader.shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    try:
        rows = parser.parse()
        while True:
            try:
                number, cells = next(rows)
            except StopIteration:
                return
            except ImportFileError:
                raise
            except Exception as exc:  # a damaged sheet part
                raise unreadable_xlsx(exc) from exc
            width = max((cell["column"] for cell in cells), default=0)
            if width > budget.limits.max_columns:
                cells = [c for c in cells if c["value"] is not None and c["value"] != ""]
                width = max((cell["column"] for cell in cells), default=0)
                if width > budget.limits.max_columns:
                    raise too_many_columns(budget.limits)
            values: list = [None] * width
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            budget.spend(values)
            yield number, values
    finally:
        source.close()
        reader.archive.close()


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
