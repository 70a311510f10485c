"""The township dashboard (township URLs)."""

from django.urls import path

from platform_core.dashboard import views

urlpatterns = [
    path("dashboard/", views.township_dashboard, name="township-dashboard"),
]
