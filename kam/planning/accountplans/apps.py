from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountPlansConfig(AppConfig):
    name = "kam.planning.accountplans"
    label = "planning_accountplans"
    verbose_name = _("Account plans")
