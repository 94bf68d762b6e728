"""The import checks and writes rows in bulk: a constant number of queries, the same rules and messages
as a single edit (ExhibitionForm + services), history and progress requests as row-by-row writes had."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from exhibitions import importing, services
from exhibitions.forms import ExhibitionForm
from exhibitions.models import Exhibition
from exhibitions.validators import EventsByVenue
from tests.exhibitions.test_import import ZH_HEADERS, csv_bytes, row
from tests.factories import ExhibitionFactory, OrganizerFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db

ID_HEADERS = ["编号", *ZH_HEADERS]


@pytest.fixture
def hall(db):
    return VenueFactory(slug="bulk-hall", city=city("dalian"), indoor_area_m2=100_000, outdoor_area_m2=0)


def rows_for(count: int, updates: list[Exhibition]) -> bytes:
    """`count` rows at bulk-hall spread over 2025: updates of `updates` by id first, then new ones."""
    rows = []
    for i in range(count):
        month, day = 1 + i % 12, 1 + (i // 12) % 27
        start, end = f"2025-{month:02d}-{day:02d}", f"2025-{month:02d}-{day + 1:02d}"
        if i < len(updates):
            old = updates[i]
            rows.append([old.pk, *row(old.external_ref, f"改名{i}", venue="bulk-hall", start=start, end=end)])
        else:
            rows.append(["", *row(f"B-{i}", f"批量{i}", venue="bulk-hall", start=start, end=end, area="1000")])
    return csv_bytes(ID_HEADERS, rows)


def queries_of(actor, content: bytes, *, dry_run: bool) -> tuple[int, importing.ImportResult]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    actor = get_user_model().objects.get(pk=actor.pk)  # its role not cached yet, as in a request
    parsed = importing.parse_file(content, "bulk.csv")
    with CaptureQueriesContext(connection) as captured:
        result = importing.run_import(actor=actor, parsed=parsed, dry_run=dry_run, filename="bulk.csv")
    assert result.ok, [str(e) for e in result.errors][:3]
    return len(captured), result


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_number_of_queries_does_not_grow_with_the_rows(staff_user, hall, dry_run):
    from targets.services import progress_mark_changed

    progress_mark_changed(years=[2024, 2025, 2026])  # the markers exist (the first write of a year adds one)
    stored = [ExhibitionFactory(venue=hall, external_ref=f"OLD-{i}", gross_area_m2=1_000) for i in range(60)]
    small, result = queries_of(staff_user, rows_for(50, stored[:10]), dry_run=dry_run)
    assert (result.created, result.updated) == (40, 10)
    Exhibition.objects.filter(external_ref__startswith="B-").delete()
    large, result = queries_of(staff_user, rows_for(500, stored[10:60]), dry_run=dry_run)
    assert (result.created, result.updated) == (450, 50)
    assert small == large
    assert large <= 40, large  # reference data, the form choices, the stored rows, locks, bulk writes, marks


def test_history_versions_and_one_recompute_request_per_year(
    staff_user, hall, django_capture_on_commit_callbacks, monkeypatch
):
    old = ExhibitionFactory(venue=hall, external_ref="Y-OLD", start_date=dt.date(2024, 6, 1), gross_area_m2=1_000)
    old_updated_at = old.updated_at
    requested = []
    monkeypatch.setattr("targets.services._enqueue", requested.append)
    content = csv_bytes(
        ID_HEADERS,
        [
            [old.pk, *row("Y-OLD", "移到明年", venue="bulk-hall", start="2025-06-01", end="2025-06-02", area="2000")],
            *[["", *row(f"Y-{i}", f"新展{i}", venue="bulk-hall", area="1000")] for i in range(5)],
        ],
    )
    parsed = importing.parse_file(content, "years.csv")
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        result = importing.run_import(actor=staff_user, parsed=parsed, dry_run=False, filename="years.csv")
    assert result.committed and (result.created, result.updated) == (5, 1)
    assert sorted(requested) == [2024, 2025], "one request per affected year, not one per row"
    old.refresh_from_db()
    assert (old.version, old.gross_area_m2, old.start_date.year) == (2, 2000, 2025)
    assert old.updated_by == staff_user and old.updated_at > old_updated_at
    record = old.history.latest()
    assert (record.history_type, record.history_user, record.version) == ("~", staff_user, 2)
    assert record.history_change_reason == "Imported from years.csv"
    for created in Exhibition.objects.filter(external_ref__startswith="Y-").exclude(pk=old.pk):
        assert created.created_by == staff_user and created.version == 1 and created.city.slug == "dalian"
        (record,) = created.history.all()
        assert (record.history_type, record.history_user) == ("+", staff_user)
        assert record.history_change_reason == "Imported from years.csv"


def test_the_same_exhibition_twice_in_a_file_is_written_twice_in_order(staff_user, hall):
    old = ExhibitionFactory(venue=hall, gross_area_m2=1_000, name_zh="原名")
    content = csv_bytes(
        ID_HEADERS,
        [
            [old.pk, *row("", "第一次", venue="bulk-hall", area="2000")],
            [old.pk, *row("", "第二次", venue="bulk-hall", area="3000")],
        ],
    )
    result = importing.run_import(actor=staff_user, parsed=importing.parse_file(content, "twice.csv"), dry_run=False)
    assert result.committed and result.updated == 2
    old.refresh_from_db()
    assert (old.name_zh, old.gross_area_m2, old.version) == ("第二次", 3000, 3)
    assert [(h.name_zh, h.version) for h in old.history.order_by("history_id")] == [
        ("原名", 1),
        ("第一次", 2),
        ("第二次", 3),
    ]


def test_rows_of_one_file_sharing_a_venue_beyond_its_capacity(staff_user, hall):
    """As when the rows were saved one by one: the first fits, the second is refused (it sees the first)."""
    ExhibitionFactory(venue=hall, start_date=dt.date(2025, 9, 1), gross_area_m2=30_000, status="planned")
    content = csv_bytes(
        ZH_HEADERS,
        [
            row("CAP-1", "第一", venue="bulk-hall", start="2025-09-01", end="2025-09-03", area="40000"),
            row("CAP-2", "第二", venue="bulk-hall", start="2025-09-02", end="2025-09-04", area="40000"),
        ],
    )
    with translation.override("en"):
        result = importing.run_import(actor=staff_user, parsed=importing.parse_file(content, "cap.csv"), dry_run=True)
        errors = [str(e) for e in result.errors]
    assert errors == [
        "row 3, row: The venue already hosts 2 other event(s) on overlapping dates; together they use 110,000 m² "
        "of gross area, more than its capacity of 100,000 m². Tick the confirmation box to save anyway."
    ]
    confirmed = importing.run_import(
        actor=staff_user, parsed=importing.parse_file(content, "cap.csv"), dry_run=False, confirm_over_capacity=True
    )
    assert confirmed.committed and confirmed.created == 2


def test_a_conflict_at_the_bulk_write_falls_back_to_row_by_row(staff_user, hall, monkeypatch):
    def conflict(self):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services.ExhibitionBulkWrite, "flush", conflict)
    content = csv_bytes(ZH_HEADERS, [row(f"FB-{i}", f"回退{i}", venue="bulk-hall") for i in range(3)])
    result = importing.run_import(actor=staff_user, parsed=importing.parse_file(content, "fb.csv"), dry_run=False)
    assert result.committed and result.created == 3
    assert Exhibition.objects.filter(external_ref__startswith="FB-").count() == 3


def test_the_bulk_write_rechecks_the_scope_of_what_it_wrote(city_official):
    """A city official's row that leaves their scope is refused at flush() (one query for all rows)."""
    from django.db import transaction

    shenyang_hall = VenueFactory(city=city("shenyang"))
    data = {
        "name_zh": "越权",
        "batch": batch(),
        "venue": shenyang_hall,
        "start_date": dt.date(2025, 3, 1),
        "end_date": dt.date(2025, 3, 2),
        "gross_area_m2": 1_000,
        "status": "planned",
    }
    with transaction.atomic():
        bulk = services.ExhibitionBulkWrite(
            actor=city_official, update_ids=[], external_refs=[], venue_ids=[shenyang_hall.pk], dates=None
        )
        queued = services.exhibition_create(actor=city_official, data=data, bulk=bulk)
        assert bulk.flush() == [queued]
        transaction.set_rollback(True)


