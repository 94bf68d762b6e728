"""Accounts: sign-in, sign-out, password change.

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
    path("accounts/two-factor/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("accounts/two-factor/setup/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("accounts/two-factor/manage/", views.TwoFactorManageView.as_view(), name="two_factor_manage"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
