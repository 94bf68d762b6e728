import datetime as dt

import pytest

from exhibitions.models import Exhibition
from tests import factories

YEAR = 2024


@pytest.fixture
def programme(db):
    """A small programme in 2024 (and 2023 for the year-on-year): counted and uncounted rows, several
    cities, statuses, batches, months and flags; then a fresh snapshot."""
    from targets.services import progress_recompute

    dalian_venue = factories.VenueFactory(city=factories.city("dalian"))
    shenyang_venue = factories.VenueFactory(city=factories.city("shenyang"))
    small_venue = factories.VenueFactory(city=factories.city("dalian"), is_professional=False)
    spec = [
        (dalian_venue, "held", "market", 3, 20_000, {}),
        (dalian_venue, "held", "brand", 5, 30_000, {"is_flagship": True, "is_international": True}),
        (dalian_venue, "confirmed", "market", 5, 15_000, {"is_green": True}),
        (dalian_venue, "planned", "resident", 9, 12_000, {"is_digital": True}),
        (dalian_venue, "cancelled", "market", 5, 50_000, {"is_flagship": True}),
        (dalian_venue, "held", "market", 6, 5_000, {}),  # too small: not counted
        (small_venue, "held", "market", 6, 40_000, {}),  # not a professional venue
        (dalian_venue, "held", "conference", 4, 20_000, {}),  # conference: tracked, never counted
        (shenyang_venue, "held", "brand", 2, 60_000, {"is_international": True}),
        (shenyang_venue, "confirmed", "market", 8, 11_000, {}),
        (shenyang_venue, "held", "market", 5, 10_000, {"is_green": True}),
    ]
    for venue, status, batch, month, area, flags in spec:
        factories.ExhibitionFactory(
            venue=venue,
            status=status,
            batch=factories.batch(batch),
            start_date=dt.date(YEAR, month, 10),
            gross_area_m2=area,
            **flags,
        )
    factories.ExhibitionFactory(
        venue=None,
        city=factories.city("dalian"),
        is_outbound=True,
        destination_country="DE",
        status=Exhibition.Status.HELD,
        start_date=dt.date(YEAR, 7, 1),
    )
    for month in (3, 7):
        factories.ExhibitionFactory(
            venue=dalian_venue,
            status=Exhibition.Status.HELD,
            start_date=dt.date(YEAR - 1, month, 1),
            gross_area_m2=25_000,
        )
    progress_recompute(year=YEAR - 1)
    return progress_recompute(year=YEAR, as_of=dt.date(YEAR, 6, 30))
