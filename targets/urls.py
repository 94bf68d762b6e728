from django.urls import path

from targets import views

app_name = "targets"
urlpatterns: list = [
    path("", views.TargetListView.as_view(), name="list"),
]
