"""Seed the competitor analysis grid's dimensions (DOMAIN.md §8); administrators may change every row."""

from django.db import migrations

# (code, name, English name)
DIMENSIONS = [
    ("market_position", "市场地位", "Market position"),
    ("market_share", "市场占有率", "Market share"),
    ("market_strategy", "市场策略", "Market strategy"),
    ("product_features", "产品特点", "Product features"),
    ("technology", "技术水平", "Technology"),
    ("customer_relationships", "客户关系", "Customer relationships"),
    ("commercial_policy", "商务政策", "Commercial policy"),
    ("service", "服务", "Service"),
]


def seed(apps, schema_editor):
    Dimension = apps.get_model("planning_competition", "Dimension")
    for order, (code, name, name_en) in enumerate(DIMENSIONS, start=1):
        Dimension.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
        )


def unseed(apps, schema_editor):
    apps.get_model("planning_competition", "Dimension").objects.filter(
        code__in=[code for code, _name, _en in DIMENSIONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("planning_competition", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
