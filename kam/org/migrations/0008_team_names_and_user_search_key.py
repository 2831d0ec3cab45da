"""Teams named "中文 / English" split into `name` and `name_en`; every user's search key written."""

from django.db import migrations

from kam.core.pinyin import backfill


def split_team_names(apps, schema_editor):
    Team = apps.get_model("org", "Team")
    for team in Team.objects.filter(name_en="", name__contains=" / "):
        name, name_en = (part.strip() for part in team.name.split(" / ", 1))
        if name and not Team.objects.filter(name=name).exclude(pk=team.pk).exists():
            Team.objects.filter(pk=team.pk).update(name=name, name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0007_team_name_en_user_search_key"),
    ]

    operations = [
        migrations.RunPython(split_team_names, migrations.RunPython.noop, elidable=False),
        backfill("org", "User", ("name",)),
    ]
