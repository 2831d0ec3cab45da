"""Seed the relationship score's requirements (the administrator can change every row)."""

from django.db import migrations

# (process code, from stage code, decision role, min level, no opposition, min contacts)
REQUIREMENTS = [
    ("key-account", "P2", "decision_maker", None, False, 1),
    ("key-account", "P3", "technical_approver", 3, False, 1),
    ("key-account", "P3", "", 1, False, 2),
    ("key-account", "P4", "decision_maker", 3, True, 1),
    ("key-account", "P4", "technical_approver", 3, True, 1),
    ("key-account", "P5", "business_approver", 3, True, 1),
    ("project-sale", "S2", "decision_maker", None, False, 1),
    ("project-sale", "S3", "technical_approver", 3, False, 1),
    ("project-sale", "S3", "", 1, False, 2),
    ("project-sale", "S4", "decision_maker", 3, True, 1),
    ("project-sale", "S5", "business_approver", 3, True, 1),
]


def seed(apps, schema_editor):
    Stage = apps.get_model("opportunities", "Stage")
    Requirement = apps.get_model("relationships", "RelationshipRequirement")
    for process, stage_code, role, level, no_opposition, min_contacts in REQUIREMENTS:
        stage = Stage.objects.filter(process__code=process, code=stage_code).first()
        if stage is None:
            continue
        Requirement.objects.get_or_create(
            from_stage=stage,
            decision_role=role,
            defaults={"min_level": level, "no_opposition": no_opposition, "min_contacts": min_contacts},
        )


def unseed(apps, schema_editor):
    apps.get_model("relationships", "RelationshipRequirement").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0002_relationship_requirements"),
        ("opportunities", "0003_seed_sales_processes"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
