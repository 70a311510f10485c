"""Public honour-board pages and their printable PDFs (township URLs)."""

from django.urls import path

from platform_core.publication import views

app_name = "publication"

urlpatterns = [
    path("boards/", views.board_index, name="boards"),
    path("boards/<str:village>/<int:year>-Q<int:quarter>/", views.board_page, name="board"),
    path("boards/<str:village>/<int:year>-Q<int:quarter>.pdf", views.board_pdf, name="board-pdf"),
]
