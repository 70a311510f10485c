"""The county dashboard (county URLs)."""

urlpatterns: list = []
