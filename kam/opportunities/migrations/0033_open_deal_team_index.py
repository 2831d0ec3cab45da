from django.db import migrations

INDEX = "opportunity_open_deal_team_gin"


def add_index(apps, schema_editor):
    # PostgreSQL only, beside opportunity_deal_team_gin: the open deals' teams alone. A rep's
    # pipeline shows open deals by default; through the whole index a third of the deals it hands
    # over are closed ones, each a heap page read only to be filtered out.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "opportunities_opportunity" '
            "USING gin (\"deal_team\" jsonb_path_ops) WHERE \"status\" = 'open'"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0032_deal_team"),
    ]

    operations = [
        migrations.RunPython(add_index, drop_index, elidable=False),
    ]
