from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from exhibitions.models import Batch, Brand, Exhibition, Organizer


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "counts_as_exhibition", "sort_order"]
    list_filter = ["counts_as_exhibition"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Organizer)
class OrganizerAdmin(SimpleHistoryAdmin):
    list_display = ["name_zh", "name_en", "city", "website"]
    list_filter = ["city"]
    search_fields = ["name_zh", "name_en"]
    autocomplete_fields = ["city"]
    list_select_related = ["city"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a bare domain means https://


@admin.register(Brand)
class BrandAdmin(SimpleHistoryAdmin):
    list_display = ["slug", "name_zh", "name_en", "city", "batch", "origin", "is_flagship", "typical_month"]
    list_filter = ["batch", "origin", "is_flagship", "city"]
    search_fields = ["slug", "name_zh", "name_en"]
    autocomplete_fields = ["city", "batch"]
    list_select_related = ["city", "batch"]


@admin.register(Exhibition)
class ExhibitionAdmin(SimpleHistoryAdmin):
    list_display = ["name_zh", "name_en", "batch", "city", "venue", "start_date", "end_date", "gross_area_m2", "status"]
    list_filter = [
        "status",
        "batch",
        "city",
        "is_outbound",
        "is_flagship",
        "is_international",
        "is_green",
        "is_digital",
    ]
    search_fields = ["name_zh", "name_en", "external_ref", "organizer__name_zh", "organizer__name_en"]
    autocomplete_fields = ["batch", "brand", "city", "venue", "organizer"]
    list_select_related = ["batch", "city", "venue"]
    date_hierarchy = "start_date"
    readonly_fields = ["version", "created_at", "updated_at", "created_by", "updated_by"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        else:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
