from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamStarsConfig(AppConfig):
    name = "kam.team.stars"
    label = "team_stars"
    verbose_name = _("Star ratings")
