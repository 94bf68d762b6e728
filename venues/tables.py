import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from exhibitions.tables import AreaColumn
from venues.models import Venue


class VenueTable(tables.Table):
    name = tables.Column(
        verbose_name=_("Name"),
        accessor="name",
        order_by=("name_zh", "name_en"),
        linkify=("venues:detail", {"pk": tables.A("pk")}),
    )
    city = tables.Column(verbose_name=_("City"), order_by=("city__sort_order",))
    indoor_area_m2 = AreaColumn(verbose_name=_("Indoor area"))
    outdoor_area_m2 = AreaColumn(verbose_name=_("Outdoor area"))
    is_professional = tables.BooleanColumn(verbose_name=_("Professional venue"), yesno="✓,")

    class Meta:
        model = Venue
        fields = ("name", "city", "kind", "indoor_area_m2", "outdoor_area_m2", "is_professional", "status")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "venue-table"}
