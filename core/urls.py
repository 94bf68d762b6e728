"""Accounts: sign-in, sign-out, password change; the audit log (`/audit/`, auditors only).

No namespace: Django's auth views and settings.LOGIN_URL refer to "login", "logout",
"password_change" and "password_change_done" by these plain names.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from core import audit_views, views

urlpatterns: list = [
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("audit/", audit_views.AuditListView.as_view(), name="audit"),
    path("audit/export.csv", audit_views.AuditExportView.as_view(), name="audit_export"),
]
