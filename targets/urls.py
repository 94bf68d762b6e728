from django.urls import path

from targets import views

app_name = "targets"
urlpatterns: list = [
    path("", views.TargetListView.as_view(), name="list"),
    path("new/", views.TargetEditView.as_view(), name="create"),
    path("<int:year>/", views.TargetDetailView.as_view(), name="detail"),
    path("<int:year>/edit/", views.TargetEditView.as_view(), name="edit"),
]
