from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def stamp_existing_scores(apps, schema_editor):
    """Scores computed before the version was kept count as current: the model edits before this
    migration had already enqueued their recomputes."""
    CustomerScore = apps.get_model("customers", "CustomerScore")
    ScoringModel = apps.get_model("customers", "ScoringModel")
    CustomerScore.objects.update(
        model_version=Subquery(ScoringModel.objects.filter(pk=OuterRef("scoring_model_id")).values("version")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_default_scoring_model"),
    ]

    operations = [
        migrations.AddField(
            model_name="customerscore",
            name="model_version",
            field=models.PositiveIntegerField(default=0, verbose_name="scoring model version"),
        ),
        migrations.RunPython(stamp_existing_scores, migrations.RunPython.noop),
    ]
