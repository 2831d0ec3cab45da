"""Fill the pipeline rollup from the opportunities already there (`kam rollups rebuild` does the same)."""

from django.db import migrations

from kam.opportunities.rollups import rebuild


def fill(apps, schema_editor):
    rebuild(apps.get_model("opportunities", "Opportunity"), apps.get_model("opportunities", "PipelineRollup"))


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0009_pipeline_rollup"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
