"""Writes to exhibitions: the only way views, import and the API create, change or delete them.

Every function is keyword-only and atomic:
- bad data raises django ValidationError keyed by field name (nothing is written);
- writing outside the actor's scope raises PermissionDenied — checked again *inside* the transaction
  on the saved row with the one scoping rule, `Exhibition.objects.for_user(actor, action)`, and rolled
  back when the saved object left the scope (e.g. a city official setting status "held");
- `exhibition_update`/`exhibition_delete` with `expected_version` raise VersionConflict when somebody
  else saved in between (optimistic locking on `Exhibition.version`); an update that changes no field
  writes nothing (same version, no history record, no recompute request);
- a venue shared on overlapping dates beyond its capacity raises ValidationError on
  "confirm_over_capacity" unless `confirm_over_capacity=True` (on update only when the change touches
  the venue, the dates, the gross area, the status or the outbound flag).
History (who, when, before → after) is recorded by django-simple-history for every write; progress
figures are refreshed by the targets app's model signals (targets/signals.py) after commit.

Many rows at once (the import): pass one `ExhibitionBulkWrite` as `bulk=` to exhibition_create /
exhibition_update inside one transaction, then call its `flush()`. Each row is checked exactly as
above, but against what the bulk write loaded once instead of a few queries per row, and is queued
instead of saved; flush() writes the queue with bulk statements (history included) and re-checks the
scope of every written row with one query.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import ADD, CHANGE, DELETE
from core.writes import may, reference_save
from exhibitions.models import Brand, Exhibition, Organizer
from exhibitions.validators import (
    MIRRORED_CONSTRAINTS,
    EventsByVenue,
    events_at_venues,
    exhibition_errors,
    venue_overlap,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Fields a caller may set through `data` (model field names; foreign keys as model instances).
EDITABLE_FIELDS: tuple[str, ...] = (
    "name_zh",
    "name_en",
    "batch",
    "brand",
    "edition",
    "city",
    "venue",
    "start_date",
    "end_date",
    "gross_area_m2",
    "net_area_m2",
    "status",
    "organizer",
    "is_international",
    "is_independent_brand",
    "is_green",
    "is_digital",
    "is_flagship",
    "is_outbound",
    "destination_country",
    "is_belt_and_road",
    "is_rcep",
    "exhibitors",
    "visitors",
    "external_ref",
    "notes",
)


class VersionConflict(Exception):
    """Somebody saved a newer version since the caller read `expected_version`."""

    def __init__(self, *, current: Exhibition, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        super().__init__(
            f"exhibition {current.pk} is at version {current.version}, the change was based on {expected_version}"
        )


OUT_OF_SCOPE = _(
    "You may not save this exhibition: city officials may only create and edit planned exhibitions of their own city."
)


def _apply(exhibition: Exhibition, data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    for name, value in data.items():
        setattr(exhibition, name, value)
    venue = exhibition.venue if "venue" in data and "city" not in data and not exhibition.is_outbound else None
    if venue is not None:
        # City of an event is its venue's city (SPEC §3); a given city that differs is reported by the validators.
        exhibition.city_id = venue.city_id


FOREIGN_KEYS = ("batch", "brand", "city", "venue", "organizer", "created_by", "updated_by")


def exhibition_validate(
    exhibition: Exhibition,
    *,
    exclude: Iterable[str] = (),
    ref_owners: Mapping[str, Exhibition | None] | None = None,
) -> None:
    """Model validation with field-named messages: full_clean() (field validation and Exhibition.clean(),
    i.e. exhibitions/validators.py, incl. the unique external reference), then Django's validation of
    every database constraint those checks do not already mirror (MIRRORED_CONSTRAINTS).

    The mirrored constraints are not re-checked with one query each: an import validates thousands of
    rows. Foreign keys given as loaded instances are not looked up again. A violation nothing foresaw
    still cannot be stored (database constraints) and is reported as a ValidationError by the save.
    `exclude`: fields not to validate (as Model.full_clean()'s). `ref_owners`: who holds each external
    reference, known already (exhibitions.validators.exhibition_errors): then no query at all.
    """
    loaded = {name for name in FOREIGN_KEYS if getattr(exhibition, f"{name}_id") is not None}
    loaded |= set(exclude)
    errors: dict[str, list[ValidationError]] = {}
    if ref_owners is None:
        try:
            exhibition.full_clean(exclude=loaded, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    else:  # the same two steps as full_clean(): clean_fields(), then Exhibition.clean()'s exhibition_errors()
        try:
            exhibition.clean_fields(exclude=loaded)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        found = exhibition_errors(exhibition, ref_owners=ref_owners)
        if found:
            errors = ValidationError(found).update_error_dict(errors)
    failed = (set(errors) - {NON_FIELD_ERRORS}) | set(exclude)  # as full_clean(): only fields that passed
    using = router.db_for_write(Exhibition, instance=exhibition)
    for constraint in Exhibition._meta.constraints:
        if constraint.name in MIRRORED_CONSTRAINTS:
            continue
        try:
            # BaseConstraint.validate() is Django's documented API; django-stubs 5.2.9 does not declare it.
            constraint.validate(Exhibition, exhibition, exclude=failed, using=using)  # type: ignore[attr-defined]
        except ValidationError as error:
            fields: Sequence[str] = getattr(constraint, "fields", ())
            if error.code == "unique" and len(fields) == 1:  # keyed by its field, as Model.validate_constraints()
                errors.setdefault(fields[0], []).append(error)
            else:
                errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _check_and_save(
    exhibition: Exhibition,
    *,
    actor: User,
    confirm_over_capacity: bool,
    change_reason: str | None,
    bulk: ExhibitionBulkWrite | None = None,
    changed: frozenset[str] | set[str] = frozenset(),
) -> None:
    exhibition_validate(exhibition, ref_owners=bulk.ref_owners if bulk is not None else None)
    if not confirm_over_capacity:
        overlap = venue_overlap(exhibition, others=bulk.sharing(exhibition) if bulk is not None else None)
        if overlap is not None and overlap.over_capacity:
            raise ValidationError(
                {"confirm_over_capacity": ValidationError(overlap.message(), code="venue_over_capacity")}
            )
    exhibition.updated_by = actor if getattr(actor, "pk", None) else None
    # django-simple-history reads who and why from these attributes of the instance being saved.
    exhibition._history_user = exhibition.updated_by  # type: ignore[attr-defined]
    if change_reason:
        exhibition._change_reason = change_reason  # type: ignore[attr-defined]
    if bulk is not None:
        bulk.queue(exhibition, changed)
        return
    try:
        with transaction.atomic():
            exhibition.save()
    except IntegrityError as exc:  # a constraint the validators did not foresee, or a row deleted meanwhile
        raise ValidationError(
            _("The exhibition could not be saved: the data conflicts with what is stored (%(reason)s).")
            % {"reason": str(exc).splitlines()[0][:200]}
        ) from exc


def _in_scope(*, actor: User, pk: int, action: str) -> bool:
    return may(actor=actor, model=Exhibition, action=action, pk=pk)


def exhibition_create(
    *,
    actor: User,
    data: Mapping[str, Any],
    confirm_over_capacity: bool = False,
    change_reason: str | None = None,
    bulk: ExhibitionBulkWrite | None = None,
) -> Exhibition:
    """Create an exhibition from `data` (model field names → values, foreign keys as instances).

    With `bulk`: checked the same way, then queued (saved and scope-checked by `bulk.flush()`).
    """
    with transaction.atomic() if bulk is None else nullcontext():
        exhibition = Exhibition()
        _apply(exhibition, data)
        exhibition.version = 1
        exhibition.created_by = actor if getattr(actor, "pk", None) else None
        _check_and_save(
            exhibition,
            actor=actor,
            confirm_over_capacity=confirm_over_capacity,
            change_reason=change_reason,
            bulk=bulk,
        )
        if bulk is None and not _in_scope(actor=actor, pk=exhibition.pk, action=ADD):
            raise PermissionDenied(OUT_OF_SCOPE)
    return exhibition


def _locked_in_scope(*, actor: User, exhibition: Exhibition, action: str) -> Exhibition:
    current = Exhibition.objects.for_user(actor, action).select_for_update().filter(pk=exhibition.pk).first()
    if current is None:
        if Exhibition.objects.filter(pk=exhibition.pk).exists():
            raise PermissionDenied(OUT_OF_SCOPE)
        raise Exhibition.DoesNotExist(f"exhibition {exhibition.pk} no longer exists")
    return current


# What decides whether a venue is shared beyond its capacity (exhibitions.validators.venue_overlap): an
# update touching none of these cannot make the overlap worse, so it needs no new confirmation.
OVERLAP_FIELDS: frozenset[str] = frozenset(
    {"venue", "start_date", "end_date", "gross_area_m2", "status", "is_outbound"}
)


def _stored_values(exhibition: Exhibition) -> dict[str, Any]:
    """The editable fields' values as stored (foreign keys by id: no queries)."""
    return {name: getattr(exhibition, f"{name}_id" if name in FOREIGN_KEYS else name) for name in EDITABLE_FIELDS}


def exhibition_update(
    *,
    actor: User,
    exhibition: Exhibition,
    data: Mapping[str, Any],
    expected_version: int | None,
    confirm_over_capacity: bool = False,
    change_reason: str | None = None,
    bulk: ExhibitionBulkWrite | None = None,
) -> Exhibition:
    """Change `exhibition`; `expected_version` is the version the caller's edit was based on (None: no check).

    A change that leaves every field as stored writes nothing: no new version, no history record, no
    recompute request (the version is still checked). The venue-capacity confirmation is asked only when
    the change touches what decides it (OVERLAP_FIELDS). With `bulk`: the row as `bulk` locked it (and
    as earlier queued changes left it), checked the same way, then queued for `bulk.flush()`.
    """
    with transaction.atomic() if bulk is None else nullcontext():
        if bulk is None:
            current = _locked_in_scope(actor=actor, exhibition=exhibition, action=CHANGE)
        else:
            current = bulk.current(exhibition.pk)
        if expected_version is not None and current.version != expected_version:
            raise VersionConflict(current=current, expected_version=expected_version)
        before = _stored_values(current)
        _apply(current, data)
        changed = {name for name, value in _stored_values(current).items() if before[name] != value}
        if not changed:
            return current
        current.version = current.version + 1
        _check_and_save(
            current,
            actor=actor,
            confirm_over_capacity=confirm_over_capacity or not changed & OVERLAP_FIELDS,
            change_reason=change_reason,
            bulk=bulk,
            changed=changed,
        )
        if bulk is None and not _in_scope(actor=actor, pk=current.pk, action=CHANGE):
            raise PermissionDenied(OUT_OF_SCOPE)
    return current


class ExhibitionBulkWrite:
    """Many creates and updates by one actor, written together (the import); see the module docstring.

    Loaded once, inside the caller's transaction: the exhibitions to update (locked, as
    `_locked_in_scope` locks one), the holders of `external_refs` and the stored events at `venue_ids`
    overlapping `dates`. Every queued row updates that picture, so each row is checked against the rows
    queued before it, as if they had been saved one by one. Rows whose checks fail leave it unchanged
    (an update works on a copy until it is queued).
    """

    def __init__(
        self,
        *,
        actor: User,
        update_ids: Iterable[int],
        external_refs: Iterable[str],
        venue_ids: Iterable[int],
        dates: tuple[date, date] | None,
    ):
        if not transaction.get_connection().in_atomic_block:
            raise transaction.TransactionManagementError("ExhibitionBulkWrite needs a transaction")
        self.actor = actor
        ids = set(update_ids)
        self._locked = {
            e.pk: e
            for e in Exhibition.objects.for_user(actor, CHANGE).select_for_update().filter(pk__in=ids).order_by("pk")
        }  # locked in id order: two imports of overlapping rows wait for each other instead of deadlocking
        missing = ids - set(self._locked)
        self._out_of_scope = (
            set(Exhibition.objects.filter(pk__in=missing).values_list("pk", flat=True)) if missing else set()
        )
        self._loaded_year = {pk: e.start_date.year for pk, e in self._locked.items()}
        refs = set(external_refs) - {""}
        self.ref_owners: dict[str, Exhibition | None] = dict.fromkeys(refs)
        for holder in Exhibition.objects.filter(external_ref__in=refs) if refs else ():
            self.ref_owners[holder.external_ref] = self._locked.get(holder.pk, holder)
        stored = events_at_venues(venue_ids, *dates) if dates else []
        self._events = EventsByVenue(self._locked.get(event.pk, event) for event in stored)
        for event in self._locked.values():
            self._events.place(event)
        self._creates: list[Exhibition] = []
        self._updates: list[tuple[Exhibition, set[str]]] = []  # in order; one exhibition may come twice
        self._years: set[int] = set()

    def current(self, pk: int) -> Exhibition:
        """The locked row `pk` as the queue left it, as a copy to change (what `_locked_in_scope` gives)."""
        if pk not in self._locked:
            if pk in self._out_of_scope:
                raise PermissionDenied(OUT_OF_SCOPE)
            raise Exhibition.DoesNotExist(f"exhibition {pk} no longer exists")
        return copy.copy(self._locked[pk])

    def sharing(self, exhibition: Exhibition) -> list[Exhibition]:
        """The events near the exhibition at its venue, as queued so far (for venue_overlap(..., others=...))."""
        return self._events.near(exhibition)

    def queue(self, exhibition: Exhibition, changed: frozenset[str] | set[str]) -> None:
        """Called by _check_and_save() instead of saving: the row passed every check (`changed`: the
        fields an update changes)."""
        if exhibition.pk is None:
            self._creates.append(exhibition)
            self._years.add(exhibition.start_date.year)
        else:
            before = self._locked[exhibition.pk]
            if before.external_ref and self.ref_owners.get(before.external_ref) is before:
                self.ref_owners[before.external_ref] = None
            self._locked[exhibition.pk] = exhibition
            self._updates.append((exhibition, set(changed)))
            self._years |= {exhibition.start_date.year, self._loaded_year[exhibition.pk]}
        if exhibition.external_ref:
            self.ref_owners[exhibition.external_ref] = exhibition
        self._events.place(exhibition)

    def flush(self) -> list[Exhibition]:
        """Write the queue: bulk INSERT and UPDATE with their history records (simple_history, each with
        its actor and change reason), then re-check the scope of every written row (one query per
        action). Returns the rows outside the actor's scope (the caller rolls back); requests one
        progress recompute per affected year after commit (bulk writes send no model signals).
        An IntegrityError (something nothing foresaw, e.g. a concurrent write) propagates.
        """
        from simple_history.utils import bulk_create_with_history, bulk_update_with_history

        from targets.services import progress_data_changed

        refused: list[Exhibition] = []
        if self._creates:
            bulk_create_with_history(self._creates, Exhibition)
            allowed = set(
                Exhibition.objects.for_user(self.actor, ADD)
                .filter(pk__in=[e.pk for e in self._creates])
                .values_list("pk", flat=True)
            )
            refused += [e for e in self._creates if e.pk not in allowed]
        # One bulk UPDATE per round: the n-th change of each exhibition in round n (nearly always one).
        rounds: list[list[tuple[Exhibition, set[str]]]] = []
        seen: dict[int, int] = {}
        for exhibition, changed in self._updates:
            n = seen[exhibition.pk] = seen.get(exhibition.pk, -1) + 1
            if n == len(rounds):
                rounds.append([])
            rounds[n].append((exhibition, changed))
        now = timezone.now()
        for updates in rounds:
            fields = sorted(set().union(*(changed for _e, changed in updates)))
            objs = [e for e, _changed in updates]
            for exhibition in objs:
                exhibition.updated_at = now  # auto_now: bulk_update() does not call pre_save()
            bulk_update_with_history(
                objs, Exhibition, [*fields, "version", "updated_by", "updated_at"], batch_size=BULK_BATCH
            )
        if self._updates:
            pks = {e.pk for e, _changed in self._updates}
            allowed = set(
                Exhibition.objects.for_user(self.actor, CHANGE).filter(pk__in=pks).values_list("pk", flat=True)
            )
            refused += [self._locked[pk] for pk in sorted(pks - allowed)]
        if self._years:
            progress_data_changed(years=self._years)
        return refused


BULK_BATCH = 500  # rows per bulk UPDATE (its CASE … WHEN costs grow with the square of the rows)


def exhibition_delete(*, actor: User, exhibition: Exhibition, expected_version: int | None = None) -> None:
    """Delete `exhibition` (recorded in its history with the actor)."""
    with transaction.atomic():
        current = _locked_in_scope(actor=actor, exhibition=exhibition, action=DELETE)
        if expected_version is not None and current.version != expected_version:
            raise VersionConflict(current=current, expected_version=expected_version)
        current._history_user = actor if getattr(actor, "pk", None) else None  # type: ignore[attr-defined]
        current.delete()


def organizer_save(*, actor: User, organizer: Organizer, data: dict[str, Any]) -> Organizer:
    """Create or update an organiser (staff only)."""
    return reference_save(actor=actor, instance=organizer, data=data)


def brand_save(*, actor: User, brand: Brand, data: dict[str, Any]) -> Brand:
    """Create or update a brand (staff only)."""
    return reference_save(actor=actor, instance=brand, data=data)
