"""Rules every exhibition must satisfy, shared by the model's clean(), forms, import and the API.

`exhibition_errors()` returns field-keyed messages for one in-memory Exhibition (nothing is saved);
`venue_overlap()` finds the non-cancelled events sharing the venue on overlapping dates — a warning
that needs an explicit confirmation when the combined gross area exceeds the venue's capacity.

Both ask the database (one query for the external reference, two for the overlap). A caller checking
many rows at once (the import) loads the answers once instead — `ref_owners` (who holds each external
reference) and `others` (the events near the row, from an `EventsByVenue` of `events_at_venues()`) —
and gets the same answers and messages without a query per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from core.i18n import bidi_errors


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


# The database constraints (Exhibition.Meta.constraints) that model validation already checks with a
# message naming a field: exhibition_errors() below, or the field's own validation in full_clean()
# (choices, non-negative integers). Each maps to the field its message is keyed by. The services skip
# Django's query-per-constraint re-check of exactly these (exhibitions.services._validate); every other
# constraint is validated by Django as usual, and the database enforces them all.
# tests/exhibitions/test_constraints.py checks each mapping against a row that violates the constraint.
MIRRORED_CONSTRAINTS: dict[str, str] = {
    "exhibition_end_not_before_start": "end_date",
    "exhibition_gross_area_non_negative": "gross_area_m2",
    "exhibition_net_area_non_negative": "net_area_m2",
    "exhibition_net_area_not_above_gross": "net_area_m2",
    "exhibition_outbound_has_destination_no_venue": "destination_country",  # or "venue"
    "exhibition_has_a_name": "name_zh",
    "exhibition_version_positive": "version",
    "exhibition_status_valid": "status",
    "exhibition_external_ref_unique": "external_ref",
}


def same_exhibition(one, other) -> bool:
    """Whether two in-memory objects stand for the same exhibition (a new, unsaved one only for itself)."""
    return one is other or (one.pk is not None and one.pk == other.pk)


def exhibition_errors(exhibition, *, ref_owners: Mapping[str, Any] | None = None) -> dict[str, list]:
    """Cross-field checks on an unsaved or changed Exhibition; {} when everything is fine.

    `ref_owners` ({external reference: the exhibition holding it, or None when nobody does}) answers the
    uniqueness of the external reference without a query for the references it lists.
    """
    errors: dict[str, list] = {}

    def add(name: str, message, code: str, **params) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=code, params=params or None))

    start, end = exhibition.start_date, exhibition.end_date
    if start and end and end < start:
        add("end_date", _("The end date is before the start date."), "end_before_start")

    if not (exhibition.name_zh or "").strip() and not (exhibition.name_en or "").strip():
        add("name_zh", _("Give the exhibition a Chinese or an English name."), "name_missing")
    for name, found in bidi_errors(exhibition).items():  # core.i18n: the one check of every name
        errors.setdefault(name, []).extend(found)

    if exhibition.version is not None and exhibition.version < 1:  # set by the services, never by input
        add("version", _("The version must be 1 or more."), "version_not_positive")

    gross = exhibition.gross_area_m2
    venue = exhibition.venue if exhibition.venue_id else None
    # Never negative (a database constraint); 0 only where the batch does not count as an exhibition: a
    # conference may use no exhibition space at all.
    counts_as_exhibition = exhibition.batch.counts_as_exhibition if exhibition.batch_id else True
    if gross is not None and (gross < 0 or (gross == 0 and counts_as_exhibition)):
        add("gross_area_m2", _("The gross area must be greater than 0 m²."), "gross_not_positive")
    elif gross is not None and venue is not None and venue.capacity_m2 is not None and gross > venue.capacity_m2:
        add(
            "gross_area_m2",
            _("The gross area (%(gross)s m²) is larger than the venue's capacity (%(capacity)s m², indoor + outdoor)."),
            "gross_above_capacity",
            gross=_n(gross),
            capacity=_n(venue.capacity_m2),
        )

    net = exhibition.net_area_m2
    if net is not None and gross is not None and net > gross:
        add(
            "net_area_m2",
            _("The net area (%(net)s m²) cannot be larger than the gross area (%(gross)s m²)."),
            "net_above_gross",
            net=_n(net),
            gross=_n(gross),
        )

    if exhibition.is_outbound:
        if not (exhibition.destination_country or "").strip():
            add(
                "destination_country",
                _("An outbound exhibition needs a destination country."),
                "outbound_without_destination",
            )
        if venue is not None:
            add(
                "venue",
                _("An outbound exhibition takes place abroad: leave the venue empty."),
                "outbound_with_venue",
            )
    elif venue is not None and exhibition.city_id and venue.city_id != exhibition.city_id:
        add(
            "venue",
            _("The venue %(venue)s is not in the chosen city."),
            "venue_city_mismatch",
            venue=str(venue),
        )
    ref = (exhibition.external_ref or "").strip()
    if ref:
        from exhibitions.models import Exhibition

        if ref_owners is not None and ref in ref_owners:
            owner = ref_owners[ref]
            taken = owner is not None and not same_exhibition(owner, exhibition)
        else:
            taken = Exhibition.objects.filter(external_ref=ref).exclude(pk=exhibition.pk).exists()
        if taken:
            add(
                "external_ref",
                _("Another exhibition already has the external reference “%(ref)s”."),
                "unique",
                ref=ref,
            )
    return errors


def validate_exhibition(exhibition) -> None:
    errors = exhibition_errors(exhibition)
    if errors:
        raise ValidationError(errors)


@dataclass
class VenueOverlap:
    """Other non-cancelled events at the same venue on overlapping dates."""

    capacity_m2: int | None
    others: list = field(default_factory=list)
    others_gross_m2: int = 0
    combined_gross_m2: int = 0

    @property
    def over_capacity(self) -> bool:
        return bool(self.others) and self.capacity_m2 is not None and self.combined_gross_m2 > self.capacity_m2

    def message(self) -> str:
        return _(
            "The venue already hosts %(count)s other event(s) on overlapping dates; together they use "
            "%(combined)s m² of gross area, more than its capacity of %(capacity)s m². "
            "Tick the confirmation box to save anyway."
        ) % {
            "count": len(self.others),
            "combined": _n(self.combined_gross_m2),
            "capacity": _n(self.capacity_m2 or 0),
        }


OVERLAP_LISTED = 20  # overlapping events a VenueOverlap lists (its total counts them all)


def venue_overlap(exhibition, *, others: Iterable | None = None) -> VenueOverlap | None:
    """Events sharing the venue on overlapping dates (two queries), or None without venue/dates.

    With `others` (the events at the venue as the caller knows them, e.g. from `events_at_venues()`),
    the same selection is made in memory: no query.
    """
    from exhibitions.models import Exhibition

    venue = exhibition.venue if exhibition.venue_id else None
    if venue is None or exhibition.is_outbound or not exhibition.start_date or not exhibition.end_date:
        return None
    if exhibition.status == Exhibition.Status.CANCELLED:
        return None
    if others is not None:
        overlapping = sorted(
            (
                other
                for other in others
                if other.venue_id == venue.pk
                and other.start_date <= exhibition.end_date
                and other.end_date >= exhibition.start_date
                and other.status != Exhibition.Status.CANCELLED
                and not same_exhibition(other, exhibition)
            ),
            key=lambda other: (other.start_date, other.pk is None, other.pk or 0),  # unsaved ones last, as new ids
        )
        rows = overlapping[:OVERLAP_LISTED]
        total = sum(other.gross_area_m2 or 0 for other in overlapping)
    else:
        queryset = (
            Exhibition.objects.filter(
                venue_id=venue.pk, start_date__lte=exhibition.end_date, end_date__gte=exhibition.start_date
            )
            .exclude(status=Exhibition.Status.CANCELLED)
            .exclude(pk=exhibition.pk)
            .order_by("start_date", "pk")
        )
        rows = list(queryset[:OVERLAP_LISTED])
        total = queryset.aggregate(total=Sum("gross_area_m2"))["total"] or 0 if rows else 0
    return VenueOverlap(
        capacity_m2=venue.capacity_m2,
        others=rows,
        others_gross_m2=total,
        combined_gross_m2=total + (exhibition.gross_area_m2 or 0),
    )


class EventsByVenue:
    """Events in memory by venue and calendar month, so that `venue_overlap(row, others=index.near(row))`
    looks only at events near the row's dates. `place()` adds an event or moves a changed one (by pk;
    an unsaved one by identity)."""

    def __init__(self, events: Iterable = ()):
        self._buckets: dict[tuple[int, int], dict[Any, Any]] = {}
        self._placed: dict[Any, list[tuple[int, int]]] = {}
        for event in events:
            self.place(event)

    @staticmethod
    def _months(exhibition) -> list[tuple[int, int]]:
        start, end = exhibition.start_date, exhibition.end_date
        if exhibition.venue_id is None or not start or not end:
            return []
        first, last = start.year * 12 + start.month, end.year * 12 + end.month
        return [(exhibition.venue_id, month) for month in range(first, last + 1)]

    def place(self, event) -> None:
        key = event.pk if event.pk is not None else ("unsaved", id(event))
        for bucket in self._placed.pop(key, ()):
            self._buckets[bucket].pop(key, None)
        buckets = self._months(event)
        for bucket in buckets:
            self._buckets.setdefault(bucket, {})[key] = event
        self._placed[key] = buckets

    def near(self, exhibition) -> list:
        """Every event at the exhibition's venue in the months its dates touch (a superset of the overlaps)."""
        found: dict[Any, Any] = {}
        for bucket in self._months(exhibition):
            found.update(self._buckets.get(bucket, {}))
        return list(found.values())


def events_at_venues(venue_ids: Iterable[int], start, end) -> list:
    """The stored non-cancelled events at `venue_ids` overlapping start..end (one query): what
    `venue_overlap(..., others=...)` needs for every row at those venues within those dates."""
    from exhibitions.models import Exhibition

    venue_ids = set(venue_ids) - {None}
    if not venue_ids or start is None or end is None:
        return []
    return list(
        Exhibition.objects.filter(venue_id__in=venue_ids, start_date__lte=end, end_date__gte=start).exclude(
            status=Exhibition.Status.CANCELLED
        )
    )
