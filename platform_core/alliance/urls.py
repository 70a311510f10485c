"""Public addresses of the township's integrity dividends (township URLs, no sign-in)."""

from django.urls import path

from platform_core.alliance import views

app_name = "dividends"

urlpatterns = [
    path("dividends/", views.dividends_page, name="page"),
    path("dividends.pdf", views.dividends_pdf, name="pdf"),
]
