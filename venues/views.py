from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_tables2 import RequestConfig

from core.views import ReferenceEditView, ReferenceViewMixin
from exhibitions.selectors import exhibition_recent
from venues.forms import VenueForm
from venues.models import Venue
from venues.selectors import venue_get, venue_list
from venues.services import venue_save
from venues.tables import VenueTable


class VenueMixin(ReferenceViewMixin):
    model = Venue
    table_class = VenueTable
    form_class = VenueForm
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


class VenueListView(VenueMixin, View):
    def get(self, request):
        query = request.GET.get("q", "").strip()
        _filterset, venues = venue_list(actor=request.user, search=query)
        table = self.table_class(venues)
        RequestConfig(request, paginate={"per_page": 50}).configure(table)
        return render(request, "reference/list.html", self.context(table=table, total=table.paginator.count, q=query))


class VenueDetailView(VenueMixin, View):
    def get(self, request, pk: int):
        venue = venue_get(actor=request.user, pk=pk)
        if venue is None:
            raise Http404
        rows = []
        for name in self.detail_fields:
            field = Venue._meta.get_field(name)
            value = getattr(venue, f"get_{name}_display")() if field.choices else getattr(venue, name)
            if isinstance(value, bool):
                value = gettext_now("Yes") if value else gettext_now("No")
            rows.append((field.verbose_name, value if value not in (None, "") else "—"))
        exhibitions = exhibition_recent(actor=request.user, venue=venue)
        context = self.context(
            object=venue, rows=rows, exhibitions=exhibitions, capacity=venue.capacity_m2, **self.history(venue)
        )
        return render(request, "reference/detail.html", context)


class VenueEditView(VenueMixin, ReferenceEditView):
    pass
