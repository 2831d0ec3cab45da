"""One row per flagged open opportunity (the Health page's order) and the counts kept with them.

Start empty: `kam health rescan --now` fills them with the stored flags (as after 0005)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('insights', '0005_stored_flags'),
        ('opportunities', '0011_stored_sort_amount_and_health_rank'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FlaggedOpportunity',
            fields=[
                ('opportunity', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='health', serialize=False, to='opportunities.opportunity')),
                ('rank', models.PositiveSmallIntegerField()),
                ('sort_date', models.DateField()),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'flagged opportunity',
                'verbose_name_plural': 'flagged opportunities',
                'indexes': [models.Index(fields=['-rank', 'sort_date', 'opportunity'], name='flagged_list_idx'), models.Index(fields=['owner', 'rank'], name='flagged_owner_idx')],
            },
        ),
        migrations.CreateModel(
            name='HealthTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rule', models.PositiveIntegerField(default=0)),
                ('rank', models.PositiveSmallIntegerField()),
                ('count', models.IntegerField(default=0)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'health count',
                'verbose_name_plural': 'health counts',
                'constraints': [models.UniqueConstraint(fields=('owner', 'rule', 'rank'), name='health_tally_unique')],
            },
        ),
    ]
