from django.urls import path

from exhibitions import views

app_name = "exhibitions"
urlpatterns: list = [
    path("", views.ExhibitionListView.as_view(), name="list"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("organisers/", views.OrganizerListView.as_view(), name="organizer_list"),
    path("brands/", views.BrandListView.as_view(), name="brand_list"),
]
