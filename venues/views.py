from django.utils.translation import gettext_lazy as _

from core.views import ReferenceDetailView, ReferenceEditView, ReferenceListView, ReferenceViewMixin
from venues.forms import VenueForm
from venues.models import Venue
from venues.services import venue_save
from venues.tables import VenueTable


class VenueMixin(ReferenceViewMixin):
    model = Venue
    table_class = VenueTable
    form_class = VenueForm
    list_select_related = ("city",)
    search_fields = ("name_zh__icontains", "name_en__icontains", "slug__icontains", "city__name_zh__icontains")
    detail_fields = (
        "name_zh",
        "name_en",
        "slug",
        "city",
        "kind",
        "indoor_area_m2",
        "outdoor_area_m2",
        "is_professional",
        "area_verified",
        "status",
        "opened_year",
        "source",
        "notes",
    )
    url_names = {"list": "venues:list", "detail": "venues:detail", "edit": "venues:edit", "create": "venues:create"}
    title = _("Venue")
    title_plural = _("Venues")

    def save(self, *, actor, instance, data):
        return venue_save(actor=actor, venue=instance, data=data)


class VenueListView(VenueMixin, ReferenceListView):
    pass


class VenueDetailView(VenueMixin, ReferenceDetailView):
    def extra(self, obj) -> dict:
        from exhibitions.models import Exhibition

        upcoming = (
            Exhibition.objects.for_user(self.request.user, "view")
            .filter(venue=obj)
            .select_related("batch")
            .order_by("-start_date")[:20]
        )
        return {"exhibitions": upcoming, "capacity": obj.capacity_m2}


class VenueEditView(VenueMixin, ReferenceEditView):
    pass
