from django.urls import path

from venues import views

app_name = "venues"
urlpatterns: list = [
    path("", views.VenueListView.as_view(), name="list"),
]
