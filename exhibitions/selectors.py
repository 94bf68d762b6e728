"""Reads of exhibitions: every list, export and detail starts here (scoped by `for_user`)."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper
from django.http import QueryDict

from core.roles import VIEW
from exhibitions.filtersets import ExhibitionFilterSet
from exhibitions.models import Exhibition


def counts_annotation(year: int | None) -> ExpressionWrapper:
    """ "Counts toward target" as SQL, from the one counting rule (targets/rules.py)."""
    from targets.rules import counted_any_year_q, counted_q, rules_for

    condition = counted_q(rules_for(year)) if year else counted_any_year_q()
    return ExpressionWrapper(condition, output_field=BooleanField())


def exhibition_list(*, actor, filters: QueryDict | dict | None = None) -> tuple[ExhibitionFilterSet, object]:
    """The filterset (for the form) and the filtered, annotated rows the actor may see.

    The rows carry `counts_toward_target` computed in SQL and every foreign key the list shows, so
    the page's query count does not depend on the number of rows.
    """
    base = Exhibition.objects.for_user(actor, VIEW).select_related("batch", "city", "venue", "organizer", "brand")
    filterset = ExhibitionFilterSet(filters if filters is not None else {}, queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    year = filterset.form.cleaned_data.get("year") if filterset.is_valid() else None
    queryset = queryset.annotate(counts_toward_target=counts_annotation(int(year) if year else None))
    return filterset, queryset


def exhibition_get(*, actor, pk: int) -> Exhibition | None:
    return (
        Exhibition.objects.for_user(actor, VIEW)
        .select_related("batch", "city", "venue", "venue__city", "organizer", "brand", "created_by", "updated_by")
        .filter(pk=pk)
        .first()
    )


def exhibition_history(*, exhibition: Exhibition) -> list[dict]:
    """Every recorded change, newest first: who, when, kind and the fields changed from → to."""
    from exhibitions.history import history_entries

    return history_entries(exhibition=exhibition)
