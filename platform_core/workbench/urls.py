"""The workbench's URLs inside a township (``/work/``); plugins' screens under ``x/``."""

from django.urls import path

from platform_core.workbench import screens
from platform_core.workbench.views import (
    consent,
    declarations,
    eligibility,
    feeds,
    home,
    households,
    mine,
    month,
    photos,
    rate,
    record,
    review,
    settings,
    staff,
    whatif,
)

app_name = "work"

urlpatterns = [
    path("", home.home, name="home"),
    path("households/", households.household_list, name="households"),
    path("households/<str:code>/", households.household_page, name="household"),
    path("households/<str:code>/consent/", consent.on_behalf, name="household-consent"),
    path("record/", record.record, name="record"),
    path("record/round/", record.record_round, name="record-round"),
    path("review/", review.review, name="review"),
    path("objections/", review.objections, name="objections"),
    path("objections/<int:pk>/", review.objection, name="objection"),
    path("month/", month.month, name="month"),
    path("rate/", rate.rate, name="rate"),
    path("mine/", mine.mine, name="mine"),
    path("mine/declare/", mine.declare, name="declare"),
    path("mine/consent/", consent.mine, name="my-consent"),
    path("mine/entries/<int:pk>/object/", mine.object_to, name="object"),
    path("declarations/", declarations.declarations, name="declarations"),
    path("declarations/<int:pk>/", declarations.declaration, name="declaration"),
    path("eligibility/", eligibility.eligibility, name="eligibility"),
    path("photos/<int:pk>/", photos.photo, name="photo"),
    path("staff/", staff.staff, name="staff"),
    path("staff/roles/<int:pk>/revoke/", staff.revoke, name="staff-revoke"),
    path("staff/people/<int:pk>/deactivate/", staff.deactivate, name="staff-deactivate"),
    path("staff/people/<int:pk>/link/", staff.signin_link, name="staff-link"),
    path("staff/people/<int:pk>/unlock/", staff.unlock, name="staff-unlock"),
    path("policy/", settings.policy, name="policy"),
    path("plugins/", settings.plugins, name="plugins"),
    path("plugins/<str:key>/", settings.plugin_settings, name="plugin"),
    path("plugins/<str:key>/<str:action>/", settings.plugin_switch, name="plugin-switch"),
    path("feeds/", feeds.feeds, name="feeds"),
    path("feeds/run/", feeds.run_now, name="feed-run"),
    path("whatif/", whatif.whatif, name="whatif"),
    *screens.urlpatterns(),
]
