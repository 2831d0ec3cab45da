from django.db import migrations

from kam.team.skills.seeds import seed as seed_rows


def seed(apps, schema_editor):
    seed_rows(apps.get_model("team_skills", "Treatment"), apps.get_model("team_skills", "Skill"))


class Migration(migrations.Migration):
    dependencies = [("team_skills", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
