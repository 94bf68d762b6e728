"""Accounts: sign-in, sign-out, password change; the audit log (`/audit/`, auditors only).

No namespace: Django's auth views and settings.LOGIN_URL refer to "login", "logout",
"password_change" and "password_change_done" by these plain names.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from core import audit_views, security_views, views

urlpatterns: list = [
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/two-factor/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("accounts/two-factor/setup/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("accounts/two-factor/manage/", views.TwoFactorManageView.as_view(), name="two_factor_manage"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The security administrator's page (SPEC §5, §12)
    path("security/", security_views.SecurityView.as_view(), name="security"),
    path("security/unlock/", security_views.UnlockView.as_view(), name="security_unlock"),
    path("security/sessions/end/", security_views.EndSessionView.as_view(), name="security_end_session"),
    # The audit administrator's page (SPEC §12)
    path("audit/", audit_views.AuditListView.as_view(), name="audit"),
    path("audit/export.csv", audit_views.AuditExportView.as_view(), name="audit_export"),
]
