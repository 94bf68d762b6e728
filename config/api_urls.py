"""REST API v1 (SPEC §6): the router lives here; serializers and views live in each app's `api/`.

Included by config/urls.py at `api/v1/` with namespace "v1" (NamespaceVersioning: request.version == "v1").
"""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from core.api.audit import AuditEventViewSet
from core.api.views import ApiNotFound
from exhibitions.api.views import BatchViewSet, BrandViewSet, ExhibitionViewSet, OrganizerViewSet
from targets.api.views import ProgressHistoryView, ProgressView, TargetViewSet
from venues.api.views import CityViewSet, VenueViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("cities", CityViewSet, basename="city")
router.register("batches", BatchViewSet, basename="batch")
router.register("venues", VenueViewSet, basename="venue")
router.register("organizers", OrganizerViewSet, basename="organizer")
router.register("brands", BrandViewSet, basename="brand")
router.register("targets", TargetViewSet, basename="target")
router.register("exhibitions", ExhibitionViewSet, basename="exhibition")
router.register("audit-events", AuditEventViewSet, basename="audit-event")  # the audit administrator only

urlpatterns = [
    path("progress/", ProgressView.as_view(), name="progress"),
    path("progress/history/", ProgressHistoryView.as_view(), name="progress-history"),
    *router.urls,
    re_path(r"^(.*/)?$", ApiNotFound.as_view(), name="not-found"),  # any other path: the JSON 404
]
