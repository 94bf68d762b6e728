"""Declarative HTML tables (django-tables2) for exhibitions, organisers and brands."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.templatetags.expoplan import area
from exhibitions.models import Brand, Exhibition, Organizer


class AreaColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return area(value)


class ExhibitionTable(tables.Table):
    name = tables.Column(
        verbose_name=_("Name"),
        linkify=("exhibitions:detail", {"pk": tables.A("pk")}),
        order_by=("name_zh", "name_en"),
        accessor="name",
    )
    batch = tables.Column(verbose_name=_("Batch"), order_by=("batch__sort_order",))
    city = tables.Column(verbose_name=_("City"), order_by=("city__sort_order",))
    venue = tables.Column(verbose_name=_("Venue"), order_by=("venue__name_zh",))
    start_date = tables.DateColumn(verbose_name=_("Start"), short=True)
    end_date = tables.DateColumn(verbose_name=_("End"), short=True)
    gross_area_m2 = AreaColumn(verbose_name=_("Gross area"))
    status = tables.Column(verbose_name=_("Status"))
    organizer = tables.Column(verbose_name=_("Organiser"), order_by=("organizer__name_zh",))
    counts_toward_target = tables.BooleanColumn(verbose_name=_("Counts toward target"), yesno="✓,✗")

    class Meta:
        model = Exhibition
        fields = (
            "name",
            "batch",
            "city",
            "venue",
            "start_date",
            "end_date",
            "gross_area_m2",
            "status",
            "organizer",
            "counts_toward_target",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "id": "exhibition-table"}
        order_by = ("start_date",)
        empty_text = _("No exhibitions match these filters.")

    def render_status(self, record, value):
        css = {
            "planned": "secondary",
            "confirmed": "info",
            "held": "success",
            "cancelled": "danger",
        }.get(record.status, "secondary")
        return format_html('<span class="badge text-bg-{}">{}</span>', css, value)


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
