"""Spreadsheet import: XLSX or CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) → exhibitions.

Every row goes through the same ExhibitionForm and services as a single edit. A dry run reports
every row's errors as "row N, column: message"; a real run writes all rows in one transaction or
none. Rows whose `id` or `external_ref` already exists update that exhibition instead of duplicating it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.forms.models import construct_instance, model_to_dict
from django.utils import translation
from django.utils.translation import gettext as _

from core.i18n import prefers_chinese
from core.roles import CHANGE
from core.spreadsheets import unneutralise
from exhibitions.columns import BY_KEY, Column, column_for_header
from exhibitions.forms import ExhibitionForm
from exhibitions.models import Batch, Brand, Exhibition, Organizer
from exhibitions.reading import ImportFileError, Limits, read_rows, too_many_rows
from exhibitions.services import (
    EDITABLE_FIELDS,
    OUT_OF_SCOPE,
    ExhibitionBulkWrite,
    exhibition_create,
    exhibition_update,
    exhibition_validate,
)
from exhibitions.validators import EventsByVenue, events_at_venues, venue_overlap
from venues.models import City, Venue

REQUIRED_KEYS = ("batch", "city", "start_date", "end_date", "gross_area_m2")
PROGRESS_EVERY = 100  # rows between two calls of run_import's progress callback


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ParsedFile:
    columns: list[Column]
    rows: list[tuple[int, dict]]  # (spreadsheet row number, {key: raw value})
    ignored_headers: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # preview: {"row", "action", "name", "errors"}
    years: set = field(default_factory=set)  # start years touched (before and after), for the caller
    committed: bool = False
    versions: dict = field(default_factory=dict)  # {exhibition id: version before this import}

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading files -------------------------------------------------------------------------------


def _empty(row) -> bool:
    return all(v is None or str(v).strip() == "" for v in row)


def parse_file(content: bytes | IO[bytes], filename: str, limits: Limits | None = None) -> ParsedFile:
    """The upload's header and data rows, read as a stream within `limits` (exhibitions/reading.py):
    the reading stops at the first limit reached, ImportFileError naming it."""
    limits = limits or Limits.from_settings()
    handle = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    with closing(read_rows(handle, filename, limits)) as raw_rows:  # finished while `handle` is open
        return _parse_rows(raw_rows, limits)


def _parse_rows(raw_rows: Iterator[tuple[int, list]], limits: Limits) -> ParsedFile:
    header_row = None
    for _number, raw in raw_rows:
        if not _empty(raw):
            header_row = raw
            break
    if header_row is None:
        raise ImportFileError(_("The file is empty: the first row must hold the column headers."))
    columns: list[Column | None] = []
    ignored: list[str] = []
    seen: set[str] = set()
    for header in header_row:
        column = column_for_header(header)
        if column is not None and column.key in seen:
            raise ImportFileError(_("The column %(column)s appears twice.") % {"column": header})
        if column is None and header not in (None, ""):
            ignored.append(str(header))
        if column is not None:
            seen.add(column.key)
        columns.append(column)
    missing = [BY_KEY[k] for k in REQUIRED_KEYS if k not in seen]
    if "name_zh" not in seen and "name_en" not in seen:
        missing.insert(0, BY_KEY["name_zh"])
    if missing:
        raise ImportFileError(
            _("Missing column(s): %(columns)s. Download the template to see the expected headers.")
            % {"columns": ", ".join(c.header for c in missing)}
        )
    rows = []
    for number, raw in raw_rows:
        if _empty(raw):
            continue
        if len(rows) >= limits.max_rows:
            raise too_many_rows(limits)
        values = {}
        for column, value in zip(columns, raw, strict=False):
            if column is not None:
                values[column.key] = value
        rows.append((number, values))
    return ParsedFile(columns=[c for c in columns if c is not None], rows=rows, ignored_headers=ignored)


# --- converting cells to form data ------------------------------------------------------------------


class CellError(ValueError):
    pass


TRUE_WORDS = {"1", "true", "yes", "y", "是", "√", "✓", "x", "t", "有"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "", "f", "无", "-", "—"}
STATUS_WORDS = {
    "计划": "planned",
    "计划中": "planned",
    "筹备": "planned",
    "筹备中": "planned",
    "拟办": "planned",
    "确认": "confirmed",
    "已确认": "confirmed",
    "举办": "held",
    "已举办": "held",
    "已办": "held",
    "取消": "cancelled",
    "已取消": "cancelled",
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%d/%m/%Y")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unneutralise(str(value).strip())


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("“%(value)s” is not yes/no (use 是/否 or yes/no).") % {"value": text})


def _int(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        return value
    text = _text(value).replace(",", "").replace("，", "").replace(" ", "")
    factor = 1
    for suffix in ("平方米", "㎡", "m²", "m2"):
        text = text.removesuffix(suffix)
    if text.endswith("万"):
        factor, text = 10_000, text[:-1]
    try:
        number = Decimal(text) * factor
    except InvalidOperation:
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": _text(value)}) from None
    if number != number.to_integral_value():
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": _text(value)})
    return int(number)


def _date(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    if not text:
        return ""
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": text})


class Lookups:
    """Reference data loaded once per import: codes, slugs and names in both languages."""

    def __init__(self):
        self.batches = self._index(Batch.objects.all(), ("code",))
        self.cities = self._index(City.objects.all(), ("slug",))
        self.venues = self._index(Venue.objects.all(), ("slug",))
        self.organizers = self._index(Organizer.objects.all(), ())
        self.brands = self._index(Brand.objects.all(), ("slug",))
        self.statuses = {}
        for value, label in Exhibition.Status.choices:
            self.statuses[value] = value
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    self.statuses[str(label).lower()] = value
        self.statuses.update(STATUS_WORDS)

    @staticmethod
    def _index(queryset, keys) -> dict:
        index: dict = {}
        for obj in queryset:
            for key in (*keys, "name_zh", "name_en"):
                value = str(getattr(obj, key, "") or "").strip().lower()
                if value:
                    index.setdefault(value, obj)
                    # "大连市" is often written "大连" in city spreadsheets.
                    if key == "name_zh" and len(value) > 2 and value.endswith(("市", "区")):
                        index.setdefault(value[:-1], obj)
        return index

    def find(self, kind: str, value):
        text = _text(value)
        if not text:
            return None
        table = {
            "batch": self.batches,
            "city": self.cities,
            "venue": self.venues,
            "organizer": self.organizers,
            "brand": self.brands,
        }[kind]
        obj = table.get(text.lower())
        if obj is None:
            raise CellError(_("“%(value)s” is unknown.") % {"value": text})
        return obj


def column_label(column: Column | None) -> str:
    if column is None:
        return _("row")
    return column.zh if prefers_chinese() else column.en


def row_to_form_data(values: dict, lookups: Lookups, base: dict) -> tuple[dict, dict[str, str]]:
    """Form data (as a browser would post it) and cell errors {key: message}."""
    data = dict(base)
    errors: dict[str, str] = {}
    for key, raw in values.items():
        column = BY_KEY[key]
        if key == "id":
            continue
        try:
            if column.kind in ("batch", "city", "venue", "organizer", "brand"):
                obj = lookups.find(column.kind, raw)
                data[key] = obj.pk if obj is not None else ""
            elif column.kind == "status":
                text = _text(raw)
                status = lookups.statuses.get(text.lower()) if text else ""
                if status is None:
                    raise CellError(
                        _("“%(value)s” is not a status (planned, confirmed, held, cancelled).") % {"value": text}
                    )
                data[key] = status
            elif column.kind == "bool":
                data[key] = "on" if _bool(raw) else ""
            elif column.kind == "int":
                number = _int(raw)
                data[key] = "" if number is None else str(number)
            elif column.kind == "date":
                data[key] = _date(raw)
            else:
                data[key] = _text(raw)
        except CellError as exc:
            errors[key] = str(exc)
    # Booleans the form expects as "on" / absent.
    for key in [k for k, v in data.items() if v == "" and BY_KEY.get(k) and BY_KEY[k].kind == "bool"]:
        data.pop(key)
    return data, errors


def _instance_form_data(exhibition: Exhibition) -> dict:
    """What the edit form would show for `exhibition` (the base for columns the file lacks)."""
    initial = model_to_dict(exhibition, fields=EDITABLE_FIELDS)
    data = {}
    for key, value in initial.items():
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif value is None:
            data[key] = ""
        elif isinstance(value, dt.date):
            data[key] = value.isoformat()
        else:
            data[key] = str(value)
    return data


# --- checking rows -----------------------------------------------------------------------------------


class PreloadedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that answers from `preloaded` ({str(pk): object}, its queryset loaded once per
    import) instead of one query per value: the same empty values, the same invalid-choice error."""

    preloaded: dict[str, Any] | None = None

    def __deepcopy__(self, memo):
        # Every form copies its fields. ModelChoiceField's copy also clones its queryset, which this field
        # never evaluates (values are looked up in `preloaded`): Field's copy is enough. The copy shares
        # the queryset of the class's field, so it is read only through .all() (never cached).
        return forms.Field.__deepcopy__(self, memo)

    def to_python(self, value):
        if self.preloaded is None or value in self.empty_values:
            return super().to_python(value)
        found = self.preloaded.get(str(value))
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return found


