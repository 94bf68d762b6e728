from django.urls import path

from venues import views

app_name = "venues"
urlpatterns: list = [
    path("", views.VenueListView.as_view(), name="list"),
    path("new/", views.VenueEditView.as_view(), name="create"),
    path("<int:pk>/", views.VenueDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.VenueEditView.as_view(), name="edit"),
]
