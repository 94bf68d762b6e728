"""Form plumbing shared by every app: Bootstrap classes on widgets."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class BootstrapFormMixin:
    """Adds Bootstrap 5 classes to every widget and marks invalid fields after validation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class LockoutMessageMixin:
    """A sign-in refused by the lockout (django-axes, core/lockout.py) says so, for how long and who can
    unlock it, instead of "wrong username or password"."""

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            from core.lockout import lockout_message

            return ValidationError(lockout_message(self.request, self.cleaned_data.get("username")), code="locked_out")
        return super().get_invalid_login_error()


class SignInForm(LockoutMessageMixin, BootstrapFormMixin, AuthenticationForm):
    pass


class AdminSignInForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The Django admin's sign-in (admin.site.login_form): the same lockout, the same message."""


class PasswordChangeBootstrapForm(BootstrapFormMixin, PasswordChangeForm):
    pass


def _code_field(**extra) -> forms.CharField:
    return forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "size": 10}
        ),
        **extra,
    )


class TwoFactorCodeForm(BootstrapFormMixin, forms.Form):
    """A code from the authenticator app: confirming the setup, or changing it (core.two_factor)."""

    code = _code_field()


class TwoFactorVerifyForm(BootstrapFormMixin, forms.Form):
    """The second factor at sign-in: a code from the app, or one of the recovery codes."""

    code = _code_field(required=False)
    recovery_code = forms.CharField(
        label=_("Or one of your recovery codes"),
        max_length=20,
        required=False,
        help_text=_("Each recovery code works once."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("recovery_code"):
            raise forms.ValidationError(_("Enter the code from your authenticator app or a recovery code."))
        return data

    @property
    def given(self) -> str:
        return self.cleaned_data.get("code") or self.cleaned_data.get("recovery_code") or ""


def bootstrapify(form) -> None:
    """Bootstrap classes for a form we do not define ourselves (e.g. a FilterSet's form)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple | forms.NullBooleanSelect):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
