"""The county administrator's workbench on the county site (``/work/``)."""

from django.urls import path

from platform_core.workbench import county

app_name = "county-work"

urlpatterns = [
    path("", county.home, name="home"),
    path("onboard/", county.onboard, name="onboard"),
    path("townships/<str:code>/", county.township, name="township"),
    path("townships/<str:code>/admins/", county.grant_admin, name="grant-admin"),
    path(
        "townships/<str:code>/admins/<int:pk>/revoke/",
        county.revoke_admin,
        name="revoke-admin",
    ),
    path("townships/<str:code>/limits/", county.limits, name="limits"),
]
