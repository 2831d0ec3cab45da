"""The default scoring model (综合积分法) of DOMAIN.md section 3: six static criteria (industry
leadership and the four strategic values plus strategic fit) and six dynamic ones. Everything here
is data an administrator may change; scores recompute when it changes."""

from decimal import Decimal

from django.db import migrations

D = Decimal

# (code, name, name_en, weight, [(label, label_en, points)])
STATIC = [
    (
        "industry_leadership",
        "行业地位",
        "Industry leadership",
        15,
        [
            ("行业龙头", "Industry leader", 100),
            ("行业前列", "Among the leaders", 70),
            ("行业跟随者", "Follower", 40),
            ("无明显地位", "No standing", 0),
        ],
    ),
    (
        "brand_builder",
        "产品信誉建立者",
        "Brand builder",
        5,
        [("显著", "Strong", 100), ("一般", "Some", 50), ("无", "None", 0)],
    ),
    (
        "regional_leader",
        "地域优势建立者",
        "Regional leader",
        5,
        [("显著", "Strong", 100), ("一般", "Some", 50), ("无", "None", 0)],
    ),
    (
        "technology_leader",
        "产品战略重点确立者",
        "Technology leader",
        5,
        [("显著", "Strong", 100), ("一般", "Some", 50), ("无", "None", 0)],
    ),
    (
        "reference_value",
        "客户优势建立者（样板价值）",
        "Reference value",
        5,
        [("标杆样板", "Flagship reference", 100), ("可作参考", "Usable reference", 50), ("无", "None", 0)],
    ),
    (
        "strategic_fit",
        "战略契合度",
        "Strategic fit",
        10,
        [("高", "High", 100), ("中", "Medium", 60), ("低", "Low", 20)],
    ),
]

# (code, source, name, name_en, weight, [(label, label_en, min, max, points)])
DYNAMIC = [
    (
        "years_as_customer",
        "years_as_customer",
        "合作年限",
        "Years as a customer",
        10,
        [
            ("不足1年", "Under 1 year", 0, 1, 0),
            ("1–3年", "1–3 years", 1, 3, 40),
            ("3–5年", "3–5 years", 3, 5, 70),
            ("5年以上", "5 years or more", 5, None, 100),
        ],
    ),
    (
        "won_amount_12m",
        "won_amount_12m",
        "近12个月成交额",
        "Won amount, last 12 months",
        15,
        [
            ("不足10万", "Under ¥100k", None, 100_000, 0),
            ("10万–100万", "¥100k–1M", 100_000, 1_000_000, 30),
            ("100万–500万", "¥1M–5M", 1_000_000, 5_000_000, 60),
            ("500万以上", "¥5M or more", 5_000_000, None, 100),
        ],
    ),
    (
        "share_of_wallet",
        "share_of_wallet",
        "采购份额",
        "Share of wallet",
        10,
        [
            ("不足10%", "Under 10 %", None, 10, 20),
            ("10%–30%", "10–30 %", 10, 30, 50),
            ("30%–60%", "30–60 %", 30, 60, 80),
            ("60%以上", "60 % or more", 60, None, 100),
        ],
    ),
    (
        "gross_profit_12m",
        "gross_profit_12m",
        "近12个月毛利贡献",
        "Gross profit, last 12 months",
        10,
        [
            ("不足5万", "Under ¥50k", None, 50_000, 0),
            ("5万–50万", "¥50k–500k", 50_000, 500_000, 40),
            ("50万–200万", "¥500k–2M", 500_000, 2_000_000, 70),
            ("200万以上", "¥2M or more", 2_000_000, None, 100),
        ],
    ),
    (
        "open_weighted_pipeline",
        "open_weighted_pipeline",
        "在途加权商机",
        "Open weighted pipeline",
        5,
        [
            ("不足10万", "Under ¥100k", None, 100_000, 0),
            ("10万–100万", "¥100k–1M", 100_000, 1_000_000, 50),
            ("100万以上", "¥1M or more", 1_000_000, None, 100),
        ],
    ),
    (
        "growth_yoy",
        "growth_yoy",
        "同比增长",
        "Growth year on year",
        5,
        [
            ("下降", "Shrinking", None, 0, 0),
            ("0–20%", "0–20 %", 0, 20, 50),
            ("20%以上", "20 % or more", 20, None, 100),
        ],
    ),
]

# tier, minimum score, segment (A is the key accounts; the pyramid's 4 % / 16 % / 80 %)
THRESHOLDS = [("A", 75, "key"), ("B", 55, "important"), ("C", 35, "general"), ("D", 0, "general")]


def seed(apps, schema_editor):
    ScoringModel = apps.get_model("customers", "ScoringModel")
    ScoringCriterion = apps.get_model("customers", "ScoringCriterion")
    ScoreBand = apps.get_model("customers", "ScoreBand")
    TierThreshold = apps.get_model("customers", "TierThreshold")
    if ScoringModel.objects.exists():
        return
    model = ScoringModel.objects.create(
        name="默认客户评分模型", name_en="Default customer scoring model", is_active=True
    )
    for tier, min_score, segment in THRESHOLDS:
        TierThreshold.objects.create(scoring_model=model, tier=tier, min_score=D(min_score), segment=segment)
    position = 0
    for code, name, name_en, weight, bands in STATIC:
        position += 1
        criterion = ScoringCriterion.objects.create(
            scoring_model=model,
            code=code,
            name=name,
            name_en=name_en,
            kind="static",
            source="",
            weight=D(weight),
            position=position,
        )
        for i, (label, label_en, points) in enumerate(bands, start=1):
            ScoreBand.objects.create(
                criterion=criterion, label=label, label_en=label_en, points=D(points), position=i
            )
    for code, source, name, name_en, weight, bands in DYNAMIC:
        position += 1
        criterion = ScoringCriterion.objects.create(
            scoring_model=model,
            code=code,
            name=name,
            name_en=name_en,
            kind="dynamic",
            source=source,
            weight=D(weight),
            position=position,
        )
        for i, (label, label_en, low, high, points) in enumerate(bands, start=1):
            ScoreBand.objects.create(
                criterion=criterion,
                label=label,
                label_en=label_en,
                points=D(points),
                position=i,
                min_value=None if low is None else D(low),
                max_value=None if high is None else D(high),
            )


def unseed(apps, schema_editor):
    apps.get_model("customers", "ScoringModel").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_scoring_tags_analysis")]

    operations = [migrations.RunPython(seed, unseed)]
