"""The Django admin under the sign-in lockout (SPEC §12), installed from CoreConfig.ready (after the
admin's autodiscovery registered axes' models):

- the admin's sign-in form says that an account or address is locked, like ours (core.forms);
- deleting failed-sign-in records (axes' AccessAttempt) lifts a lockout, so it is audited as `unlocked`,
  like the security administrator's page (core/security_views.py).
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction


def install() -> None:
    from axes.admin import AccessAttemptAdmin
    from axes.models import AccessAttempt

    from core.auth_events import unlocked
    from core.forms import AdminSignInForm

    admin.site.login_form = AdminSignInForm

    class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
        def delete_model(self, request, obj) -> None:
            self.delete_queryset(request, AccessAttempt.objects.filter(pk=obj.pk))

        def delete_queryset(self, request, queryset) -> None:
            for attempt in queryset:
                with transaction.atomic():
                    unlocked(request, username=attempt.username, address=attempt.ip_address, attempts=1)
                    attempt.delete()

    if admin.site.is_registered(AccessAttempt) and not isinstance(
        admin.site.get_model_admin(AccessAttempt), AuditedAccessAttemptAdmin
    ):
        admin.site.unregister(AccessAttempt)
        admin.site.register(AccessAttempt, AuditedAccessAttemptAdmin)
