from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InitiationConfig(AppConfig):
    name = "kam.planning.initiation"
    label = "planning_initiation"
    verbose_name = _("Initiation")

    def ready(self) -> None:
        from kam.opportunities import gates
        from kam.planning import tools
        from kam.planning.approvals.services import register_outcome_handler
        from kam.planning.initiation import selectors, services

        tools.register(
            tools.Tool(
                key="initiation",
                title=_("Initiation report"),
                url_name="planning_initiation:opportunity",
                order=10,
                state=selectors.state,
            )
        )
        gates.register(services.initiation_gate)
        register_outcome_handler("planning_initiation.initiationreport", services.on_decided)
