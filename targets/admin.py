from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from targets.models import CityAllocation, Target


class CityAllocationInline(admin.TabularInline):
    model = CityAllocation
    extra = 0
    autocomplete_fields = ["city"]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = [
        "year",
        "exhibitions",
        "gross_area_m2",
        "large_min_gross_area_m2",
        "professional_venue_min_indoor_m2",
        "is_demo",
    ]
    list_filter = ["is_demo"]
    search_fields = ["year"]
    inlines = [CityAllocationInline]


@admin.register(CityAllocation)
class CityAllocationAdmin(SimpleHistoryAdmin):
    list_display = ["target", "city", "exhibitions", "gross_area_m2"]
    list_filter = ["target", "city"]
    search_fields = ["city__name_zh", "city__name_en", "city__slug"]
    autocomplete_fields = ["target", "city"]
    list_select_related = ["target", "city"]
