"""Open data across the county's active townships (county URLs)."""

from django.urls import path

from platform_core.opendata import views

app_name = "opendata"

urlpatterns = [
    path("open-data/", views.county_index, name="index"),
    path("open-data/<slug:key>.<str:fmt>", views.county_export, name="export"),
]
