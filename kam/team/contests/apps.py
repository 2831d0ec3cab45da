from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamContestsConfig(AppConfig):
    name = "kam.team.contests"
    label = "team_contests"
    verbose_name = _("Contests")
