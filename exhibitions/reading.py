"""Reading an uploaded spreadsheet (XLSX or CSV) as rows, streamed and within limits (SPEC §12).

Nothing is read whole: an XLSX is first judged by what its zip declares (the unpacked size and the
compression ratio of every member, EXPOPLAN_IMPORT_MAX_UNPACKED_BYTES / _MAX_COMPRESSION_RATIO) and by
its first sheet's declared dimension (rows, columns); then openpyxl's read-only reader yields one row
at a time. A CSV goes through csv.reader over a text wrapper of the file. Either way the reading stops
at the first limit reached — data rows (EXPOPLAN_IMPORT_MAX_ROWS), columns of a row
(EXPOPLAN_IMPORT_MAX_COLUMNS), cells read (EXPOPLAN_IMPORT_MAX_CELLS), seconds spent
(EXPOPLAN_IMPORT_MAX_SECONDS) — with a message naming that limit.

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


def _declared_dimension(handle: IO[bytes]) -> tuple[int, int, int, int] | None:
    """(min column, min row, max column, max row) the first sheet declares, found as openpyxl finds the
    sheet (the manifest, the workbook and its relations; not the shared strings) and read from the start
    of its XML; None when it declares none (then only the reading's own limits apply)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import read_dimension

    reader = ExcelReader(handle, read_only=True)
    try:
        reader.read_manifest()
        reader.read_workbook()
        for _sheet, rel in reader.parser.find_sheets():
            with reader.archive.open(rel.target) as source:
                dimension = read_dimension(source)
            return tuple(dimension) if dimension and None not in dimension else None
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
    if rows > limits.max_rows + 1:  # the header row and the data rows
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
        width = len(row)
        if width > self.limits.max_columns:
            # Trailing empty cells are not columns (openpyxl pads a row to the sheet's declared width).
            while width and (row[width - 1] is None or row[width - 1] == ""):
                width -= 1
            if width > self.limits.max_columns:
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


def _xlsx_rows(handle: IO[bytes], budget: _Budget) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        _check_archive(handle, budget.limits)
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged files; none may become a 500
        raise unreadable_xlsx(exc) from exc
    budget.check_time()
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a damaged sheet part
                raise unreadable_xlsx(exc) from exc
            budget.spend(row)
            yield row
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


def _csv_rows(handle: IO[bytes], budget: _Budget) -> Iterator[list]:
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
        for row in csv.reader(wrapper, dialect):
            budget.spend(row)
            yield row
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file cannot be read (%(reason)s). Save it again as UTF-8 CSV or XLSX.") % {"reason": exc}
        ) from exc
    finally:
        if not handle.closed:
            wrapper.detach()  # the caller's file stays open


def read_rows(handle: IO[bytes], filename: str, limits: Limits | None = None) -> Iterator[tuple | list]:
    """The rows of the upload in `handle` (a seekable binary file), one at a time, within `limits`.

    The caller counts the data rows (and raises `too_many_rows`); everything else is checked here."""
    limits = limits or Limits.from_settings()
    kind = file_kind(_head(handle), filename)
    if kind == "xlsx":
        yield from _xlsx_rows(handle, _Budget(limits))
    else:
        yield from _csv_rows(handle, _Budget(limits))
