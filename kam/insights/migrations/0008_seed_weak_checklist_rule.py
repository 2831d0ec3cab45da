"""Seed the weak-strategy-checklist health rule (its check: kam.insights.health.checklist)."""

from django.db import migrations

CODE = "weak_checklist"


def seed(apps, schema_editor):
    HealthRule = apps.get_model("insights", "HealthRule")
    last = HealthRule.objects.order_by("-order").values_list("order", flat=True).first() or 0
    HealthRule.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "后期阶段策略检查表薄弱",
            "name_en": "Late stage with a weak strategy checklist",
            "severity": "warn",
            # From P4, a section answered below 60 % is weak; a deal nobody has started the
            # checklist for is left to the administrator's choice (unanswered_is_weak).
            "thresholds": {"min_stage_order": 4, "min_percent": 60, "unanswered_is_weak": False},
            "order": last + 1,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("insights", "HealthRule").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("insights", "0007_no_update_reads_activities")]
    operations = [migrations.RunPython(seed, unseed)]
