from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidsConfig(AppConfig):
    name = "kam.planning.bids"
    label = "planning_bids"
    verbose_name = _("Bids")
