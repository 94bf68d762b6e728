from django.contrib import admin

from core.models import UserProfile


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "city"]
    list_filter = ["city"]
    search_fields = ["user__username", "city__name_zh", "city__name_en"]
    autocomplete_fields = ["user", "city"]
    list_select_related = ["user", "city"]
