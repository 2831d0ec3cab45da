from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamPlaybookConfig(AppConfig):
    name = "kam.team.playbook"
    label = "team_playbook"
    verbose_name = _("Playbook and certification")
