from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WinlossConfig(AppConfig):
    name = "kam.planning.winloss"
    label = "planning_winloss"
    verbose_name = _("Win/loss review")

    def ready(self) -> None:
        # Deferred: the registry and the selectors import models, which load after the app configs.
        from kam.planning import tools
        from kam.planning.winloss.selectors import state

        tools.register(
            tools.Tool(
                key="winloss",
                title=_("Win/loss review"),
                url_name="planning_winloss:opportunity",
                order=80,
                state=state,
            )
        )
