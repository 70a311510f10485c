"""Public honour-board pages and their printable PDFs (township URLs)."""

urlpatterns: list = []
