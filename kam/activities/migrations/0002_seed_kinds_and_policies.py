"""Seed the activity kinds (with their time category) and a visit policy for every tier."""

from decimal import Decimal

from django.db import migrations

# code, zh-Hans, English, time category, counts as a visit
KINDS = [
    ("visit", "拜访", "Visit", "selling", True),
    ("call", "电话", "Call", "selling", False),
    ("meeting", "会谈", "Meeting", "selling", True),
    ("meal", "宴请", "Meal", "selling", True),
    ("demo", "产品演示", "Demo", "selling", True),
    ("technical-exchange", "技术交流", "Technical exchange", "selling", True),
    ("proposal", "方案编写", "Proposal", "proposal", False),
    ("bid", "投标", "Bid", "proposal", False),
    ("negotiation", "商务谈判", "Negotiation", "selling", True),
    ("site-survey", "现场勘察", "Site survey", "selling", True),
    ("account-planning", "客户规划", "Account planning", "planning", False),
    ("service", "服务", "Service", "problem", True),
    ("travel", "差旅与等待", "Travel and waiting", "travel", False),
    ("admin", "行政事务", "Administration", "admin", False),
    ("report", "报告", "Reports", "reporting", False),
    ("internal-meeting", "内部会议", "Internal meeting", "internal", False),
    ("other", "其他", "Other", "admin", False),
]

# tier, visits, per months, hours per visit
POLICIES = [
    ("A", 4, 1, Decimal("3")),
    ("B", 2, 1, Decimal("1")),
    ("C", 1, 3, Decimal("0.33")),
    ("D", 1, 6, Decimal("0.5")),
]


def seed(apps, schema_editor):
    ActivityKind = apps.get_model("activities", "ActivityKind")
    VisitPolicy = apps.get_model("activities", "VisitPolicy")
    for order, (code, name, name_en, category, visit) in enumerate(KINDS):
        ActivityKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "time_category": category,
                "counts_as_visit": visit,
                "order": order,
            },
        )
    for tier, visits, months, hours in POLICIES:
        VisitPolicy.objects.get_or_create(
            tier=tier, segment="", defaults={"visits": visits, "period_months": months, "hours_per_visit": hours}
        )


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
