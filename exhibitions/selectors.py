"""Reads of exhibitions and their reference data: every list, export and detail starts here (scoped by
`for_user`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import BooleanField, ExpressionWrapper, Max, QuerySet

from core.roles import VIEW
from exhibitions.filtersets import ExhibitionFilterSet
from exhibitions.models import Batch, Brand, Exhibition, Organizer

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from targets.selectors import DataState
    from venues.models import Venue


def counts_annotation(year: int | None) -> ExpressionWrapper:
    """ "Counts toward target" as SQL, from the one counting rule (targets/rules.py)."""
    from targets.rules import counted_any_year_q, counted_q, rules_for

    condition = counted_q(rules_for(year)) if year else counted_any_year_q()
    return ExpressionWrapper(condition, output_field=BooleanField())


def exhibition_list(
    *, actor: User, filters: Mapping[str, Any] | None = None
) -> tuple[ExhibitionFilterSet, QuerySet[Exhibition]]:
    """The filterset (for the form, and its errors) and the filtered, annotated rows the actor may see.

    The rows carry `counts_toward_target` computed in SQL and every foreign key the list shows, so
    the page's query count does not depend on the number of rows. Invalid filters give no rows.
    """
    # Related rows by primary key, each once (a few dozen batches, cities, venues, organisers on a page),
    # rather than joined: every joined table multiplies the planner's work (6 tables: 3 ms of planning
    # for a 0.2 ms query), and a joined row is a model instance per row (1,000 more on a page of 500).
    base = Exhibition.objects.for_user(actor, VIEW).prefetch_related("batch", "venue", "city", "organizer", "brand")
    filterset = ExhibitionFilterSet(filters if filters is not None else {}, queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    year = filterset.form.cleaned_data.get("year") if filterset.is_valid() else None
    queryset = queryset.annotate(counts_toward_target=counts_annotation(int(year) if year else None))
    return filterset, queryset


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    """The SQL that selects the rows' keys, as a cache key part ("none" for a queryset that selects none)."""
    try:
        return queryset.values("pk").query.sql_with_params()
    except EmptyResultSet:
        return "none", ()


COUNT_CACHE_SECONDS = 24 * 3600


def exhibition_count(*, filterset: ExhibitionFilterSet, state: DataState | None = None) -> int:
    """How many rows the list's filter matches (its total), exact.

    COUNT(*) grows with the table, so the figure is cached under the filter's SQL and the data state
    (`state` as the caller read it, else `data_state()`), which every change of what the
    filters read moves: the next request after a change counts again. A text search also matches organiser
    names, which the data state does not follow, so a search is always counted afresh.
    """
    from targets.selectors import data_state

    if not filterset.is_valid():
        return 0
    queryset = filterset.qs
    if filterset.form.cleaned_data.get("search"):
        return queryset.count()
    sql, params = _sql(queryset.order_by())
    state = data_state() if state is None else state
    digest = hashlib.sha256(repr((sql, params, state)).encode()).hexdigest()
    key = f"exhibition-count:{digest}"
    total = cache.get(key)
    if total is None:
        total = queryset.count()
        cache.set(key, total, COUNT_CACHE_SECONDS)
    return total


def exhibition_list_key(*, queryset: QuerySet[Exhibition], page: int, state: DataState, links: str = "") -> str:
    """A cache key of one page of rows as the list shows them: the rows' SQL (filters, scope, order), the
    page, the data state (the rows, venues, batches, cities, the targets' rules for "counts") and the
    organisers' latest change (their names show), and `links` (the query its links carry). Any change to
    what the page shows gives a new key."""
    organizers = Organizer.objects.aggregate(changed_at=Max("updated_at"))["changed_at"]
    sql, params = _sql(queryset)
    return hashlib.sha256(repr((sql, params, page, state, organizers, links)).encode()).hexdigest()


def exhibition_get(*, actor: User, pk: int) -> Exhibition | None:
    return (
        Exhibition.objects.for_user(actor, VIEW)
        .select_related("batch", "city", "venue")
        .prefetch_related("venue__city", "organizer", "brand", "created_by", "updated_by")  # see exhibition_list
        .filter(pk=pk)
        .first()
    )


def exhibition_recent(
    *, actor: User, venue: Venue | None = None, organizer: Organizer | None = None, brand: Brand | None = None
) -> QuerySet[Exhibition]:
    """The 20 latest exhibitions at a venue, of an organiser or of a brand (their detail pages)."""
    related = {"venue": venue, "organizer": organizer, "brand": brand}
    return (
        Exhibition.objects.for_user(actor, VIEW)
        .filter(**{name: value for name, value in related.items() if value is not None})
        .select_related("batch")
        .order_by("-start_date", "-pk")[:20]
    )


def exhibition_history(*, exhibition: Exhibition) -> list[dict]:
    """Every recorded change, newest first: who, when, kind and the fields changed from → to."""
    from exhibitions.history import history_entries

    return history_entries(exhibition=exhibition)


def batch_list(*, actor: User) -> QuerySet[Batch]:
    """The four batches (四个一批), in their order."""
    return Batch.objects.for_user(actor, VIEW)


def organizer_list(*, actor: User) -> QuerySet[Organizer]:
    return Organizer.objects.for_user(actor, VIEW).select_related("city")


def brand_list(*, actor: User) -> QuerySet[Brand]:
    return Brand.objects.for_user(actor, VIEW).select_related("city", "batch")
