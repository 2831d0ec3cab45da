from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "kam.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        # Imported here, once the app registry is ready (the engine loads models); the pipeline
        # asks kam.opportunities.flags for the engine, so it never imports insights.
        from kam.insights.health.engine import HealthEngine
        from kam.opportunities import flags

        flags.register(HealthEngine)
