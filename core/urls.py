"""Accounts (sign-in, sign-out, password change) and, until reports routes `/`, a temporary home.

No namespace: Django's auth views and settings.LOGIN_URL refer to "login", "logout",
"password_change" and "password_change_done" by these plain names.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from core import views

urlpatterns: list = [
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]


def _root_routed_by_reports() -> bool:
    from reports import urls as reports_urls

    return any(str(getattr(p, "pattern", "x")) == "" for p in reports_urls.urlpatterns)


# core.urls is included before reports.urls, so only add `/` while reports has none.
if not _root_routed_by_reports():
    urlpatterns.append(path("", views.TemporaryHomeView.as_view(), name="home"))
