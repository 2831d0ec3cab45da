"""Stored health flags and the rescan's progress.

The table starts empty: `kam health rescan --now` (or the button on the Health page) fills it
from the rules, and the services keep it from then on. Until then pages show no flags."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('insights', '0004_money_fits_fifteen_digits'),
        ('opportunities', '0011_stored_sort_amount_and_health_rank'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HealthScan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('rescan', 'Full rescan'), ('nightly', 'Nightly pass')], default='rescan', max_length=10)),
                ('state', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('total', models.PositiveIntegerField(default=0)),
                ('processed', models.PositiveIntegerField(default=0)),
                ('requested_at', models.DateTimeField(auto_now_add=True)),
                ('as_of', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('error', models.TextField(blank=True)),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'health scan',
                'verbose_name_plural': 'health scans',
                'indexes': [models.Index(fields=['kind', 'state', 'as_of'], name='health_scan_kind_idx')],
            },
        ),
        migrations.CreateModel(
            name='StoredFlag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('severity', models.CharField(choices=[('info', 'Info'), ('warn', 'Warning'), ('critical', 'Critical')], max_length=10, verbose_name='severity')),
                ('rank', models.PositiveSmallIntegerField()),
                ('facts', models.JSONField(blank=True, default=dict)),
                ('raised_at', models.DateTimeField(verbose_name='raised at')),
                ('opportunity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stored_flags', to='opportunities.opportunity')),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stored_flags', to='insights.healthrule')),
            ],
            options={
                'verbose_name': 'health flag',
                'verbose_name_plural': 'health flags',
                'indexes': [models.Index(fields=['rule', 'opportunity'], name='stored_flag_rule_idx')],
                'constraints': [models.UniqueConstraint(fields=('opportunity', 'rule'), name='stored_flag_unique')],
            },
        ),
    ]
