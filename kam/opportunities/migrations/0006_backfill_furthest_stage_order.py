from django.db import migrations
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Opportunity = apps.get_model("opportunities", "Opportunity")
    StageChange = apps.get_model("opportunities", "StageChange")
    furthest = (
        StageChange.objects.filter(opportunity_id=OuterRef("pk"))
        .values("opportunity_id")
        .annotate(top=Max("to_stage__order"))
        .values("top")[:1]
    )
    Stage = apps.get_model("opportunities", "Stage")
    current = Stage.objects.filter(pk=OuterRef("stage_id")).values("order")[:1]
    Opportunity.objects.update(furthest_stage_order=Coalesce(Subquery(furthest), Subquery(current)))


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0005_opportunity_furthest_stage_order_and_more")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
