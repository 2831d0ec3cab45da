"""Fewer indexes on the opportunity table: each is one more write per imported deal.

The foreign keys customer, owner and stage lose their single-column indexes (the composite indexes
led by each serve every lookup and join on them), and the single-column sign-date index goes (every
sign-date read filters the status first: opportunity_sign_idx, opportunity_board_idx). The
foreign-key indexes are dropped by name as the database reports them, so SQLite does not rebuild
the table to change the fields."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COLUMNS = ("customer_id", "owner_id", "stage_id")


def drop_foreign_key_indexes(apps, schema_editor):
    connection = schema_editor.connection
    table = apps.get_model("opportunities", "Opportunity")._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if (
            info["index"]
            and not info["unique"]
            and not info["primary_key"]
            and len(info["columns"]) == 1
            and info["columns"][0] in COLUMNS
        ):
            schema_editor.execute(
                schema_editor._delete_index_sql(apps.get_model("opportunities", "Opportunity"), name)
            )


def create_foreign_key_indexes(apps, schema_editor):
    model = apps.get_model("opportunities", "Opportunity")
    for column in COLUMNS:
        field = model._meta.get_field(column.removesuffix("_id"))
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0013_sort_indexes"),
        ("opportunities", "0019_seed_close_reasons_and_gates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="opportunity", name="opportuniti_sign_da_b08968_idx"),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_foreign_key_indexes, create_foreign_key_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="opportunity",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="opportunities",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="opportunity",
                    name="owner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="opportunities",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
                migrations.AlterField(
                    model_name="opportunity",
                    name="stage",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="opportunities",
                        to="opportunities.stage",
                        verbose_name="stage",
                    ),
                ),
            ],
        ),
    ]
