"""URLs inside one township (its schema is already selected by the routing middleware)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from graphql_api.views import township_graphql_view
from platform_core import views
from platform_core.accounts.views import SigninLinkView
from platform_core.admin_site import township_admin_site
from platform_core.plugins import urls as plugin_urls

urlpatterns = [
    path("", views.township_home, name="township-home"),
    path("", views.township_home, name="home"),
    path("health/live", views.live),
    path("health/ready", views.ready),
    path("graphql/", township_graphql_view(), name="township-graphql"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Session sign-in for every role (the admin's own login admits staff only).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        SigninLinkView.as_view(),
        name="password_reset_confirm",
    ),
    path("admin/", township_admin_site.urls),
    path("work/", include("platform_core.workbench.urls")),
    path("", include("platform_core.codes.urls")),
    path("", include("platform_core.publication.urls")),
    path("", include("platform_core.alliance.urls")),
    path("", include("platform_core.dashboard.urls")),
    path("", include("platform_core.opendata.urls")),
]

# Plugins' public addresses (township_urls), after the platform's own: a prefix that
# overlaps one of these is refused (platform_core/plugins/urls.py).
urlpatterns += plugin_urls.township_patterns(urlpatterns)
