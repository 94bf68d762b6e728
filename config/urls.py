from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from core.api.schema import SchemaView
from core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Home and dashboards first: the most requested pages resolve without trying the others.
    path("", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api_urls", "api"), namespace="v1")),
    path("api/schema/", SchemaView.as_view(api_version="v1"), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("core.urls")),
    path("exhibitions/", include("exhibitions.urls")),
    path("venues/", include("venues.urls")),
    path("targets/", include("targets.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
