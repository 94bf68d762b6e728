"""run_import's progress callback: (rows_done, rows_total) every ~100 rows and at the end."""

import pytest

from exhibitions import importing
from exhibitions.models import Exhibition
from tests.exhibitions.test_import import ZH_HEADERS, csv_bytes, row, venue  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("dry_run", [True, False])
def test_progress_is_reported_every_hundred_rows_and_at_the_end(staff_user, venue, dry_run):  # noqa: F811
    rows = [
        row(f"P-{i}", f"进度展{i}", start=f"2025-{1 + i % 12:02d}-01", end=f"2025-{1 + i % 12:02d}-02")
        for i in range(250)
    ]
    parsed = importing.parse_file(csv_bytes(ZH_HEADERS, rows), "progress.csv")
    calls = []
    result = importing.run_import(
        actor=staff_user,
        parsed=parsed,
        dry_run=dry_run,
        confirm_over_capacity=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert result.ok, [str(e) for e in result.errors][:3]
    assert calls[-1] == (250, 250)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls), "never goes back"
    assert {total for _done, total in calls} == {250}
    assert (100, 250) in calls and (200, 250) in calls
    assert Exhibition.objects.count() == (0 if dry_run else 250)


def test_progress_ends_even_when_rows_fail(staff_user, venue):  # noqa: F811
    parsed = importing.parse_file(csv_bytes(ZH_HEADERS, [row("F-1", "坏行", batch="nope")]), "bad.csv")
    calls = []
    result = importing.run_import(actor=staff_user, parsed=parsed, dry_run=False, progress=lambda *a: calls.append(a))
    assert not result.ok and calls == [(1, 1)]
