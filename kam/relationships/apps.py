from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationshipsConfig(AppConfig):
    name = "kam.relationships"
    label = "relationships"
    verbose_name = _("Relationships")

    def ready(self) -> None:
        from django.core.signals import request_started

        # Deferred to ready(), where Django allows model imports (apps.py loads before models);
        # not a cycle.
        from kam.relationships.models import RelationshipPolicy

        request_started.connect(
            lambda **kwargs: RelationshipPolicy.forget(), weak=False, dispatch_uid="policy-forget"
        )
