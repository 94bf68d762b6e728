"""Change history of reference data (venues, organisers, brands, targets and their city allocations)
from django-simple-history, as field-by-field before → after, newest first, for the detail pages.

At most HISTORY_LIMIT entries are shown (the page says when older ones exist). The queries do not grow
with the length of the history: one for the records (each annotated with the id of its predecessor,
the same object's previous record), one for the predecessors not among them, one per related model
named in them (cities, batches).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import ForeignKey, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

HISTORY_LIMIT = 50
KINDS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


def _display(field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(field, ForeignKey):
        obj = names.get((field.name, value))
        return str(obj) if obj is not None else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


def _related_names(model, fields: Sequence[str], records) -> dict:
    """{(field name, pk): object} for every foreign key value in `records`: one query per related model."""
    names: dict = {}
    for name in fields:
        field = model._meta.get_field(name)
        if not isinstance(field, ForeignKey):
            continue
        ids = {getattr(r, field.attname) for r in records} - {None}
        if ids:
            for obj in field.related_model._default_manager.filter(pk__in=ids):
                names[(name, obj.pk)] = obj
    return names


def history_entries(
    records: QuerySet, *, fields: Sequence[str], subject: str | None = None, limit: int = HISTORY_LIMIT
) -> tuple[list[dict], bool]:
    """(entries newest first, whether older entries exist) of a historical queryset (`obj.history.all()`,
    or several objects' records, e.g. a target's allocations). Each entry: when, who, kind, kind_label,
    subject (the `subject` field's value, e.g. an allocation's city) and changes [{field, label, old,
    new}] against the same object's previous record (a creation lists the fields it set)."""
    historical = records.model
    model = historical.instance_type
    pk_name = model._meta.pk.attname
    previous = historical.objects.filter(**{pk_name: OuterRef(pk_name)}).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    rows = list(
        records.select_related("history_user")
        .annotate(previous_id=Subquery(previous.order_by("-history_date", "-history_id").values("history_id")[:1]))
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    by_id = {r.history_id: r for r in rows}
    missing = {r.previous_id for r in rows if r.previous_id is not None} - set(by_id)
    predecessors = {r.history_id: r for r in historical.objects.filter(history_id__in=missing)} if missing else {}
    by_id.update(predecessors)
    shown = [*fields, subject] if subject and subject not in fields else list(fields)
    names = _related_names(model, shown, by_id.values())
    entries = []
    for record in rows:
        before = by_id.get(record.previous_id) if record.previous_id is not None else None
        changes = []
        if record.history_type != "-":
            for name in fields:
                field = model._meta.get_field(name)
                new = getattr(record, field.attname)
                old = getattr(before, field.attname) if before is not None else None
                if before is not None and old == new:
                    continue
                if before is None and new in (None, "", False):
                    continue
                changes.append(
                    {
                        "field": name,
                        "label": field.verbose_name,
                        "old": _display(field, old, names) if before is not None else "",
                        "new": _display(field, new, names),
                    }
                )
        subject_text = ""
        if subject:
            field = model._meta.get_field(subject)
            subject_text = _display(field, getattr(record, field.attname), names)
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "kind": record.history_type,
                "kind_label": KINDS.get(record.history_type, record.history_type),
                "first": before is None,
                "reason": record.history_change_reason or "",
                "subject": subject_text,
                "changes": changes,
            }
        )
    return entries, more
