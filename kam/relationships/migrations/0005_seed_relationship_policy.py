from django.db import migrations


def seed(apps, schema_editor):
    apps.get_model("relationships", "RelationshipPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("relationships", "0004_relationship_policy")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
