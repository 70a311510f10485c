"""Household QR codes, the public scan page and door plates (township URLs)."""

urlpatterns: list = []
