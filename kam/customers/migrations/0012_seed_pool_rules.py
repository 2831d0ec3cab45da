"""Duplicate keys and the pool clock for the customers already stored, and the default pool rules:
a key customer returns after 90 days only with a manager's approval, an important one after 60,
a general one after 30 (an administrator changes them on the pool page's rules)."""

from django.db import migrations
from django.db.models import F

from kam.core.companies import company_name_key, company_name_pinyin

RULES = (
    {"segment": "key", "days": 90, "warning_days": 14, "needs_approval": True},
    {"segment": "important", "days": 60, "warning_days": 7, "needs_approval": False},
    {"segment": "general", "days": 30, "warning_days": 7, "needs_approval": False},
)


def forward(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    PoolRule = apps.get_model("customers", "PoolRule")
    PoolSettings = apps.get_model("customers", "PoolSettings")
    Customer.objects.filter(kept_since__isnull=True).update(kept_since=F("created_at"))
    batch = []
    for customer in Customer.objects.only("pk", "name").iterator(chunk_size=2000):
        customer.name_key = company_name_key(customer.name)
        customer.name_pinyin = company_name_pinyin(customer.name)
        batch.append(customer)
        if len(batch) == 2000:
            Customer.objects.bulk_update(batch, ["name_key", "name_pinyin"])
            batch = []
    Customer.objects.bulk_update(batch, ["name_key", "name_pinyin"])
    for rule in RULES:
        PoolRule.objects.get_or_create(segment=rule["segment"], tier="", defaults=rule)
    PoolSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_public_pool")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
