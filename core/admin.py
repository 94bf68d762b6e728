from django.contrib import admin

from core.forms import AdminSignInForm
from core.models import Job, Session, UserProfile

admin.site.login_form = AdminSignInForm  # the lockout's message on the admin's sign-in page too


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
        self.delete_queryset(request, Session.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset) -> None:
        # Through the session store, which also drops a cached copy of the session; each one audited.
        from django.db import transaction

        from core.auth_events import session_ended
        from core.roles import AdminRole, admin_role_of
        from core.session_limits import BY_SECURITY_ADMINISTRATOR

        actor = getattr(request, "user", None)
        actor = actor if actor is not None and actor.is_authenticated else None
        reason = BY_SECURITY_ADMINISTRATOR if admin_role_of(actor) == AdminRole.SECADMIN else "ended in the admin"
        store = Session.get_session_store_class()()
        for session in queryset.select_related("user"):
            with transaction.atomic():
                session_ended(request, user=actor, reason=reason, session_user=session.user)
                store.delete(session.session_key)


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


def _audit_access_attempt_admin() -> None:
    """Deleting failed-sign-in records in the admin lifts a lockout: audited as `unlocked`, like the
    security administrator's page (core/security_views.py)."""
    from axes.admin import AccessAttemptAdmin
    from axes.models import AccessAttempt
    from django.db import transaction

    from core.auth_events import unlocked

    class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
        def delete_model(self, request, obj) -> None:
            self.delete_queryset(request, AccessAttempt.objects.filter(pk=obj.pk))

        def delete_queryset(self, request, queryset) -> None:
            for attempt in queryset:
                with transaction.atomic():
                    unlocked(request, username=attempt.username, address=attempt.ip_address, attempts=1)
                    attempt.delete()

    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
        admin.site.register(AccessAttempt, AuditedAccessAttemptAdmin)


_audit_access_attempt_admin()
