from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        import core.password_expiry  # noqa: F401  (its user_logged_in receiver)
        from core import admin_lockout, auth_events, token_audit
        from core.signals import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="core.sync_role_permissions")
        auth_events.connect()
        admin_lockout.install()
        token_audit.connect()
