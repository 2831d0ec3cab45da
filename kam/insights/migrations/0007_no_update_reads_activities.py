"""The "no update" health rule reads the last activity now: its name says so (unless renamed)."""

from django.db import migrations

OLD = ("长时间没有更新", "No update for too long")
NEW = ("长时间没有活动", "No activity for too long")


def rename(apps, schema_editor, source=OLD, target=NEW):
    HealthRule = apps.get_model("insights", "HealthRule")
    HealthRule.objects.filter(code="no_update", name=source[0], name_en=source[1]).update(
        name=target[0], name_en=target[1]
    )


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, source=NEW, target=OLD)


class Migration(migrations.Migration):
    dependencies = [("insights", "0006_flagged_opportunity")]

    operations = [migrations.RunPython(rename, rename_back)]
