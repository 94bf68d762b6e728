from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView

from core.forms import PasswordChangeBootstrapForm, SignInForm
from core.roles import Role, role_of


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe: no authentication, no database work (the floor for benchmarks)."""
    return HttpResponse("ok", content_type="text/plain")


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


class TemporaryHomeView(WorkspaceMixin, TemplateView):
    """Served at `/` until the dashboards app routes it (see core/urls.py)."""

    template_name = "core/home.html"
