"""The Django admin: provincial staff edit the programme's data; the system administrator (三员, SPEC §5)
manages accounts, roles and API tokens; the security administrator sees failed sign-ins (axes; sessions and
unlocking are on its own page, /security/). Each sees only its own
models (core.signals.ADMIN_PERMISSIONS); the audit administrator has no admin access (not is_staff).

Accounts get their role (and a city official's city) only through core.services.user_set_role, so the
one rule applies here too: exactly one role, never a superuser, is_staff derived from the role. The
form never shows is_superuser, is_staff, groups or user permissions.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as DrfTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from core import audit, two_factor
from core.models import Job
from core.roles import ADMIN_ROLE_PRIORITY, GROUP_NAMES, ROLE_PRIORITY, AdminRole, AnyRole, Role, parse_role
from core.roles_display import ROLE_LABELS
from core.services import user_set_role
from venues.models import City

User = get_user_model()
ALL_ROLES: tuple[AnyRole, ...] = (*Role, *AdminRole)


# --- accounts (the system administrator) -------------------------------------------------------------


def stored_role(user) -> AnyRole | None:
    """The role a user's groups give, active or not (core.roles.role_of answers None for inactive
    accounts; the admin shows and edits what is stored). Reads prefetched groups when there are some."""
    names = {group.name for group in user.groups.all()}
    return next((role for role in (*ADMIN_ROLE_PRIORITY, *ROLE_PRIORITY) if GROUP_NAMES[role] in names), None)


def stored_city(user) -> City | None:
    try:
        return user.profile.city
    except User.profile.RelatedObjectDoesNotExist:
        return None


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Role"),
        choices=[("", "---------"), *((role.value, ROLE_LABELS[role]) for role in ALL_ROLES)],
        help_text=_("Exactly one role. Business roles and the three administrators are never combined."),
    )


def _city_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("City"),
        queryset=City.objects.all(),
        required=False,
        help_text=_("Only for city officials, who see their own city's drafts."),
    )


def _check_role_and_city(form: forms.Form) -> None:
    role, city = form.cleaned_data.get("role"), form.cleaned_data.get("city")
    if role == Role.CITY_OFFICIAL and city is None:
        form.add_error("city", gettext("A city official needs a city."))
    elif role and role != Role.CITY_OFFICIAL and city is not None:
        form.add_error("city", gettext("Only a city official is tied to a city: leave City empty for this role."))


class AccountCreationForm(AdminUserCreationForm):
    """Username, password (Django's validators, i.e. the password policy, run) and the one role."""

    role = _role_field()
    city = _city_field()

    def clean(self):
        cleaned = super().clean()
        _check_role_and_city(self)
        return cleaned


class AccountChangeForm(UserChangeForm):
    """The account's names, e-mail, active flag and its one role; the password has its own form."""

    role = _role_field()
    city = _city_field()
    own_account = False  # set by AccountAdmin.get_form: nobody changes their own role or deactivates themselves

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        role = stored_role(self.instance)
        city = stored_city(self.instance)
        self.initial.setdefault("role", role.value if role else "")
        self.initial.setdefault("city", city.pk if city else None)
        if self.own_account:
            for name in ("role", "city", "is_active"):
                if name in self.fields:
                    self.fields[name].disabled = True
            self.fields["role"].required = False
            self.fields["role"].help_text = _("You cannot change your own role; another system administrator can.")
            if "is_active" in self.fields:
                self.fields["is_active"].help_text = _("You cannot deactivate your own account.")

    def clean(self):
        cleaned = super().clean()
        _check_role_and_city(self)
        return cleaned


class RoleListFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(role.value, ROLE_LABELS[role]) for role in ALL_ROLES]

    def queryset(self, request, queryset):
        try:
            role = parse_role(self.value() or "")
        except ValueError:
            return queryset
        return queryset.filter(groups__name=GROUP_NAMES[role])


admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(DjangoUserAdmin):
    """Accounts for the system administrator: create, give a role (and a city), activate or deactivate,
    set a password. Role changes go through user_set_role (audited as role changed); every other change
    made here is audited as account changed."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role"), {"fields": ("role", "city", "is_active")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Role"), {"fields": ("role", "city")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "role", "city", "is_active", "last_login")
    list_filter = (RoleListFilter, ("profile__city", admin.RelatedOnlyFieldListFilter), "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    filter_horizontal = ()
    # Accounts are deactivated, never deleted (the audit log names them): no delete permission, no
    # delete action. A lost phone: the system administrator resets the account's second factor.
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor sign-in (lost authenticator)"), permissions=["change"])
    def reset_two_factor(self, request, queryset) -> None:
        others = list(queryset.exclude(pk=request.user.pk))  # one's own: on the two-factor page, with a code
        with transaction.atomic():
            for user in others:
                two_factor.devices_remove(user)
                detail = {"change": "reset", "by_administrator": True}
                audit.record(audit.Action.TWO_FACTOR_CHANGED, request=request, obj=user, detail=detail)
        self.message_user(
            request,
            _(
                "Two-factor sign-in reset for %(count)s account(s): each sets up a new authenticator at its next sign-in."
            )
            % {"count": len(others)},
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("profile__city").prefetch_related("groups")
        if not request.user.is_superuser:  # a superuser (break-glass, createsuperuser) is out of reach
            queryset = queryset.filter(is_superuser=False)
        return queryset

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            form.own_account = obj.pk == request.user.pk
        return form

    @admin.display(description=_("role"))
    def role(self, user) -> str:
        role = stored_role(user)
        return str(ROLE_LABELS[role]) if role else "-"

    @admin.display(description=_("city"), ordering="profile__city__sort_order")
    def city(self, user) -> str:
        return str(stored_city(user) or "-")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        city = data.get("city")
        if not change:
            user = user_set_role(
                username=obj.username,
                role=parse_role(data["role"]),
                city_slug=city.slug if city else None,
                password=data["password1"] if data.get("set_usable_password") else None,
                actor=request.user,
                request=request,
            )  # audited as account created
            obj.pk, obj._state.adding = user.pk, False
            return
        super().save_model(request, obj, form, change)
        if {"role", "city"} & set(form.changed_data):
            user_set_role(
                username=obj.username,
                role=parse_role(data["role"]),
                city_slug=city.slug if city else None,
                actor=request.user,
                request=request,
            )  # audited as role changed
        fields = sorted(set(form.changed_data) - {"role", "city"})
        if fields:
            detail = {"fields": fields, **({"is_active": obj.is_active} if "is_active" in fields else {})}
            audit.record(audit.Action.ACCOUNT_CHANGED, request=request, obj=obj, detail=detail)

    def user_change_password(self, request, id, form_url=""):
        """Django's "set password" page (the password policy's validators run). A password set here is
        audited by the password hook (core.passwords.password_audit) like on every path; password sign-in
        turned off sets no password, so it is audited here, by the actor."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            done = request.method == "POST" and response.status_code == 302
            if done and response["Location"] == reverse("admin:auth_user_change", args=[unquote(id)]):
                user = self.get_object(request, unquote(id))
                if not user.has_usable_password():
                    detail = {"usable": False, "by_administrator": True}
                    audit.record(audit.Action.PASSWORD_CHANGED, request=request, obj=user, detail=detail)
        return response


# --- API tokens (the system administrator) -----------------------------------------------------------

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(DrfTokenAdmin):
    """DRF's token admin: issue a token for an active API-client account, revoke one (issue and revoke are
    audited, without the key). The list shows only the start of each key; the whole key is in the
    message after issuing it, to hand over (DRF keeps keys in clear, so a token's own page shows it too).
    Issuing and revoking are audited on every path by core/token_audit.py."""

    list_display = ("user", "key_start", "created")

    @admin.display(description=_("key"))
    def key_start(self, token) -> str:
        return f"{token.key[:6]}…"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(
                groups__name=GROUP_NAMES[Role.API_CLIENT], is_active=True, auth_token__isnull=True
            ).order_by("username")
            kwargs["help_text"] = _("Active API-client accounts without a token (revoke a token to issue a new one).")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def log_addition(self, request, obj, message):
        """No admin history entry: its object id and name would keep the live key (the audit log has it)."""
        return None


# --- jobs (staff) -------------------------------------------------------------------------------------
# Sessions have no admin: its URLs and headings would carry the session key, with which the security
# administrator could take over any account. /security/ lists them by a hash of the key.


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
