from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountPlansConfig(AppConfig):
    name = "kam.planning.accountplans"
    label = "planning_accountplans"
    verbose_name = _("Account plans")

    def ready(self) -> None:
        from kam.planning.accountplans import services
        from kam.planning.approvals.services import register_outcome_handler

        register_outcome_handler("planning_accountplans.accountplan", services.on_decided)
