"""Rules every exhibition must satisfy, shared by the model's clean(), forms, import and the API.

`exhibition_errors()` returns field-keyed messages for one in-memory Exhibition (nothing is saved);
`venue_overlap()` finds the non-cancelled events sharing the venue on overlapping dates — a warning
that needs an explicit confirmation when the combined gross area exceeds the venue's capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


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


def exhibition_errors(exhibition) -> dict[str, list]:
    """Cross-field checks on an unsaved or changed Exhibition; {} when everything is fine."""
    errors: dict[str, list] = {}

    def add(name: str, message, code: str, **params) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=code, params=params or None))

    start, end = exhibition.start_date, exhibition.end_date
    if start and end and end < start:
        add("end_date", _("The end date is before the start date."), "end_before_start")

    if not (exhibition.name_zh or "").strip() and not (exhibition.name_en or "").strip():
        add("name_zh", _("Give the exhibition a Chinese or an English name."), "name_missing")

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

        if Exhibition.objects.filter(external_ref=ref).exclude(pk=exhibition.pk).exists():
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


def venue_overlap(exhibition) -> VenueOverlap | None:
    """Events sharing the venue on overlapping dates (two queries), or None without venue/dates."""
    from exhibitions.models import Exhibition

    venue = exhibition.venue if exhibition.venue_id else None
    if venue is None or exhibition.is_outbound or not exhibition.start_date or not exhibition.end_date:
        return None
    if exhibition.status == Exhibition.Status.CANCELLED:
        return None
    others = (
        Exhibition.objects.filter(
            venue_id=venue.pk, start_date__lte=exhibition.end_date, end_date__gte=exhibition.start_date
        )
        .exclude(status=Exhibition.Status.CANCELLED)
        .exclude(pk=exhibition.pk)
        .order_by("start_date", "pk")
    )
    rows = list(others[:20])
    total = others.aggregate(total=Sum("gross_area_m2"))["total"] or 0 if rows else 0
    return VenueOverlap(
        capacity_m2=venue.capacity_m2,
        others=rows,
        others_gross_m2=total,
        combined_gross_m2=total + (exhibition.gross_area_m2 or 0),
    )
