from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamCommissionConfig(AppConfig):
    name = "kam.team.commission"
    label = "team_commission"
    verbose_name = _("Commission")
