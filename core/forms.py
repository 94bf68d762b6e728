"""Form plumbing shared by every app: Bootstrap classes on widgets."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError


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