def _import_formfield(db_field, **kwargs):
    if isinstance(db_field, models.ForeignKey):
        kwargs["form_class"] = PreloadedChoiceField
    return db_field.formfield(**kwargs)


@dataclass
class RowChecks:
    """What checking the rows of one import needs, loaded once instead of queried per row."""

    choices: dict[str, dict[str, Any]]  # form field → {str(pk): object} of the form's own queryset
    ref_owners: dict[str, Exhibition | None]  # the file's external references → who holds them
    events: EventsByVenue  # the stored events at the file's venues within the file's dates


class ImportRowForm(ExhibitionForm):
    """ExhibitionForm for one imported row: the same fields, clean() and messages, without a query per row.

    - choices (batch, city, venue, organiser, brand) come from the form's own querysets, loaded once;
    - the model is validated as the services validate it (services.exhibition_validate: field validation
      and exhibitions/validators.py; loaded foreign keys not looked up again; the database constraints the
      validators mirror not queried one by one), instead of ModelForm's stock full_clean(), which spends
      some 15 queries a row on exactly those; the external reference is answered from the import's query;
    - the venue-capacity warning (as ExhibitionForm's) comes from the events loaded once.
    """

    class Meta(ExhibitionForm.Meta):
        formfield_callback = _import_formfield

    def __init__(self, *args, checks: RowChecks | None, **kwargs):
        super().__init__(*args, for_import=True, **kwargs)
        self.checks = checks
        for name, choices in (checks.choices if checks else {}).items():
            self.fields[name].preloaded = choices

    def _post_clean(self):
        assert self.checks is not None, "ImportRowForm validates with the import's RowChecks"
        # ModelForm._post_clean() with the services' model validation.
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as error:
            self.add_error(None, error)
        # ModelForm's exclusions for this form: model fields it does not edit, and fields that already failed.
        exclude = {f.name for f in Exhibition._meta.fields if f.name not in self._meta.fields or f.name in self.errors}
        try:
            exhibition_validate(self.instance, exclude=exclude, ref_owners=self.checks.ref_owners)
        except ValidationError as error:
            self.add_error(None, error)
        self.validate_unique()  # no query: Exhibition has no unique field but its primary key
        # ExhibitionForm._post_clean()'s warning: the venue shared beyond its capacity, unless confirmed.
        if not self.errors:
            self.overlap = venue_overlap(self.instance, others=self.checks.events.near(self.instance))
            if (
                self.overlap is not None
                and self.overlap.over_capacity
                and not self.cleaned_data.get("confirm_over_capacity")
            ):
                self.add_error("confirm_over_capacity", self.overlap.message())


