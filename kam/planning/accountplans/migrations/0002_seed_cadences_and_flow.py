"""The review cadence by segment of DOMAIN.md §9 and the approval flow of account plans (data: an
administrator edits both in the admin)."""

from django.db import migrations

# segment, interval_months, collective, collective_month
CADENCES = [
    ("key", 3, False, None),
    ("important", 12, False, None),
    ("general", 12, True, 12),
]


def seed(apps, schema_editor):
    ReviewCadence = apps.get_model("planning_accountplans", "ReviewCadence")
    for segment, months, collective, month in CADENCES:
        ReviewCadence.objects.get_or_create(
            segment=segment,
            defaults={"interval_months": months, "collective": collective, "collective_month": month},
        )
    ApprovalFlow = apps.get_model("planning_approvals", "ApprovalFlow")
    ApprovalStep = apps.get_model("planning_approvals", "ApprovalStep")
    flow, created = ApprovalFlow.objects.get_or_create(
        code="account-plan", defaults={"name": "客户规划审批", "name_en": "Account plan approval"}
    )
    if created:
        ApprovalStep.objects.create(
            flow=flow, order=1, name="销售经理审批", name_en="Sales manager", approver_kind="manager",
            role="", manager_levels=1, mode="any",
        )
        ApprovalStep.objects.create(
            flow=flow, order=2, name="销售总监审批", name_en="Sales director", approver_kind="role",
            role="director", manager_levels=1, mode="any",
        )


def unseed(apps, schema_editor):
    apps.get_model("planning_approvals", "ApprovalFlow").objects.filter(
        code="account-plan", requests__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("planning_accountplans", "0001_accountplans"),
        ("planning_approvals", "0002_seed_flows"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
