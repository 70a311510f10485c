"""The township dashboard (township URLs)."""

urlpatterns: list = []
