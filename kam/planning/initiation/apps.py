from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InitiationConfig(AppConfig):
    name = "kam.planning.initiation"
    label = "planning_initiation"
    verbose_name = _("Initiation")
