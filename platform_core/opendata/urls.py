"""Open data of one township (township URLs): ``open-data/``, ``open-data/<key>.<csv|json>``."""

from django.urls import path

from platform_core.opendata import views

app_name = "opendata"

urlpatterns = [
    path("open-data/", views.township_index, name="index"),
    path("open-data/<slug:key>.<str:fmt>", views.township_export, name="export"),
]
