"""URLs of the county site (public schema)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from graphql_api.views import county_graphql_view
from platform_core import views
from platform_core.accounts.views import SigninLinkView
from platform_core.plugins import urls as plugin_urls
from platform_core.townships.admin import county_admin_site

urlpatterns = [
    path("", views.county_home, name="county-home"),
    path("", views.county_home, name="home"),
    path("health/live", views.live, name="health-live"),
    path("health/ready", views.ready, name="health-ready"),
    path("graphql/", county_graphql_view(), name="county-graphql"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Session sign-in for every role (the admin's own login admits staff only).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        SigninLinkView.as_view(),
        name="password_reset_confirm",
    ),
    path("admin/", county_admin_site.urls),
    path("work/", include("platform_core.workbench.county_urls")),
    path("", include("platform_core.dashboard.county_urls")),
    path("", include("platform_core.opendata.county_urls")),
]

# Plugins' public addresses (township_urls), after the platform's own: a prefix that
# overlaps one of these is refused (platform_core/plugins/urls.py).
urlpatterns += plugin_urls.county_patterns(urlpatterns)
