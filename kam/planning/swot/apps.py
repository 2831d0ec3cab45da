from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SwotConfig(AppConfig):
    name = "kam.planning.swot"
    label = "planning_swot"
    verbose_name = _("SWOT and TOWS")

    def ready(self) -> None:
        # Deferred to ready(): the selectors import models, which are not loaded when apps.py is.
        from kam.planning import tools
        from kam.planning.swot.selectors import state

        tools.register(
            tools.Tool(
                key="swot",
                title=_("SWOT and TOWS"),
                url_name="planning_swot:opportunity",
                order=50,
                state=state,
            )
        )
