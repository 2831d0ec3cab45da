from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecklistsConfig(AppConfig):
    name = "kam.planning.checklists"
    label = "planning_checklists"
    verbose_name = _("Strategy checklists")
