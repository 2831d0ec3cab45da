from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "kam.delivery"
    label = "delivery"
    verbose_name = _("Delivery and service")

    def ready(self) -> None:
        from kam.delivery.contracts import services as contracts
        from kam.planning.approvals.services import register_outcome_handler

        # A contract's approval ends it signed or back in draft (inside the deciding transaction).
        register_outcome_handler("delivery.contract", contracts.on_decided)
        # Payment plans follow their contract's amount and status (kam.delivery.payments.receivers).
        from kam.delivery.payments import receivers  # noqa: F401
