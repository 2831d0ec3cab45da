"""A default rating scheme per role family, named in both languages, with its levels' incentives."""

from decimal import Decimal

from django.db import migrations

MULTIPLIERS = ["0.80", "0.90", "1.00", "1.15", "1.30"]
ALLOWANCES = ["0", "500", "1000", "2000", "3000"]

# family, zh name, en name, rule, [(metric, weight, five thresholds)], five minimum points
SCHEMES = [
    (
        "regional",
        "区域大客户经理星级评定",
        "Regional key-account rep star rating",
        "all",
        [
            ("won_revenue", "1", ["0", "1000000", "3000000", "6000000", "10000000"]),
            ("target_attainment", "1", ["0", "60", "80", "100", "120"]),
            ("process_passed", "1", ["0", "50", "70", "85", "95"]),
            ("certified", "1", ["0", "0", "1", "1", "1"]),
        ],
        ["0", "0", "0", "0", "0"],
    ),
    (
        "strategic",
        "战略客户经理星级评定",
        "Strategic account rep star rating",
        "points",
        [
            ("won_revenue", "3", ["0", "3000000", "8000000", "15000000", "25000000"]),
            ("new_key_accounts", "2", ["0", "1", "2", "3", "5"]),
            ("target_attainment", "3", ["0", "60", "80", "100", "120"]),
            ("certified", "2", ["0", "0", "1", "1", "1"]),
        ],
        ["0", "15", "25", "35", "45"],
    ),
    (
        "service",
        "项目服务人员星级评定",
        "Project service staff star rating",
        "all",
        [
            ("satisfaction", "1", ["0", "60", "70", "80", "90"]),
            ("process_passed", "1", ["0", "50", "70", "85", "95"]),
            ("certified", "1", ["0", "0", "0", "1", "1"]),
        ],
        ["0", "0", "0", "0", "0"],
    ),
]


def seed(apps, schema_editor):
    Scheme = apps.get_model("team_stars", "Scheme")
    Level = apps.get_model("team_stars", "Level")
    Criterion = apps.get_model("team_stars", "Criterion")
    Threshold = apps.get_model("team_stars", "Threshold")
    for family, name, name_en, rule, criteria, points in SCHEMES:
        if Scheme.objects.filter(family=family, active=True).exists():
            continue
        scheme = Scheme.objects.create(family=family, name=name, name_en=name_en, rule=rule, period="year")
        for star in range(1, 6):
            Level.objects.create(
                scheme=scheme,
                star=star,
                min_points=Decimal(points[star - 1]),
                base_band=f"B{star}",
                commission_multiplier=Decimal(MULTIPLIERS[star - 1]),
                allowance=Decimal(ALLOWANCES[star - 1]),
            )
        for order, (metric, weight, thresholds) in enumerate(criteria):
            criterion = Criterion.objects.create(scheme=scheme, metric=metric, weight=Decimal(weight), order=order)
            for star in range(1, 6):
                Threshold.objects.create(criterion=criterion, star=star, min_value=Decimal(thresholds[star - 1]))


def unseed(apps, schema_editor):
    Scheme = apps.get_model("team_stars", "Scheme")
    Scheme.objects.filter(name__in=[s[1] for s in SCHEMES], evaluations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("team_stars", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
