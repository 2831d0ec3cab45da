from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FishboneConfig(AppConfig):
    name = "kam.planning.fishbone"
    label = "planning_fishbone"
    verbose_name = _("Fishbone")

    def ready(self) -> None:
        from kam.planning import tools
        from kam.planning.fishbone.selectors import state

        tools.register(
            tools.Tool(
                key="fishbone",
                title=_("Fishbone"),
                url_name="planning_fishbone:opportunity",
                order=70,
                state=state,
            )
        )
