"""Seed the strategy checklists of DOMAIN.md §8: six sections, their questions in both languages,
each tied to the stages from which it applies in each seeded process (none: every stage)."""

from django.db import migrations

# (code, name, English name, from stage in the key-account process, in the project-sale process)
SECTIONS = [
    ("customer", "客户策略", "Customer strategy", None, None),
    ("competition", "竞争策略", "Competition strategy", "P3", "S3"),
    ("product", "产品策略", "Product strategy", "P2", "S2"),
    ("commercial", "商务策略", "Commercial strategy", "P4", "S4"),
    ("service", "服务策略", "Service strategy", "P4", "S4"),
    ("contingency", "应急预案", "Contingency plans", "P4", "S4"),
]

QUESTIONS = {
    "customer": [
        ("是否有可靠的信息渠道？", "Is there a reliable information channel?"),
        (
            "是否有合适的客户关系计划？执行效果如何？",
            "Is there a fitting relationship plan, and is it working?",
        ),
        ("客户是否认可我们的整体实力？", "Does the customer accept our overall strength?"),
        ("客户对我们是否信任，是否有明显的支持？", "Does the customer trust us, with visible support?"),
        ("是否了解关键人物的深层需求？", "Do we know the key people's deeper needs?"),
        (
            "关键决策者是否有难处？我们是否有办法帮助解决？",
            "Does a key decision maker have a difficulty, and do we have a way to address it?",
        ),
    ],
    "competition": [
        ("是否有了解竞争对手情况的渠道？", "Do we have a channel into the competitor's situation?"),
        (
            "是否清楚竞争对手与客户的关系？",
            "Do we know how the competitor's relationship with the customer stands?",
        ),
        (
            "是否了解竞争对手的方案及客户的反应？",
            "Do we know the competitor's solution and the customer's reaction to it?",
        ),
        (
            "对倾向竞争对手的决策者是否有应对办法？",
            "Do we have an approach to the decision makers who favour the competitor?",
        ),
    ],
    "product": [
        (
            "方案是否已向决策链各层级介绍？",
            "Has the solution been presented to every level of the decision chain?",
        ),
        ("方案是否符合客户需求？", "Does the solution fit the customer's needs?"),
        ("方案是否有独特的卖点？", "Does the solution have unique points?"),
    ],
    "commercial": [
        (
            "是否已向决策者做出承诺并得到其承诺？",
            "Have we given the decision maker a commitment and received one?",
        ),
        ("是否有谈判计划？", "Is there a negotiation plan?"),
        ("是否给了支持者支持我们的理由？", "Have we given our supporters reasons to back us?"),
        ("签约条款是否可以接受？", "Are the signing terms acceptable?"),
    ],
    "service": [
        (
            "客户是否认可我们的实施与服务方案？",
            "Does the customer accept our implementation and service plan?",
        ),
        (
            "服务资源（人员、备件、响应时间）是否落实？",
            "Are the service resources (people, spare parts, response times) committed?",
        ),
        (
            "是否了解客户对售后服务的关注点？",
            "Do we know what the customer cares about in after-sales service?",
        ),
    ],
    "contingency": [
        ("支持者倒戈时是否有应对预案？", "Is there a plan for a supporter who turns?"),
        (
            "竞争对手客户关系很强时是否有应对预案？",
            "Is there a plan for a competitor whose relationship with the customer is strong?",
        ),
        (
            "竞争对手的失败牵连到我们时是否有应对预案？",
            "Is there a plan for a competitor's failure that taints us?",
        ),
    ],
}


def _stages_from(Stage, process, code):
    start = Stage.objects.filter(process__code=process, code=code).first()
    if start is None:
        return []
    return list(Stage.objects.filter(process=start.process, order__gte=start.order))


def seed(apps, schema_editor):
    Section = apps.get_model("planning_checklists", "ChecklistSection")
    Question = apps.get_model("planning_checklists", "ChecklistQuestion")
    Stage = apps.get_model("opportunities", "Stage")
    for order, (code, name, name_en, key_account, project_sale) in enumerate(SECTIONS):
        section, created = Section.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )
        if not created:
            continue
        stages = []
        if key_account:
            stages += _stages_from(Stage, "key-account", key_account)
        if project_sale:
            stages += _stages_from(Stage, "project-sale", project_sale)
        for position, (text, text_en) in enumerate(QUESTIONS[code]):
            question = Question.objects.create(section=section, text=text, text_en=text_en, order=position)
            question.stages.set(stages)


def unseed(apps, schema_editor):
    Section = apps.get_model("planning_checklists", "ChecklistSection")
    Question = apps.get_model("planning_checklists", "ChecklistQuestion")
    codes = [s[0] for s in SECTIONS]
    Question.objects.filter(section__code__in=codes, answers__isnull=True).delete()
    Section.objects.filter(code__in=codes, questions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("planning_checklists", "0001_checklists"),
        ("opportunities", "0003_seed_sales_processes"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