def import_form(actor, data, instance=None):
    parsed = importing.ParsedFile(columns=[], rows=[])
    stored = [instance] if instance is not None else []
    checks = importing._row_checks(actor, parsed, importing.Lookups(), stored)
    checks.events = EventsByVenue(Exhibition.objects.exclude(status="cancelled"))
    stored_refs = {e.external_ref: e for e in Exhibition.objects.exclude(external_ref="")}
    checks.ref_owners = dict.fromkeys([data.get("external_ref", "")]) | stored_refs
    return importing.ImportRowForm(data=data, instance=instance, user=actor, checks=checks)


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"end_date": "2025-04-01"},
        {"net_area_m2": "9000"},
        {"gross_area_m2": "0"},
        {"gross_area_m2": "200000"},
        {"is_outbound": "on"},
        {"is_outbound": "on", "destination_country": "日本"},
        {"city": "shenyang"},
        {"external_ref": "TAKEN"},
        {"venue": "9999999"},
        {"batch": ""},
        {"name_zh": "", "name_en": ""},
        {"start_date": "2025-06-01", "end_date": "2025-06-03", "gross_area_m2": "60000"},
        {"start_date": "2025-06-01", "end_date": "2025-06-03", "gross_area_m2": "60000", "confirm": "on"},
        {"organizer": "9999999", "edition": "-1"},
    ],
)
@pytest.mark.parametrize("update", [False, True])
def test_the_import_form_reports_what_the_exhibition_form_reports(staff_user, hall, change, update):
    """Without its queries, ImportRowForm gives exactly ExhibitionForm's errors (same rules, same messages)."""
    ExhibitionFactory(venue=hall, external_ref="TAKEN", start_date=dt.date(2025, 6, 2), gross_area_m2=50_000)
    instance = ExhibitionFactory(venue=hall, external_ref="MINE", gross_area_m2=5_000) if update else None
    organizer = OrganizerFactory()
    data = {
        "name_zh": "对照",
        "batch": str(batch().pk),
        "city": str(city("dalian").pk),
        "venue": str(hall.pk),
        "organizer": str(organizer.pk),
        "start_date": "2025-05-01",
        "end_date": "2025-05-03",
        "gross_area_m2": "8000",
        "status": "planned",
        "external_ref": "MINE",
    }
    for key, value in change.items():
        if key == "city":
            data["city"] = str(city(value).pk)
        elif key == "confirm":
            data["confirm_over_capacity"] = value
        else:
            data[key] = value
    stock = ExhibitionForm(data=data, instance=instance, user=staff_user, for_import=True)
    copy_instance = Exhibition.objects.get(pk=instance.pk) if update else None
    ours = import_form(staff_user, data, copy_instance)
    assert ours.is_valid() == stock.is_valid()
    assert ours.errors.get_json_data() == stock.errors.get_json_data()
    if stock.is_valid():
        assert ours.service_data() == stock.service_data()


