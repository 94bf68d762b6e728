"""Writes to venues (staff only, via the one scoping rule)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.writes import reference_save
from venues.models import Venue

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def venue_save(*, actor: User, venue: Venue, data: dict[str, Any]) -> Venue:
    """Create (a Venue without pk) or update `venue` with `data` (field names → values)."""
    return reference_save(actor=actor, instance=venue, data=data)
