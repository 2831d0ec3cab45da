from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0005_token_failure"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="money_unit",
            field=models.CharField(
                blank=True,
                choices=[("yuan", "Yuan (¥1,234,567.89)"), ("wan", "Ten thousand yuan (123.46 万)")],
                default="",
                max_length=4,
                verbose_name="amounts in",
            ),
        ),
    ]
