from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionConfig(AppConfig):
    name = "kam.planning.competition"
    label = "planning_competition"
    verbose_name = _("Competitors")
