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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, router, transaction
from django.utils.translation import gettext_lazy as _

from core.roles import ADD, CHANGE, DELETE
from core.writes import may, reference_save
from exhibitions.models import Brand, Exhibition, Organizer
from exhibitions.validators import MIRRORED_CONSTRAINTS, venue_overlap

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


def _validate(exhibition: Exhibition) -> None:
    """Model validation with field-named messages: full_clean() (field validation and Exhibition.clean(),
    i.e. exhibitions/validators.py, incl. the unique external reference), then Django's validation of
    every database constraint those checks do not already mirror (MIRRORED_CONSTRAINTS).

    The mirrored constraints are not re-checked with one query each: an import validates thousands of
    rows. Foreign keys given as loaded instances are not looked up again. A violation nothing foresaw
    still cannot be stored (database constraints) and is reported as a ValidationError by the save.
    """
    loaded = {name for name in FOREIGN_KEYS if getattr(exhibition, f"{name}_id") is not None}
    errors: dict[str, list[ValidationError]] = {}
    try:
        exhibition.full_clean(exclude=loaded, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    failed = set(errors) - {NON_FIELD_ERRORS}  # as full_clean(): constraints only over fields that passed
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
    exhibition: Exhibition, *, actor: User, confirm_over_capacity: bool, change_reason: str | None
) -> None:
    _validate(exhibition)
    if not confirm_over_capacity:
        overlap = venue_overlap(exhibition)
        if overlap is not None and overlap.over_capacity:
            raise ValidationError(
                {"confirm_over_capacity": ValidationError(overlap.message(), code="venue_over_capacity")}
            )
    exhibition.updated_by = actor if getattr(actor, "pk", None) else None
    # django-simple-history reads who and why from these attributes of the instance being saved.
    exhibition._history_user = exhibition.updated_by  # type: ignore[attr-defined]
    if change_reason:
        exhibition._change_reason = change_reason  # type: ignore[attr-defined]
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
) -> Exhibition:
    """Create an exhibition from `data` (model field names → values, foreign keys as instances)."""
    with transaction.atomic():
        exhibition = Exhibition()
        _apply(exhibition, data)
        exhibition.version = 1
        exhibition.created_by = actor if getattr(actor, "pk", None) else None
        _check_and_save(
            exhibition, actor=actor, confirm_over_capacity=confirm_over_capacity, change_reason=change_reason
        )
        if not _in_scope(actor=actor, pk=exhibition.pk, action=ADD):
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
) -> Exhibition:
    """Change `exhibition`; `expected_version` is the version the caller's edit was based on (None: no check).

    A change that leaves every field as stored writes nothing: no new version, no history record, no
    recompute request (the version is still checked). The venue-capacity confirmation is asked only when
    the change touches what decides it (OVERLAP_FIELDS).
    """
    with transaction.atomic():
        current = _locked_in_scope(actor=actor, exhibition=exhibition, action=CHANGE)
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
        )
        if not _in_scope(actor=actor, pk=current.pk, action=CHANGE):
            raise PermissionDenied(OUT_OF_SCOPE)
    return current


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
