"""The workbench's URLs inside a township (``/work/``); plugins' screens under ``x/``."""

from django.urls import path

from platform_core.workbench import screens
from platform_core.workbench.views import home, households, month, photos, record, review

app_name = "work"

urlpatterns = [
    path("", home.home, name="home"),
    path("households/", households.household_list, name="households"),
    path("households/<str:code>/", households.household_page, name="household"),
    path("record/", record.record, name="record"),
    path("record/round/", record.record_round, name="record-round"),
    path("review/", review.review, name="review"),
    path("objections/", review.objections, name="objections"),
    path("objections/<int:pk>/", review.objection, name="objection"),
    path("month/", month.month, name="month"),
    path("photos/<int:pk>/", photos.photo, name="photo"),
    *screens.urlpatterns(),
]
