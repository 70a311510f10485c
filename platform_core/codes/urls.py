"""Household QR codes, the public scan page and door plates (township URLs)."""

from django.urls import path

from platform_core.codes import views

app_name = "codes"

urlpatterns = [
    path("h/<str:token>/", views.scan, name="scan"),
    path("households/<str:code>/qr.svg", views.qr_svg, name="qr"),
    path("households/<str:code>/door-plate.pdf", views.door_plate, name="door-plate"),
    path("villages/<str:code>/door-plates.pdf", views.village_door_plates, name="door-plates"),
]
