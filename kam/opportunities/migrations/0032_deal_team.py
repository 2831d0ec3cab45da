from django.db import migrations, models

INDEX = "opportunity_deal_team_gin"


def fill(apps, schema_editor):
    """Each deal's team (less its owner) from its member rows (one UPDATE of the deals with one)."""
    from kam.opportunities.rollups import fill_deal_teams

    fill_deal_teams(
        apps.get_model("opportunities", "Opportunity"), apps.get_model("opportunities", "OpportunityMember")
    )


def add_index(apps, schema_editor):
    # PostgreSQL only: what a rep's list reads (`deal_team @> '[id]'`). SQLite reads the member
    # rows instead (kam.access.visibility.opportunity_parts).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "opportunities_opportunity" '
            'USING gin ("deal_team" jsonb_path_ops)'
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0031_team_rollup"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="deal_team",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(add_index, drop_index, elidable=False),
    ]
