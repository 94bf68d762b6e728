"""Tables: the exhibition list's columns and sorting; django-tables2 tables for organisers and brands."""

from dataclasses import dataclass

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.templatetags.expoplan import area
from exhibitions.models import Brand, Organizer


class AreaColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return area(value)


@dataclass(frozen=True)
class ListColumn:
    """A column of the exhibition list: its sort key (the `sort` parameter) and the ORM ordering."""

    key: str
    label: str
    order_by: tuple[str, ...]
    numeric: bool = False


# The exhibition list is a plain template (templates/exhibitions/_results.html): django-tables2 spent
# ~2.5 ms of Python per row on cell dispatch, 125 ms for a page of 50 rows (docs/performance.md).
EXHIBITION_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn("name", _("Name"), ("name_zh", "name_en")),
    ListColumn("batch", _("Batch"), ("batch__sort_order",)),
    ListColumn("city", _("City"), ("city__sort_order",)),
    ListColumn("venue", _("Venue"), ("venue__name_zh",)),
    ListColumn("start_date", _("Start"), ("start_date",)),
    ListColumn("end_date", _("End"), ("end_date",)),
    ListColumn("gross_area_m2", _("Gross area"), ("gross_area_m2",), numeric=True),
    ListColumn("status", _("Status"), ("status",)),
    ListColumn("organizer", _("Organiser"), ("organizer__name_zh",)),
    ListColumn("counts_toward_target", _("Counts toward target"), ("counts_toward_target",)),
)
EXHIBITION_SORTS = {column.key: column for column in EXHIBITION_COLUMNS}
DEFAULT_SORT = "start_date"


def exhibition_ordering(sort: str | None) -> tuple[str, list[str]]:
    """The valid sort key for `sort` (the default for an unknown one) and its ORM ordering; the primary
    key breaks ties in the same direction, so pages neither repeat nor skip rows."""
    descending = bool(sort) and sort.startswith("-")
    key = (sort or "").removeprefix("-")
    if key not in EXHIBITION_SORTS:
        key, descending = DEFAULT_SORT, False
    sign = "-" if descending else ""
    fields = [*EXHIBITION_SORTS[key].order_by, "pk"]
    return sign + key, [sign + field for field in fields]


class OrganizerTable(tables.Table):
    name = tables.Column(
        verbose_name=_("Name"),
        accessor="name",
        order_by=("name_zh", "name_en"),
        linkify=("exhibitions:organizer_detail", {"pk": tables.A("pk")}),
    )
    city = tables.Column(verbose_name=_("City"), order_by=("city__sort_order",))
    website = tables.URLColumn(verbose_name=_("Website"))

    class Meta:
        model = Organizer
        fields = ("name", "city", "website", "contact")
        attrs = {"class": "table table-sm table-hover"}


class BrandTable(tables.Table):
    name = tables.Column(
        verbose_name=_("Name"),
        accessor="name",
        order_by=("name_zh", "name_en"),
        linkify=("exhibitions:brand_detail", {"pk": tables.A("pk")}),
    )
    city = tables.Column(verbose_name=_("City"), order_by=("city__sort_order",))
    batch = tables.Column(verbose_name=_("Batch"), order_by=("batch__sort_order",))
    typical_gross_area_m2 = AreaColumn(verbose_name=_("Typical gross area"))

    class Meta:
        model = Brand
        fields = ("name", "slug", "city", "batch", "origin", "is_flagship", "typical_gross_area_m2", "typical_month")
        attrs = {"class": "table table-sm table-hover"}
