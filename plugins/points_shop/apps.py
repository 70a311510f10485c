from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsShopConfig(AppConfig):
    name = "plugins.points_shop"
    label = "points_shop"
    verbose_name = _("Points exchange shop")
