"""Seed the playbook of the default P0–P7 process, the six elements of the certification (通关) and
the rule's settings row (off)."""

from django.db import migrations

# (code, name, name_en, description, description_en)
ELEMENTS = [
    ("process", "销售流程与关键节点", "Sales process and key nodes",
     "P0–P7 各阶段的工作、关键节点与推进条件", "The work, key node and exit criteria of each stage P0–P7"),
    ("customer-analysis", "客户分析", "Customer analysis",
     "需求、决策机制、客户实力与地方经济", "Needs, decision mechanism, the customer's strength, the local economy"),
    ("decision-chain", "组织架构与决策链", "Org chart and decision chain",
     "拍板人、技术审批、商务审批、影响线与支持度", "Decision maker, approvers, influence lines and stance"),
    ("relationships", "客户关系推进", "Relationship development",
     "CR1–CR5 的判断与推进、渔网图覆盖", "Judging and raising CR1–CR5, coverage net"),
    ("solution-value", "方案与价值呈现", "Solution and value presentation",
     "技术交流、方案讲解、价值分析与竞争对比", "Technical exchange, presenting the solution, value and competition"),
    ("bid-negotiation", "投标与商务谈判", "Bidding and negotiation",
     "标书响应、报价决策、合同谈判与签约", "Tender response, price decision, contract negotiation and signing"),
]

# stage code → (what to do, questions, materials), each (zh, en)
PLAYBOOK = {
    "P0": (
        ("明确目标市场与行业；建立客户名单并分级；核实客户基本信息与项目线索来源。",
         "Set the target market and industries; build the customer list and tier it; verify the customer's "
         "basic facts and where the lead came from."),
        ("客户的主营业务与规模？\n今年有哪些投资计划或项目？\n消息来源是否可靠？",
         "What is the customer's business and size?\nWhich investments or projects are planned this year?\n"
         "Is the source of the information reliable?"),
        ("客户分级评分表\n目标市场分析模板", "Customer scoring sheet\nTarget market analysis template"),
    ),
    "P1": (
        ("拜访客户，挖掘需求与预算；判断项目可行性；锁定目标客户与项目。",
         "Visit the customer, uncover needs and budget; judge the project's feasibility; lock the target."),
        ("客户遇到了什么问题？\n预算是否已落实？何时立项？\n谁提出的需求？",
         "What problem does the customer have?\nIs the budget approved? When will they start the project?\n"
         "Who raised the need?"),
        ("客户分析模板\n需求调研问卷", "Customer analysis template\nNeeds questionnaire"),
    ),
    "P2": (
        ("提交立项报告并获批准；组建项目组；了解决策标准，接触决策人，制定关系计划。",
         "Submit the initiation report and get it approved; form the deal team; learn the decision criteria, "
         "reach the decision maker, plan the relationships."),
        ("谁参与采购决策？各自关注什么？\n决策标准与流程是什么？\n有哪些竞争对手在接触？",
         "Who takes part in the buying decision and what does each care about?\n"
         "What are the decision criteria and steps?\nWhich competitors are talking to them?"),
        ("立项报告模板\n关系计划表", "Initiation report template\nRelationship plan sheet"),
    ),
    "P3": (
        ("开展技术交流；绘制组织架构图与决策链；把中层关系推进到 CR3；分析竞争对手。",
         "Hold the technical exchange; map the org chart and decision chain; bring middle management to CR3; "
         "analyse the competitors."),
        ("技术审批人对方案有什么顾虑？\n谁支持我们，谁反对？\n谁能影响拍板人？",
         "What worries the technical approver about our solution?\nWho supports us, who opposes?\n"
         "Who can sway the decision maker?"),
        ("技术交流材料\n竞争对手分析表", "Technical exchange deck\nCompetitor analysis sheet"),
    ),
    "P4": (
        ("完成需求调研；拜访高层；做 SWOT 分析；准备并提交标书或议标方案。",
         "Finish the requirement research; visit top management; run the SWOT; prepare and submit the bid "
         "or negotiated-bid proposal."),
        ("高层最关心的目标是什么？\n招标的评分标准如何？\n我们的价格在什么区间有竞争力？",
         "What goals matter most to top management?\nHow is the tender scored?\n"
         "In which price range are we competitive?"),
        ("SWOT / TOWS 模板\n投标检查清单", "SWOT / TOWS template\nBid checklist"),
    ),
    "P5": (
        ("组织方案评估；做价值分析；获得客户首选承诺；推动合同进入审批。",
         "Run the solution evaluation; present the value analysis; get the customer's commitment to us as "
         "preferred supplier; move the contract into approval."),
        ("客户是否已承诺首选我方？\n还有哪些未解决的顾虑？\n合同审批需要哪些人签字？",
         "Has the customer committed to us as preferred supplier?\nWhich concerns are still open?\n"
         "Who signs the contract approval?"),
        ("价值分析模板\n项目评审会议纪要", "Value analysis template\nProject review meeting minutes"),
    ),
    "P6": (
        ("制定谈判计划；谈妥商务条款；完成合同审批与签订。",
         "Plan the negotiation; agree the commercial terms; get the contract approved and signed."),
        ("哪些条款可以让步，哪些不能？\n付款条件与交付时间是否可接受？\n签约时间和签约人是谁？",
         "Which terms can we give, which not?\nAre the payment terms and delivery dates acceptable?\n"
         "When is the signing and who signs?"),
        ("谈判计划表\n合同审批单", "Negotiation plan sheet\nContract approval form"),
    ),
    "P7": (
        ("向交付团队交接；跟进实施计划、验收与回款；做项目总结；寻找升级扩容机会。",
         "Hand over to delivery; follow the implementation plan, acceptance and payments; write the win/loss "
         "review; look for upgrade and expansion."),
        ("客户对实施是否满意？\n回款是否按计划？\n还有哪些部门或项目可以扩展？",
         "Is the customer satisfied with the implementation?\nAre payments on plan?\n"
         "Which other departments or projects can we expand into?"),
        ("项目实施计划表\n项目总结模板", "Implementation plan sheet\nWin/loss review template"),
    ),
}


def seed(apps, schema_editor):
    Element = apps.get_model("team_playbook", "CertificationElement")
    Entry = apps.get_model("team_playbook", "PlaybookEntry")
    Rule = apps.get_model("team_playbook", "CertificationRule")
    Stage = apps.get_model("opportunities", "Stage")
    for order, (code, name, name_en, description, description_en) in enumerate(ELEMENTS):
        Element.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "description": description,
                      "description_en": description_en, "order": order},
        )
    for stage in Stage.objects.filter(process__code="key-account", code__in=list(PLAYBOOK)):
        (todo, todo_en), (questions, questions_en), (materials, materials_en) = PLAYBOOK[stage.code]
        Entry.objects.get_or_create(
            stage=stage,
            defaults={"what_to_do": todo, "what_to_do_en": todo_en, "questions": questions,
                      "questions_en": questions_en, "materials": materials, "materials_en": materials_en},
        )
    if not Rule.objects.exists():
        Rule.objects.create(enforce_key_owner=False, key_tiers="A")


def unseed(apps, schema_editor):
    apps.get_model("team_playbook", "PlaybookEntry").objects.all().delete()
    apps.get_model("team_playbook", "CertificationRule").objects.all().delete()
    Element = apps.get_model("team_playbook", "CertificationElement")
    Element.objects.filter(code__in=[row[0] for row in ELEMENTS], records__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("team_playbook", "0001_initial"),
        ("opportunities", "0003_seed_sales_processes"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
