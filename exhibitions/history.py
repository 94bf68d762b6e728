"""Change history of one exhibition from django-simple-history, as field-by-field from → to.

Foreign keys are resolved with one query per related model (not per change), so the detail page's
query count does not grow with the length of the history.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from exhibitions.models import Batch, Brand, Exhibition, Organizer
from exhibitions.services import EDITABLE_FIELDS
from venues.models import City, Venue

RELATED = {"batch": Batch, "brand": Brand, "city": City, "venue": Venue, "organizer": Organizer}
KINDS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


def _field(name: str):
    return Exhibition._meta.get_field(name)


def _raw(record, name: str):
    return getattr(record, _field(name).attname)


def display_value(name: str, value, names: dict | None = None) -> str:
    if value is None or value == "":
        return "—"
    field = _field(name)
    if name in RELATED:
        obj = (names or {}).get((name, value))
        return str(obj) if obj is not None else f"#{value}"
    if field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


def field_changes(old, new, names: dict | None = None) -> list[dict]:
    """[{field, label, old, new}] for the editable fields that differ between two records/objects."""
    changes = []
    for name in EDITABLE_FIELDS:
        before = _raw(old, name) if old is not None else None
        after = _raw(new, name)
        if old is not None and before == after:
            continue
        if old is None and after in (None, "", False):
            continue
        changes.append(
            {
                "field": name,
                "label": _field(name).verbose_name,
                "old": display_value(name, before, names) if old is not None else "",
                "new": display_value(name, after, names),
            }
        )
    return changes


def related_names(records) -> dict:
    """{(field, pk): object} for every foreign key value in `records`."""
    wanted: dict[str, set] = {name: set() for name in RELATED}
    for record in records:
        for name in RELATED:
            value = _raw(record, name)
            if value is not None:
                wanted[name].add(value)
    names = {}
    for name, ids in wanted.items():
        if ids:
            for obj in RELATED[name].objects.filter(pk__in=ids):
                names[(name, obj.pk)] = obj
    return names


def history_entries(*, exhibition: Exhibition) -> list[dict]:
    records = list(exhibition.history.select_related("history_user").order_by("history_date", "history_id"))
    names = related_names(records)
    entries = []
    previous = None
    for record in records:
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "kind": record.history_type,
                "kind_label": KINDS.get(record.history_type, record.history_type),
                "version": record.version,
                "reason": record.history_change_reason or "",
                "changes": field_changes(previous, record, names),
            }
        )
        previous = record
    entries.reverse()
    return entries
