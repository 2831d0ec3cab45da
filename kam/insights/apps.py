from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "kam.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        # Imported here, once the app registry is ready (these modules load models). The pipeline
        # asks kam.opportunities.flags for the flag engine and the lower apps send signals, so
        # neither ever imports insights.
        from django.db.models.signals import post_delete, post_save

        from kam.insights.health import receivers
        from kam.insights.health.norms import stage_norms_refreshed
        from kam.insights.health.stored import StoredFlags
        from kam.insights.models import HealthRule
        from kam.opportunities import flags
        from kam.opportunities.signals import health_inputs_changed
        from kam.relationships.signals import contacts_changed

        flags.register(StoredFlags)
        health_inputs_changed.connect(receivers.on_health_inputs_changed, dispatch_uid="kam.insights.health")
        contacts_changed.connect(receivers.on_contacts_changed, dispatch_uid="kam.insights.health.contacts")
        stage_norms_refreshed.connect(receivers.on_stage_norms_refreshed, dispatch_uid="kam.insights.norms")
        post_save.connect(
            receivers.on_rule_changed, sender=HealthRule, dispatch_uid="kam.insights.rule_saved"
        )
        post_delete.connect(
            receivers.on_rule_changed, sender=HealthRule, dispatch_uid="kam.insights.rule_deleted"
        )
