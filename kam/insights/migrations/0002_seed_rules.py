"""Seed the health rules, the portfolio thresholds and the stages' default forecast categories."""

from django.db import migrations

RULES = [
    ("sign_date_passed", "签约日期已过但仍在进行", "Sign date passed while open", "critical", {}),
    ("sign_date_near_early_stage", "签约日期临近但阶段尚早", "Sign date near but stage early", "warn",
     {"days": 60, "max_stage_order": 3}),
    ("late_stage_weak_decision_maker", "后期阶段拍板人关系不足", "Late stage without a decision maker at CR3",
     "critical", {"min_stage_order": 4, "min_level": 3}),
    ("late_stage_opposition", "后期阶段有拍板人或审批人反对", "Late stage with an opposing decision maker or approver",
     "critical", {"min_stage_order": 4}),
    ("no_update", "长时间没有更新", "No update for too long", "warn",
     {"days_by_stage": {"P0": 60, "P1": 45, "P2": 30, "P3": 30, "P4": 21, "P5": 14, "P6": 14, "P7": 30},
      "default_days": 30}),
    ("stage_too_long", "在当前阶段停留过久", "Too long in the current stage", "warn",
     {"percentile": 80, "min_samples": 5}),
    ("four_elements_incomplete", "项目四要素不全", "Four elements incomplete", "info", {}),
    ("repeated_slip", "金额或签约日期多次变动", "Amount or sign date slipped repeatedly", "warn", {"min_slips": 2}),
    ("single_threaded", "单线联系", "Single-threaded", "warn", {"min_stage_order": 3}),
]

STAGE_CATEGORIES = {
    ("key-account", "P4"): "best_case",
    ("key-account", "P5"): "commit",
    ("key-account", "P6"): "commit",
    ("key-account", "P7"): "commit",
    ("project-sale", "S4"): "best_case",
    ("project-sale", "S5"): "commit",
    ("project-sale", "S6"): "commit",
}


def seed(apps, schema_editor):
    HealthRule = apps.get_model("insights", "HealthRule")
    for order, (code, name, name_en, severity, thresholds) in enumerate(RULES):
        HealthRule.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "severity": severity, "thresholds": thresholds, "order": order},
        )
    apps.get_model("insights", "PortfolioPolicy").objects.get_or_create(pk=1)
    Stage = apps.get_model("opportunities", "Stage")
    for (process, code), category in STAGE_CATEGORIES.items():
        Stage.objects.filter(process__code=process, code=code).update(forecast_category=category)


def unseed(apps, schema_editor):
    apps.get_model("insights", "HealthRule").objects.filter(code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("opportunities", "0004_opportunity_forecast_category_and_more"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
