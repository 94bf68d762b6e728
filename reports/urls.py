from django.urls import path

from reports import report_views, views

app_name = "reports"
urlpatterns: list = [
    path("", views.HomeView.as_view(), name="home"),
    path("dashboard/", views.DashboardView.as_view(), name="province"),
    path("dashboard/recompute/", views.RecomputeView.as_view(), name="recompute"),
    path("dashboard/status/", views.StatusView.as_view(), name="status"),
    path("dashboard/<slug:city_slug>/", views.DashboardView.as_view(), name="city"),
    path("reports/", report_views.ReportIndexView.as_view(), name="index"),
    path("reports/monthly/", report_views.MonthlyReportView.as_view(), name="monthly"),
]
