from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kam.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # Connected here, where Django guarantees every app's models are loaded; the receiver lives
        # in the customers app so the pipeline that sends the signal never imports it.
        from kam.customers.scoring.tasks import on_score_inputs_changed
        from kam.opportunities.signals import score_inputs_changed

        score_inputs_changed.connect(on_score_inputs_changed, dispatch_uid="kam.customers.rescore")
