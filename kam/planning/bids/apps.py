from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BidsConfig(AppConfig):
    name = "kam.planning.bids"
    label = "planning_bids"
    verbose_name = _("Bids")

    def ready(self) -> None:
        # Deferred to ready(): the tool registry and the approvals engine call into this app's
        # selectors and services, which need the models loaded first.
        from kam.planning import tools
        from kam.planning.approvals.services import register_outcome_handler
        from kam.planning.bids import selectors, services

        tools.register(
            tools.Tool(
                key="bids",
                title=_("Bid"),
                url_name="planning_bids:opportunity",
                order=30,
                state=selectors.state,
            )
        )
        register_outcome_handler("planning_bids.bid", services.on_price_decided)
