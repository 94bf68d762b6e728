from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from core.api.views import ApiDocsView, ApiNotFound, ApiSchemaView
from core.views import healthz

# Every 403 a page answers is audited (permission_denied), with the stock 403 page.
handler403 = "core.views.permission_denied"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Home and dashboards first: the most requested pages resolve without trying the others.
    path("", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api_urls", "api"), namespace="v1")),
    path("api/schema/", ApiSchemaView.as_view(api_version="v1"), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # Everything else under /api/ (/api/, /api/v2/…, a missing slash): the API's JSON 404, not the HTML page.
    re_path(r"^api(?:/.*)?$", ApiNotFound.as_view(), name="api-not-found"),
    path("", include("core.urls")),
    path("exhibitions/", include("exhibitions.urls")),
    path("venues/", include("venues.urls")),
    path("targets/", include("targets.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
