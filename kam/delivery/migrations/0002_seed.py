"""Delivery's data as shipped (an administrator edits it in the admin): the churn curve of the
seeds, SLA targets per tier and priority, kinds of service request, the hand-over checklist and
the survey's questions."""

from decimal import Decimal

from django.db import migrations

# level, name, name_en, churn %, NPS from, NPS to
CHURN = [
    (1, "非常不满意", "Very dissatisfied", Decimal("80"), 0, 4),
    (2, "不满意", "Dissatisfied", Decimal("40"), 5, 6),
    (3, "一般", "Neutral", Decimal("20"), 7, 7),
    (4, "满意", "Satisfied", Decimal("10"), 8, 8),
    (5, "非常满意", "Very satisfied", Decimal("1.5"), 9, 10),
]

# Hours to first response and to resolution: (urgent, high, normal, low) per tier.
SLA = {
    "A": [(1, 8), (2, 24), (4, 72), (8, 168)],
    "B": [(2, 12), (4, 48), (8, 120), (24, 240)],
    "C": [(4, 24), (8, 72), (24, 168), (48, 336)],
    "D": [(8, 48), (24, 120), (48, 240), (72, 480)],
}
PRIORITIES = ["urgent", "high", "normal", "low"]

KINDS = [
    ("fault", "故障", "Fault"),
    ("question", "咨询", "Question"),
    ("change", "变更需求", "Change request"),
    ("complaint", "投诉", "Complaint"),
    ("training", "培训", "Training"),
    ("maintenance", "维护保养", "Maintenance"),
]

HANDOVER = [
    ("合同及技术协议已移交", "Contract and technical agreement handed over"),
    ("客户方项目联系人及决策链已介绍", "The customer's project contacts and decision chain introduced"),
    ("范围、验收标准与里程碑已确认", "Scope, acceptance criteria and milestones agreed"),
    ("付款条件与开票要求已说明", "Payment terms and invoicing requirements explained"),
    ("销售承诺与风险已交底", "Commitments made in the sale and the risks briefed"),
]

QUESTIONS = [
    ("产品质量", "Product quality"),
    ("交付及时性", "Delivery on time"),
    ("服务响应", "Service responsiveness"),
    ("沟通与专业度", "Communication and expertise"),
    ("性价比", "Value for money"),
]


def seed(apps, schema_editor):
    ChurnBand = apps.get_model("delivery", "ChurnBand")
    for level, name, name_en, churn, nps_from, nps_to in CHURN:
        ChurnBand.objects.get_or_create(
            level=level,
            defaults={"name": name, "name_en": name_en, "churn_percent": churn, "nps_from": nps_from, "nps_to": nps_to},
        )
    SlaTarget = apps.get_model("delivery", "SlaTarget")
    for tier, targets in SLA.items():
        for priority, (response, resolution) in zip(PRIORITIES, targets, strict=True):
            SlaTarget.objects.get_or_create(
                tier=tier, priority=priority, defaults={"response_hours": response, "resolution_hours": resolution}
            )
    ServiceKind = apps.get_model("delivery", "ServiceKind")
    for order, (code, name, name_en) in enumerate(KINDS, start=1):
        ServiceKind.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})
    HandoverItem = apps.get_model("delivery", "HandoverItem")
    if not HandoverItem.objects.exists():
        for order, (text, text_en) in enumerate(HANDOVER, start=1):
            HandoverItem.objects.create(text=text, text_en=text_en, order=order)
    SurveyQuestion = apps.get_model("delivery", "SurveyQuestion")
    if not SurveyQuestion.objects.exists():
        for order, (text, text_en) in enumerate(QUESTIONS, start=1):
            SurveyQuestion.objects.create(text=text, text_en=text_en, order=order)


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_delivery")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
