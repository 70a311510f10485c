"""The county dashboard (county URLs)."""

from django.urls import path

from platform_core.dashboard import views

urlpatterns = [
    path("dashboard/", views.county_dashboard, name="county-dashboard"),
]
