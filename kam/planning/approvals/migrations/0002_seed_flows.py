"""The approval flows kam ships with (data: an administrator edits them in the admin)."""

from django.db import migrations

# code, name, name_en, steps: (name, name_en, approver_kind, role, manager_levels, mode)
FLOWS = [
    (
        "initiation",
        "立项审批",
        "Initiation approval",
        [
            ("销售经理审批", "Sales manager", "manager", "", 1, "any"),
            ("销售总监审批", "Sales director", "role", "director", 1, "any"),
        ],
    ),
    (
        "bid-price",
        "投标报价审批",
        "Bid price approval",
        [
            ("销售经理审批", "Sales manager", "manager", "", 1, "any"),
            ("销售总监审批", "Sales director", "role", "director", 1, "any"),
        ],
    ),
    (
        "contract",
        "合同审批",
        "Contract approval",
        [
            ("销售经理审批", "Sales manager", "manager", "", 1, "any"),
            ("销售总监会签", "Sales directors (all)", "role", "director", 1, "all"),
        ],
    ),
    (
        "discount",
        "折扣审批",
        "Discount approval",
        [
            ("销售经理审批", "Sales manager", "manager", "", 1, "any"),
        ],
    ),
]


def seed(apps, schema_editor):
    ApprovalFlow = apps.get_model("planning_approvals", "ApprovalFlow")
    ApprovalStep = apps.get_model("planning_approvals", "ApprovalStep")
    for code, name, name_en, steps in FLOWS:
        flow, created = ApprovalFlow.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
        if not created:
            continue
        for order, (step_name, step_name_en, kind, role, levels, mode) in enumerate(steps, start=1):
            ApprovalStep.objects.create(
                flow=flow,
                order=order,
                name=step_name,
                name_en=step_name_en,
                approver_kind=kind,
                role=role,
                manager_levels=levels,
                mode=mode,
            )


def unseed(apps, schema_editor):
    ApprovalFlow = apps.get_model("planning_approvals", "ApprovalFlow")
    ApprovalFlow.objects.filter(code__in=[code for code, *_ in FLOWS], requests__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("planning_approvals", "0001_approvals")]

    operations = [migrations.RunPython(seed, unseed)]
