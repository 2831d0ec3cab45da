import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, index): single-column indexes of foreign keys that a composite index already
# starts with. Every imported or created deal wrote each of them for nothing.
COVERED = [
    (
        "opportunities_opportunitycontact",
        "opportunity_id",
        "opportunities_opportunitycontact_opportunity_id_38bf7dba",
    ),
    (
        "opportunities_opportunitymember",
        "opportunity_id",
        "opportunities_opportunitymember_opportunity_id_1afb3b06",
    ),
    ("opportunities_opportunitymember", "user_id", "opportunities_opportunitymember_user_id_6464baeb"),
    ("opportunities_stagechange", "opportunity_id", "opportunities_stagechange_opportunity_id_28c3462a"),
]

# PostgreSQL only: the search key's plain index and its LIKE twin. The search reads the trigram
# index (0022); these served nothing and cost two long-text index entries per deal written.
# SQLite keeps its plain index, as the field declares.
SEARCH_KEY = [
    ("opportunities_opportunity_search_key_846d3228", 'btree ("search_key")'),
    ("opportunities_opportunity_search_key_846d3228_like", 'btree ("search_key" varchar_pattern_ops)'),
]


def drop_indexes(apps, schema_editor):
    for _table, _column, index in COVERED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
    if schema_editor.connection.vendor == "postgresql":
        for index, _definition in SEARCH_KEY:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')


def create_indexes(apps, schema_editor):
    for table, column, index in COVERED:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        for index, definition in SEARCH_KEY:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{index}" ON "opportunities_opportunity" USING {definition}'
            )


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0033_open_deal_team_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The state changes as AlterField would; the database by DROP INDEX alone (AlterField
        # would rebuild each table on SQLite to drop one index).
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="opportunitycontact",
                    name="opportunity",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contact_roles",
                        to="opportunities.opportunity",
                    ),
                ),
                migrations.AlterField(
                    model_name="opportunitymember",
                    name="opportunity",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="members",
                        to="opportunities.opportunity",
                    ),
                ),
                migrations.AlterField(
                    model_name="opportunitymember",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deal_memberships",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                migrations.AlterField(
                    model_name="stagechange",
                    name="opportunity",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="stage_changes",
                        to="opportunities.opportunity",
                    ),
                ),
            ],
        ),
    ]
