"""URLs inside one township (its schema is already selected by the routing middleware)."""

from django.urls import include, path

from graphql_api.views import township_graphql_view
from platform_core import views
from platform_core.admin_site import township_admin_site

urlpatterns = [
    path("", views.township_home, name="township-home"),
    path("health/live", views.live),
    path("health/ready", views.ready),
    path("graphql/", township_graphql_view(), name="township-graphql"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", township_admin_site.urls),
]