def _row_checks(actor, parsed: ParsedFile, lookups: Lookups, existing: list[Exhibition]) -> RowChecks:
    """RowChecks for the file: 5 queries for the choices, 1 for the events (references: the caller's)."""
    template = ImportRowForm(user=actor, checks=None)
    choices = {
        name: {str(obj.pk): obj for obj in field.queryset.all()}
        for name, field in template.fields.items()
        if isinstance(field, PreloadedChoiceField)
    }
    # Every venue and date a row can end up with: a cell's, or (columns the file lacks) a stored row's.
    venue_ids = {e.venue_id for e in existing}
    dates = {d for e in existing for d in (e.start_date, e.end_date)}
    for _number, values in parsed.rows:
        try:
            venue = lookups.find("venue", values.get("venue"))
            if venue is not None:
                venue_ids.add(venue.pk)
        except CellError:
            pass
        for key in ("start_date", "end_date"):
            try:
                text = _date(values.get(key))
            except CellError:
                continue
            if text:
                dates.add(dt.date.fromisoformat(text))
    events = EventsByVenue(events_at_venues(venue_ids, min(dates, default=None), max(dates, default=None)))
    return RowChecks(choices=choices, ref_owners={}, events=events)


def run_import(
    *,
    actor,
    parsed: ParsedFile,
    dry_run: bool,
    confirm_over_capacity: bool = False,
    filename: str = "",
    expected_versions: dict[int, int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Validate (dry run) or write every row; writes happen all together or not at all.

    First every row goes through the exhibition form, as a single edit would (nothing is written yet);
    then the rows that passed are written by the services in one transaction, which is rolled back for
    a dry run or when any row failed (the services' own checks, e.g. the capacity of a venue shared by
    rows of the same file, are reported as row errors too).

    Neither step queries per row: what the checks need is loaded once (Lookups, RowChecks, the services'
    ExhibitionBulkWrite) and the rows are written with bulk statements, one progress recompute
    requested per affected year. Should the bulk write meet a conflict nothing checked for (a
    concurrent write), the rows are written again one by one, so that the error names its row.

    `expected_versions` ({exhibition id: version} as seen by the preview) makes the confirmed import
    refuse rows whose exhibition somebody changed in between, instead of silently overwriting it.

    `progress(rows_done, rows_total)`, when given, is called every PROGRESS_EVERY rows as rows are
    checked, and once more with (rows_total, rows_total) at the end, after the transaction has been
    committed or rolled back, in a dry run and a real run alike. rows_done never decreases. It is never
    called inside the import's transaction, so whatever it writes is committed at once.
    """
    from exhibitions.services import VersionConflict

    expected_versions = dict(expected_versions or {})

    result = ImportResult()
    lookups = Lookups()
    ids = {_safe_id(v.get("id")) for _n, v in parsed.rows} - {None}
    refs = {_text(v.get("external_ref")) for _n, v in parsed.rows} - {""}
    existing_by_id = {e.pk: e for e in Exhibition.objects.filter(pk__in=ids)} if ids else {}
    existing_by_ref = {e.external_ref: e for e in Exhibition.objects.filter(external_ref__in=refs)} if refs else {}
    stored = [*existing_by_id.values(), *existing_by_ref.values()]
    changeable = (
        set(
            Exhibition.objects.for_user(actor, CHANGE)
            .filter(pk__in=[e.pk for e in stored])
            .values_list("pk", flat=True)
        )
        if stored
        else set()
    )
    checks = _row_checks(actor, parsed, lookups, stored)
    checks.ref_owners = dict.fromkeys(refs) | {e.external_ref: e for e in stored if e.external_ref}
    seen_refs: dict[str, int] = {}
    reason = _("Imported from %(file)s") % {"file": filename} if filename else _("Imported")

    def fail(number: int, key: str | None, message: str, row_errors: list) -> None:
        error = RowError(row=number, column=column_label(BY_KEY.get(key) if key else None), message=str(message))
        result.errors.append(error)
        row_errors.append(error)

    # 1. Every row through the form (reads only). Only what the writes need is kept, not the forms:
    # thousands of live forms (hundreds of objects each) would make Python's garbage collector the
    # slowest part of the import.
    valid: list[tuple[int, Exhibition | None, int | None, dict, list[RowError]]] = []
    planned: list[tuple[str, int | None, dt.date, dt.date]] = []  # each valid row's reference, venue, dates
    total = len(parsed.rows)
    for done, (number, values) in enumerate(parsed.rows):
        if progress is not None and done and done % PROGRESS_EVERY == 0:
            progress(done, total)
        row_errors: list[RowError] = []
        ref = _text(values.get("external_ref"))
        row_id = None
        try:
            row_id = _int(values.get("id"))
        except CellError as exc:
            fail(number, "id", str(exc), row_errors)
        existing = existing_by_id.get(row_id) if row_id else None
        if row_id and existing is None:
            fail(number, "id", _("No exhibition has the id %(id)s.") % {"id": row_id}, row_errors)
        if existing is None and ref:
            existing = existing_by_ref.get(ref)
        if ref:
            if ref in seen_refs:
                fail(
                    number,
                    "external_ref",
                    _("“%(ref)s” also appears in row %(row)s.") % {"ref": ref, "row": seen_refs[ref]},
                    row_errors,
                )
            seen_refs[ref] = number
        if existing is not None and existing.pk not in changeable:
            fail(number, "id" if row_id else "external_ref", _("You may not change this exhibition."), row_errors)
        base = _instance_form_data(existing) if existing is not None else {}
        data, cell_errors = row_to_form_data(values, lookups, base)
        for key, message in cell_errors.items():
            fail(number, key, message, row_errors)
        name = data.get("name_zh") or data.get("name_en") or ""
        action = "update" if existing is not None else "create"
        if not row_errors:
            old_year = existing.start_date.year if existing is not None else None  # before the form changes it
            if confirm_over_capacity:
                data["confirm_over_capacity"] = "on"
            form = ImportRowForm(data=data, instance=existing, user=actor, checks=checks)
            if form.is_valid():
                valid.append((number, existing, old_year, form.service_data(), row_errors))
                instance = form.instance
                planned.append((instance.external_ref, instance.venue_id, instance.start_date, instance.end_date))
            else:
                for key, messages in form.errors.items():
                    for message in messages:
                        fail(number, key if key in BY_KEY else None, message, row_errors)
        result.rows.append({"row": number, "action": action, "name": name, "errors": row_errors})

    # 2. The rows that passed, written by the services in one transaction.
    def write(bulk: ExhibitionBulkWrite | None) -> tuple[ImportResult, list[tuple[int, str | None, str, list]]]:
        """The services' writes of the valid rows: counts, years, versions and the row errors."""
        outcome = ImportResult()
        failures: list[tuple[int, str | None, str, list]] = []
        versions_left = dict(expected_versions)
        row_of: dict[int, tuple[int, list]] = {}
        for number, existing, old_year, data, row_errors in valid:
            try:
                if existing is None:
                    exhibition = exhibition_create(
                        actor=actor,
                        data=data,
                        confirm_over_capacity=confirm_over_capacity,
                        change_reason=reason,
                        bulk=bulk,
                    )
                    outcome.created += 1
                else:
                    outcome.versions.setdefault(existing.pk, existing.version)
                    exhibition = exhibition_update(
                        actor=actor,
                        exhibition=existing,
                        data=data,
                        expected_version=versions_left.pop(existing.pk, None),
                        confirm_over_capacity=confirm_over_capacity,
                        change_reason=reason,
                        bulk=bulk,
                    )
                    outcome.updated += 1
                outcome.years |= {exhibition.start_date.year, old_year} - {None}
                row_of[id(exhibition)] = (number, row_errors)
            except ValidationError as exc:
                by_key = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                for key, messages in by_key.items():
                    for message in messages:
                        failures.append((number, key if key in BY_KEY else None, message, row_errors))
            except PermissionDenied as exc:
                failures.append((number, None, str(exc) or _("You may not save this exhibition."), row_errors))
            except VersionConflict as exc:
                who = exc.current.updated_by or _("somebody else")
                message = _(
                    "%(who)s changed this exhibition after the preview; upload the file again to review it."
                ) % {"who": who}
                failures.append((number, None, message, row_errors))
        if bulk is not None:
            for exhibition in bulk.flush():
                number, row_errors = row_of[id(exhibition)]
                failures.append((number, None, str(PermissionDenied(OUT_OF_SCOPE)), row_errors))
        return outcome, failures

    with transaction.atomic():
        try:
            with transaction.atomic():
                span = [day for _ref, _venue, start, end in planned for day in (start, end)]
                bulk = ExhibitionBulkWrite(
                    actor=actor,
                    update_ids={existing.pk for _n, existing, _y, _d, _r in valid if existing is not None},
                    external_refs={ref for ref, _venue, _start, _end in planned},
                    venue_ids={venue for _ref, venue, _start, _end in planned},
                    dates=(min(span), max(span)) if span else None,
                )
                outcome, failures = write(bulk)
        except IntegrityError:  # nothing checked for it (a concurrent write?): row by row names the row
            outcome, failures = write(None)
        result.created, result.updated = outcome.created, outcome.updated
        result.years, result.versions = outcome.years, outcome.versions
        for number, key, message, row_errors in failures:
            fail(number, key, message, row_errors)
        if dry_run or result.errors:
            transaction.set_rollback(True)
    result.errors.sort(key=lambda error: error.row)  # in file order (stable: a row's errors keep theirs)
    result.committed = not dry_run and not result.errors
    if progress is not None:
        progress(total, total)
    return result


def _safe_id(value) -> int | None:
    try:
        return _int(value)
    except CellError:
        return None
