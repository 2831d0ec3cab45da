from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SwotConfig(AppConfig):
    name = "kam.planning.swot"
    label = "planning_swot"
    verbose_name = _("SWOT and TOWS")
