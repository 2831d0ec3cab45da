import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kam.core.dbstats import refresh_after_migration

# The optional keys' whole-column indexes, replaced by the partial ones below (NULLs left out).
REPLACED = [
    ("opportunities_opportunity_close_reason_choice_id_4c83076d", "close_reason_choice_id"),
    ("opportunities_opportunity_customer_lead_id_21c67a5e", "customer_lead_id"),
    ("opportunities_opportunity_lost_to_id_765a2e22", "lost_to_id"),
]
# PostgreSQL only: the LIKE twin of the project number's unique index. Numbers are looked up whole
# (the unique index); no query reads them by prefix.
NUMBER_LIKE = "opportunities_opportunity_project_number_3bef5e04_like"


def drop_indexes(apps, schema_editor):
    for index, _column in REPLACED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NUMBER_LIKE}"')


def create_indexes(apps, schema_editor):
    for index, column in REPLACED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{index}" ON "opportunities_opportunity" ("{column}")'
        )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{NUMBER_LIKE}" ON "opportunities_opportunity" '
            '("project_number" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0016_seed_choices_and_search_keys"),
        ("opportunities", "0034_covered_key_indexes"),
        ("relationships", "0011_backfill_contact_search_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The state as AlterField leaves it; the database by DROP INDEX (AlterField would rebuild
        # the whole table on SQLite).
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="opportunity",
                    name="close_reason_choice",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="opportunities.closereason",
                        verbose_name="reason from the list",
                    ),
                ),
                migrations.AlterField(
                    model_name="opportunity",
                    name="customer_lead",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="relationships.contact",
                        verbose_name="customer-side lead",
                    ),
                ),
                migrations.AlterField(
                    model_name="opportunity",
                    name="lost_to",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="opportunities.competitor",
                        verbose_name="lost to",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                condition=models.Q(("customer_lead__isnull", False)),
                fields=["customer_lead"],
                name="opportunity_customer_lead_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                condition=models.Q(("lost_to__isnull", False)),
                fields=["lost_to"],
                name="opportunity_lost_to_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                condition=models.Q(("close_reason_choice__isnull", False)),
                fields=["close_reason_choice"],
                name="opportunity_close_reason_idx",
            ),
        ),
        # SQLite would rate the new indexes blindly against those it has statistics of.
        migrations.RunPython(refresh_after_migration, migrations.RunPython.noop, elidable=True),
    ]
