"""The reads of a recompute besides the aggregates (`read_inputs`) and the grouping-sets aggregates.

On PostgreSQL `read_inputs` is one statement (prepared on persistent connections); it must give exactly
what the separate ORM queries give. The counted and previous aggregates are grouped by grouping sets
(PostgreSQL) or re-aggregated with UNION ALL (elsewhere); both must give the plain GROUP BY's totals.
"""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection

from targets.progress import (
    COUNTED_COLUMNS,
    GROUPING_SETS,
    PREVIOUS_COLUMNS,
    aggregate_querysets,
    aggregate_sql,
    grouped_by_sets,
    read_inputs,
    read_inputs_by_queries,
)
from targets.rules import rules_for
from tests.factories import CityAllocationFactory, ExhibitionFactory, TargetFactory, VenueFactory, batch, city

pytestmark = pytest.mark.django_db
YEAR = 2030


@pytest.fixture
def data():
    target = TargetFactory(year=YEAR, exhibitions=90, gross_area_m2=900_000, large_min_gross_area_m2=12_000)
    TargetFactory(year=YEAR - 1, exhibitions=80, gross_area_m2=800_000, professional_venue_min_indoor_m2=6_000)
    CityAllocationFactory(target=target, city=city("dalian"), exhibitions=30, gross_area_m2=300_000)
    CityAllocationFactory(target=target, city=city("shenyang"), exhibitions=0, gross_area_m2=0)
    venues = [VenueFactory(city=city("shenyang")), VenueFactory(city=city("dalian"), name_zh="大连世界博览广场")]
    statuses = ["held", "confirmed", "planned", "cancelled"]
    batches = ["brand", "resident", "market", "conference"]
    for i in range(48):
        ExhibitionFactory(
            venue=venues[i % 2],
            batch=batch(batches[i % 4]),
            start_date=dt.date(YEAR - (i % 3 == 0), 1 + i % 12, 1 + i % 28),
            gross_area_m2=8_000 + 1_000 * (i % 9),
            status=statuses[(i // 2) % 4],
        )
    return target


@pytest.mark.parametrize("year", [YEAR, YEAR - 1, YEAR + 1, 2050])
def test_one_statement_reads_what_the_separate_queries_read(data, year):
    inputs = read_inputs(year)
    assert inputs == read_inputs_by_queries(year)
    if year == YEAR:
        assert inputs.target.id == data.pk
        assert inputs.rules.large_min_gross_area_m2 == 12_000
        assert inputs.previous_rules.professional_venue_min_indoor_m2 == 6_000
        allocations = {slug: (n, area) for _id, slug, n, area in inputs.cities}
        assert allocations["dalian"] == (30, 300_000) and allocations["shenyang"] == (0, 0)
        assert allocations["anshan"] == (None, None)  # no allocation: no goal
        assert inputs.version > 0 and inputs.watermark is not None
    if year == 2050:
        assert inputs.target is None and inputs.previous_target is None


def test_postgresql_reads_the_inputs_in_one_statement(postgres, data, django_assert_num_queries):
    with django_assert_num_queries(1):
        read_inputs(YEAR)


def test_the_prepared_statement_reads_the_same(postgres, data):
    """With persistent connections the statement is prepared once and executed by name."""
    expected = read_inputs_by_queries(YEAR)
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        assert read_inputs(YEAR) == expected
        assert "expoplan_progress_inputs" in connection._expoplan_prepared[1]
        assert read_inputs(YEAR) == expected  # executed by name
        assert read_inputs(YEAR - 1) == read_inputs_by_queries(YEAR - 1)
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")  # the connection outlives the test
        connection._expoplan_prepared = None


# --- grouping sets -----------------------------------------------------------------------------------


def _rows(sql: str, params: tuple) -> Counter:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Counter(
            tuple(int(v) if v is not None and not isinstance(v, str) else v for v in row) for row in cursor.fetchall()
        )


def _by_sets_in_python(plain_rows: Counter, columns: tuple, sets: tuple) -> Counter:
    """The reference: the plain GROUP BY's rows summed per group of each set (other columns None)."""
    keys = columns[:-2]
    totals = {}
    for row in plain_rows:
        for group in sets:
            key = tuple(row[i] if c in group else None for i, c in enumerate(keys))
            n, area = totals.get(key, (0, 0))
            totals[key] = (n + row[-2], area + (row[-1] or 0))
    return Counter(key + value for key, value in totals.items())


@pytest.mark.parametrize("name", ["counted", "previous"])
def test_grouping_sets_give_the_plain_group_by_totals(data, name):
    rules, previous_rules = rules_for(YEAR), rules_for(YEAR - 1)
    columns = {"counted": COUNTED_COLUMNS, "previous": PREVIOUS_COLUMNS}[name]
    plain_sql, plain_params = aggregate_querysets(rules, previous_rules)[name].query.sql_with_params()
    plain = _rows(plain_sql, tuple(plain_params))
    assert plain, "the fixture must produce rows"
    expected = _by_sets_in_python(plain, columns, GROUPING_SETS[name])
    assert _rows(*aggregate_sql(rules, previous_rules)[name]) == expected  # the form this database runs
    portable = grouped_by_sets(plain_sql, tuple(plain_params), columns, GROUPING_SETS[name], vendor="sqlite")
    assert _rows(*portable) == expected  # UNION ALL, on either database


def test_month_tells_the_sets_apart(data):
    """Rows without a month are the (city, batch | status) sets; the month rows carry no batch."""
    rows = _rows(*aggregate_sql(rules_for(YEAR), rules_for(YEAR - 1))["counted"])
    for city_id, batch_id, month, _status, n, _area in rows:
        assert city_id is not None and n > 0
        assert (month is None) != (batch_id is None)


def test_an_unexpected_group_by_is_refused():
    with pytest.raises(RuntimeError, match="GROUP BY"):
        grouped_by_sets("SELECT a, b, n, area FROM t", (), ("a", "b", "n", "area"), (("a",),), vendor="postgresql")
    with pytest.raises(RuntimeError, match="GROUP BY"):
        grouped_by_sets(
            "SELECT a, b, n, area FROM t GROUP BY 1", (), ("a", "b", "n", "area"), (("a",),), vendor="postgresql"
        )
