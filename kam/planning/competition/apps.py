from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionConfig(AppConfig):
    name = "kam.planning.competition"
    label = "planning_competition"
    verbose_name = _("Competitors")

    def ready(self) -> None:
        # Deferred to ready(): the registry and the selectors import models, which load after apps.
        from kam.planning import tools
        from kam.planning.competition.selectors import state

        tools.register(
            tools.Tool(
                key="competition",
                title=_("Competitor analysis"),
                url_name="planning_competition:opportunity",
                order=40,
                state=state,
            )
        )
