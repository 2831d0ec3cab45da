"""The company's minimum bid margin (15 %) and the questions and compliance items a new bid starts with."""

from decimal import Decimal

from django.db import migrations

# (kind, text, English text)
TEMPLATE_ITEMS = [
    ("criterion", "招标要求与立项时的客户需求一致吗？", "Does the tender match the needs the initiation report found?"),
    ("criterion", "我方方案满足招标的技术要求吗？", "Does our solution meet the tender's technical requirements?"),
    ("criterion", "评标办法对我方有利吗？", "Do the evaluation rules favour us?"),
    ("criterion", "决策人支持我方吗？", "Does the decision maker support us?"),
    ("criterion", "按招标的商务条件仍能达到毛利要求吗？", "Do the tender's commercial terms still allow our margin?"),
    ("criterion", "我方有足够的资源按期完成投标与实施吗？", "Do we have the resources to bid and deliver on time?"),
    ("qualification", "营业执照与资质证书", "Business licence and qualification certificates"),
    ("qualification", "类似项目业绩证明", "References for similar projects"),
    ("qualification", "法人授权委托书", "Power of attorney of the legal representative"),
    ("commercial", "投标函与报价一览表", "Bid letter and price summary"),
    ("commercial", "投标保证金", "Bid bond"),
    ("commercial", "商务条款偏离表", "Commercial deviations table"),
    ("technical", "技术方案", "Technical solution"),
    ("technical", "技术规格响应与偏离表", "Technical compliance and deviations table"),
    ("technical", "实施计划与服务承诺", "Implementation plan and service commitments"),
    ("price", "分项报价表", "Itemised price list"),
    ("price", "成本测算与毛利核算", "Cost estimate and margin check"),
]


def seed(apps, schema_editor):
    BidPolicy = apps.get_model("planning_bids", "BidPolicy")
    BidTemplateItem = apps.get_model("planning_bids", "BidTemplateItem")
    if not BidPolicy.objects.exists():
        BidPolicy.objects.create(minimum_margin=Decimal("15.00"), note="默认最低毛利率")
    if not BidTemplateItem.objects.exists():
        BidTemplateItem.objects.bulk_create(
            BidTemplateItem(kind=kind, text=text, text_en=text_en, order=order)
            for order, (kind, text, text_en) in enumerate(TEMPLATE_ITEMS)
        )


class Migration(migrations.Migration):
    dependencies = [("planning_bids", "0001_bids")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
