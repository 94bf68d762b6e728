from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from venues.models import City, Venue


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_zh", "name_en", "gb_code", "kind", "is_core", "sort_order"]
    list_filter = ["kind", "is_core"]
    search_fields = ["slug", "name_zh", "name_en", "gb_code"]


@admin.register(Venue)
class VenueAdmin(SimpleHistoryAdmin):
    list_display = [
        "slug",
        "name_zh",
        "name_en",
        "city",
        "kind",
        "indoor_area_m2",
        "outdoor_area_m2",
        "is_professional",
        "status",
    ]
    list_filter = ["city", "kind", "is_professional", "status", "area_verified"]
    search_fields = ["slug", "name_zh", "name_en"]
    autocomplete_fields = ["city"]
    list_select_related = ["city"]
