from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "kam.opportunities"
    label = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        # The stage receivers that keep the forecast rollup weighed by the stages' rules.
        from kam.opportunities import rollups  # noqa: F401
