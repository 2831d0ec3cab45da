from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WinlossConfig(AppConfig):
    name = "kam.planning.winloss"
    label = "planning_winloss"
    verbose_name = _("Win/loss review")
