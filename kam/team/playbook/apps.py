from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamPlaybookConfig(AppConfig):
    name = "kam.team.playbook"
    label = "team_playbook"
    verbose_name = _("Playbook and certification")

    def ready(self) -> None:
        from kam.customers import owner_checks
        from kam.team.playbook.rules import check_key_owner

        owner_checks.register(check_key_owner)
