from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamSkillsConfig(AppConfig):
    name = "kam.team.skills"
    label = "team_skills"
    verbose_name = _("Skills and training")
