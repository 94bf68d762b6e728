from django.contrib import admin

from core.models import Job, Session, UserProfile


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "city"]
    list_filter = ["city"]
    search_fields = ["user__username", "city__name_zh", "city__name_en"]
    autocomplete_fields = ["user", "city"]
    list_select_related = ["user", "city"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Signed-in sessions: who, until when; deleting one signs that browser out."""

    list_display = ["user", "expire_date"]
    list_filter = ["expire_date"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "expire_date"]
    readonly_fields = ["user", "expire_date"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj) -> None:
        # Through the session store, which also drops a cached copy of the session.
        obj.get_session_store_class()().delete(obj.session_key)

    def delete_queryset(self, request, queryset) -> None:
        store = Session.get_session_store_class()()
        for key in queryset.values_list("session_key", flat=True):
            store.delete(key)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Background jobs (imports, large exports): read-only; old ones are deleted as new ones start."""

    list_display = ["created_at", "kind", "status", "done", "total", "created_by", "finished_at"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["created_by__username"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    fields = [
        "id",
        "kind",
        "status",
        "done",
        "total",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "params",
        "result",
        "input_file",
        "file",
        "error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
