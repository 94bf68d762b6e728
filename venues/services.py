"""Writes to venues (staff only, via the one scoping rule)."""

from typing import Any

from core.writes import reference_save
from venues.models import Venue


def venue_save(*, actor, venue: Venue, data: dict[str, Any]) -> Venue:
    return reference_save(actor=actor, instance=venue, data=data)
