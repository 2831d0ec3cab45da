"""The close reasons per outcome, and the stages that need an approved initiation to be entered."""

from django.db import migrations

# (outcome, code, name, name_en, names a competitor)
CLOSE_REASONS = [
    ("won", "relationship", "关系领先", "Stronger relationships", False),
    ("won", "solution", "方案最优", "Best solution", False),
    ("won", "price", "价格优势", "Better price", False),
    ("won", "service", "服务与口碑", "Service and reputation", False),
    ("won", "other", "其他", "Other", False),
    ("lost", "competitor-relationship", "竞争对手关系更强", "Competitor's relationships stronger", True),
    ("lost", "price", "价格偏高", "Price too high", True),
    ("lost", "solution", "方案不满足需求", "Solution did not meet the needs", True),
    ("lost", "decision-maker", "未接触到决策人", "Never reached the decision maker", True),
    ("lost", "qualification", "资质不符", "Qualification not met", False),
    ("lost", "other", "其他", "Other", False),
    ("dropped", "no-budget", "客户无预算", "Customer has no budget", False),
    ("dropped", "project-cancelled", "项目取消", "Project cancelled", False),
    ("dropped", "no-bid", "决定不投标", "Decided not to bid", False),
    ("dropped", "low-margin", "毛利过低", "Margin too low", False),
    ("dropped", "other", "其他", "Other", False),
]

# The stage entered only with an approved initiation report: the one after the initiation stage.
GATED_STAGES = [("key-account", "P3"), ("project-sale", "S3")]


def seed(apps, schema_editor):
    CloseReason = apps.get_model("opportunities", "CloseReason")
    Stage = apps.get_model("opportunities", "Stage")
    for order, (outcome, code, name, name_en, needs_competitor) in enumerate(CLOSE_REASONS):
        CloseReason.objects.get_or_create(
            outcome=outcome,
            code=code,
            defaults={"name": name, "name_en": name_en, "order": order, "needs_competitor": needs_competitor},
        )
    for process, code in GATED_STAGES:
        Stage.objects.filter(process__code=process, code=code).update(requires_initiation=True)


def unseed(apps, schema_editor):
    apps.get_model("opportunities", "CloseReason").objects.all().delete()
    apps.get_model("opportunities", "Stage").objects.update(requires_initiation=False)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0018_planning_foundation")]

    operations = [migrations.RunPython(seed, unseed)]
