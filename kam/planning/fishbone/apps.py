from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FishboneConfig(AppConfig):
    name = "kam.planning.fishbone"
    label = "planning_fishbone"
    verbose_name = _("Fishbone")
