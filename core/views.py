from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View, defaults

from core.audit import Action, Outcome, record
from core.forms import PasswordChangeBootstrapForm, SignInForm
from core.roles import Role, role_of


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe: no authentication, no database work (the floor for benchmarks)."""
    return HttpResponse("ok", content_type="text/plain")


def denied_detail(request, reason: str = "") -> dict:
    """What an audited refusal records besides who and from where: the request's method and path."""
    detail = {"method": request.method, "path": request.path[:500]}
    if reason:
        detail["reason"] = reason[:300]
    return detail


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """handler403: every page's PermissionDenied is recorded (SPEC §12), then Django's 403 page
    (templates/403.html). The API records its own refusals (core.api.exceptions)."""
    reason = str(exception) if exception is not None and exception.args else ""
    record(Action.PERMISSION_DENIED, request=request, outcome=Outcome.DENIED, detail=denied_detail(request, reason))
    return defaults.permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the refusal is recorded as permission_denied, then Django's own CSRF page."""
    from django.views.csrf import csrf_failure as django_csrf_failure

    record(
        Action.PERMISSION_DENIED,
        request=request,
        outcome=Outcome.DENIED,
        detail={**denied_detail(request), "reason": f"CSRF: {reason}"[:300]},
    )
    return django_csrf_failure(request, reason=reason)


WORKSPACE_ROLES = (Role.STAFF, Role.CITY_OFFICIAL)


class WorkspaceMixin(LoginRequiredMixin):
    """Browser pages: signed-in provincial staff or city officials (API clients use the API).

    Anonymous users are redirected to the sign-in page; other roles get 403. Row-level rights come
    from the one scoping rule (`for_user`), never from this mixin.
    """

    staff_only = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        role = role_of(request.user)
        if role not in WORKSPACE_ROLES or (self.staff_only and role != Role.STAFF):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def role(self) -> Role | None:
        return role_of(self.request.user)

    @property
    def is_staff_role(self) -> bool:
        return self.role == Role.STAFF


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = False


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeBootstrapForm


class ReferenceViewMixin(WorkspaceMixin):
    """Shared by the list/detail/edit pages of venues, organisers and brands.

    Subclasses set `model`, `table_class`, `form_class`, `save` (a service), `url_prefix`
    ("venues:" / "exhibitions:organizer_" ...), `title` and `title_plural`.
    """

    model = None
    table_class = None
    form_class = None
    detail_fields: tuple[str, ...] = ()
    list_select_related: tuple[str, ...] = ()
    url_names: dict = {}
    title = ""
    title_plural = ""

    def save(self, *, actor, instance, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def history(self, obj) -> dict:
        """The detail page's change history (core.history): the latest changes of the shown fields."""
        from core.history import history_entries

        entries, more = history_entries(obj.history.all(), fields=self.detail_fields)
        return {"history": entries, "history_more": more}

    def context(self, **extra) -> dict:
        return {
            "title": self.title,
            "title_plural": self.title_plural,
            "url_names": self.url_names,
            "can_edit": self.is_staff_role,
            **extra,
        }


class ReferenceListView(ReferenceViewMixin, View):
    search_fields: tuple[str, ...] = ("name_zh__icontains", "name_en__icontains")

    def get(self, request):
        from django.db.models import Q
        from django_tables2 import RequestConfig

        queryset = self.model.objects.for_user(request.user, "view").select_related(*self.list_select_related)
        query = request.GET.get("q", "").strip()
        if query:
            condition = Q()
            for lookup in self.search_fields:
                condition |= Q(**{lookup: query})
            queryset = queryset.filter(condition)
        table = self.table_class(queryset)
        RequestConfig(request, paginate={"per_page": 50}).configure(table)
        return render(request, "reference/list.html", self.context(table=table, total=table.paginator.count, q=query))


class ReferenceDetailView(ReferenceViewMixin, View):
    def get(self, request, pk: int):
        obj = self.model.objects.for_user(request.user, "view").filter(pk=pk).first()
        if obj is None:
            raise Http404
        rows = []
        for name in self.detail_fields:
            field = self.model._meta.get_field(name)
            value = getattr(obj, f"get_{name}_display")() if field.choices else getattr(obj, name)
            if isinstance(value, bool):
                value = _("Yes") if value else _("No")
            rows.append((field.verbose_name, value if value not in (None, "") else "—"))
        context = self.context(object=obj, rows=rows, **self.history(obj), **self.extra(obj))
        return render(request, "reference/detail.html", context)

    def extra(self, obj) -> dict:
        return {}


class ReferenceEditView(ReferenceViewMixin, View):
    """Create (no pk) or edit; only provincial staff (403 for others, enforced by the service too)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and role_of(request.user) == Role.CITY_OFFICIAL:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, request, pk):
        if pk is None:
            return self.model()
        obj = self.model.objects.for_user(request.user, "view").filter(pk=pk).first()
        if obj is None:
            raise Http404
        if not self.model.objects.for_user(request.user, "change").filter(pk=pk).exists():
            raise PermissionDenied
        return obj

    def get(self, request, pk: int | None = None):
        obj = self.get_object(request, pk)
        form = self.form_class(instance=obj)
        return render(request, "reference/form.html", self.context(form=form, object=obj))

    def post(self, request, pk: int | None = None):
        from django.contrib import messages
        from django.core.exceptions import ValidationError

        obj = self.get_object(request, pk)
        form = self.form_class(request.POST, instance=obj)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.cleaned_data}
            try:
                saved = self.save(
                    actor=request.user,
                    instance=self.model.objects.get(pk=obj.pk) if obj.pk else self.model(),
                    data=data,
                )
            except ValidationError as error:
                for name, errors in getattr(error, "error_dict", {None: error.error_list}).items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Saved “%(name)s”.") % {"name": saved})
                return redirect(self.url_names["detail"], pk=saved.pk)
        return render(request, "reference/form.html", self.context(form=form, object=obj))
