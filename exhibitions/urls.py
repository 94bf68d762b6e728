from django.urls import path

from exhibitions import views

app_name = "exhibitions"
urlpatterns: list = [
    path("", views.ExhibitionListView.as_view(), name="list"),
    path("new/", views.ExhibitionCreateView.as_view(), name="create"),
    path("export/<str:fmt>/", views.ExhibitionExportView.as_view(), name="export"),
    path("venue-options/", views.VenueOptionsView.as_view(), name="venue_options"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template.<str:fmt>", views.ImportTemplateView.as_view(), name="import_template"),
    path("jobs/<uuid:pk>/", views.JobView.as_view(), name="job"),
    path("jobs/<uuid:pk>/download/", views.JobDownloadView.as_view(), name="job_download"),
    path("<int:pk>/", views.ExhibitionDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ExhibitionUpdateView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.ExhibitionDeleteView.as_view(), name="delete"),
    path("organisers/", views.OrganizerListView.as_view(), name="organizer_list"),
    path("organisers/new/", views.OrganizerEditView.as_view(), name="organizer_create"),
    path("organisers/<int:pk>/", views.OrganizerDetailView.as_view(), name="organizer_detail"),
    path("organisers/<int:pk>/edit/", views.OrganizerEditView.as_view(), name="organizer_edit"),
    path("brands/", views.BrandListView.as_view(), name="brand_list"),
    path("brands/new/", views.BrandEditView.as_view(), name="brand_create"),
    path("brands/<int:pk>/", views.BrandDetailView.as_view(), name="brand_detail"),
    path("brands/<int:pk>/edit/", views.BrandEditView.as_view(), name="brand_edit"),
]
