# The stored expected amount is made again (a generated column cannot be altered in place):
# × 0.5 instead of / 2, which SQLite computed as an integer division for whole-number ranges.

from decimal import Decimal

import django.db.models.expressions
import django.db.models.functions.comparison
from django.db import migrations, models


def expression():
    return django.db.models.functions.comparison.Coalesce(
        models.F("amount"),
        django.db.models.expressions.CombinedExpression(
            django.db.models.expressions.CombinedExpression(
                models.F("amount_low"), "+", models.F("amount_high")
            ),
            "*",
            models.Value(Decimal("0.5")),
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0012_funnel_rollup"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="opportunity", name="opportunity_amount_idx"),
        migrations.RemoveField(model_name="opportunity", name="sort_amount"),
        migrations.AddField(
            model_name="opportunity",
            name="sort_amount",
            field=models.GeneratedField(
                db_persist=True,
                expression=expression(),
                output_field=models.DecimalField(decimal_places=3, max_digits=16),
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["status", "sort_amount", "id"], name="opportunity_amount_idx"),
        ),
    ]
