"""Public honour-board pages, month postings (公示) and their printable PDFs (township URLs)."""

from django.urls import path

from platform_core.publication import views

app_name = "publication"

urlpatterns = [
    path("boards/", views.board_index, name="boards"),
    path("boards/<str:village>/<int:year>-Q<int:quarter>/", views.board_page, name="board"),
    path("boards/<str:village>/<int:year>-Q<int:quarter>.pdf", views.board_pdf, name="board-pdf"),
    path("postings/", views.posting_index, name="postings"),
    path("postings/<str:village>/<str:month>/", views.posting_page, name="posting"),
    path("postings/<str:village>/<str:month>.pdf", views.posting_pdf, name="posting-pdf"),
]