def test_the_overlap_from_memory_is_the_overlap_from_the_database(hall):
    """venue_overlap(row, others=EventsByVenue(...).near(row)) == venue_overlap(row), long events included."""
    import random

    from exhibitions.validators import events_at_venues, venue_overlap

    rng = random.Random(3)
    other_hall = VenueFactory(city=city("dalian"))
    for _i in range(60):
        start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365))
        ExhibitionFactory(
            venue=rng.choice([hall, other_hall]),
            start_date=start,
            end_date=start + dt.timedelta(days=rng.choice([0, 1, 3, 40, 200])),
            gross_area_m2=rng.randrange(1, 30_000),
            status=rng.choice(["planned", "confirmed", "cancelled"]),
        )
    stored = list(Exhibition.objects.all())
    index = EventsByVenue(events_at_venues({hall.pk, other_hall.pk}, dt.date(2024, 1, 1), dt.date(2027, 1, 1)))
    probes = [
        *stored,
        *(Exhibition(venue=hall, city=hall.city, start_date=e.start_date, end_date=e.end_date) for e in stored),
    ]
    for probe in probes:
        probe.gross_area_m2 = 1_000
        expected, actual = venue_overlap(probe), venue_overlap(probe, others=index.near(probe))
        if expected is None:
            assert actual is None
            continue
        assert [o.pk for o in actual.others] == [o.pk for o in expected.others]
        assert (actual.others_gross_m2, actual.combined_gross_m2, actual.over_capacity) == (
            expected.others_gross_m2,
            expected.combined_gross_m2,
            expected.over_capacity,
        )


def test_every_import_reads_the_choices_afresh(staff_user, hall):
    from exhibitions.models import Batch

    first = importing.run_import(
        actor=staff_user,
        parsed=importing.parse_file(csv_bytes(ZH_HEADERS, [row("F-1", "先", venue="bulk-hall")]), "a.csv"),
        dry_run=True,
    )
    assert first.ok
    Batch.objects.create(code="late", name_zh="后加批次", name_en="Late batch")
    content = csv_bytes(ZH_HEADERS, [row("F-2", "后", batch="late", venue="bulk-hall")])
    second = importing.run_import(actor=staff_user, parsed=importing.parse_file(content, "b.csv"), dry_run=True)
    assert second.ok, [str(e) for e in second.errors]
