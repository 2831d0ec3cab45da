"""Seed the two sales processes of the domain guide (P0–P7 default; six-stage project sale)."""

from django.db import migrations

# (code, name, name_en, probability, key node, key node en, exact amount, exact date, won, exit criteria [(zh, en)])
DEFAULT_PROCESS = [
    ("P0", "市场规划 / 客户开发", "Market planning, customer development", 10, "信息准确", "Accurate information",
     False, False, False,
     [("客户基本信息已核实", "Customer's basic facts verified"), ("项目信息来源可靠", "Project information from a reliable source")]),
    ("P1", "挖掘需求 / 锁定目标", "Uncover needs, lock the target", 20, "目标确认", "Target confirmed",
     False, False, False,
     [("客户需求与预算已了解", "Customer's needs and budget understood"), ("项目可行性已判断", "Project feasibility judged")]),
    ("P2", "方案立项 / 客户公关", "Solution initiation, build relationships", 25, "售前立项", "Pre-sales initiation",
     False, False, False,
     [("决策标准已了解", "Decision criteria known"), ("已接触决策人", "Contact with a decision maker"),
      ("立项报告已批准", "Initiation report approved")]),
    ("P3", "设计交流 / 中层把握", "Design exchange, secure middle management", 30, "关系推进", "Relationships advanced",
     False, False, False,
     [("技术交流已完成", "Technical exchange held"), ("决策链已绘制", "Decision chain mapped"),
      ("中层关系达到 CR3", "Middle management at CR3")]),
    ("P4", "需求调研 / 高层突破", "Requirement research, reach top management", 50, "投标议标", "Bid or negotiated bid",
     True, True, False,
     [("高层已拜访", "Top management visited"), ("标书 / 议标方案已提交", "Bid or negotiated-bid proposal submitted")]),
    ("P5", "方案评估 / 项目承诺", "Solution evaluation, project commitment", 75, "合同审批", "Contract approval",
     True, True, False,
     [("客户已承诺首选我方", "Customer committed to us as preferred supplier"), ("合同已进入审批", "Contract in approval")]),
    ("P6", "协议谈判 / 签约成交", "Agreement negotiation, signing", 90, "合同签订", "Contract signed",
     True, True, False,
     [("商务条款已谈妥", "Commercial terms agreed"), ("合同已签订", "Contract signed")]),
    ("P7", "实施结案 / 升级扩容", "Implementation, closing, upgrade and expansion", 100, "验收结案", "Acceptance and closing",
     True, True, True,
     [("实施计划已交接", "Implementation plan handed over"), ("验收已完成", "Acceptance completed")]),
]

PROJECT_PROCESS = [
    ("S1", "客户开发", "Customer development", 10, "项目信息准确", "Accurate project information", False, False, False,
     [("项目信息已核实", "Project information verified")]),
    ("S2", "立项", "Initiation", 25, "售前立项报告", "Pre-sales initiation report", False, False, False,
     [("决策标准已了解", "Decision criteria known"), ("已接触决策人", "Contact with a decision maker"),
      ("立项报告已批准", "Initiation report approved")]),
    ("S3", "方案", "Proposal", 40, "关系有效推进", "Effective relationship progress", False, False, False,
     [("方案已提交", "Proposal submitted")]),
    ("S4", "投标", "Bidding", 60, "投标议标", "Bid or negotiated bid", True, True, False,
     [("标书已提交", "Bid submitted")]),
    ("S5", "商务谈判", "Commercial negotiation", 80, "合同审批与签订", "Contract approval and signing", True, True, False,
     [("合同已签订", "Contract signed")]),
    ("S6", "实施", "Implementation", 100, "验收结项", "Acceptance and project closing", True, True, True,
     [("验收已完成", "Acceptance completed")]),
]


def seed(apps, schema_editor):
    SalesProcess = apps.get_model("opportunities", "SalesProcess")
    Stage = apps.get_model("opportunities", "Stage")
    ExitCriterion = apps.get_model("opportunities", "ExitCriterion")
    for code, name, name_en, is_default, stages in (
        ("key-account", "大客户销售流程 P0–P7", "Key account process P0–P7", True, DEFAULT_PROCESS),
        ("project-sale", "项目型销售六阶段", "Project sale, six stages", False, PROJECT_PROCESS),
    ):
        process, created = SalesProcess.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "is_default": is_default}
        )
        if not created:
            continue
        for order, (scode, sname, sname_en, prob, node, node_en, exact_amount, exact_date, won, criteria) in enumerate(stages):
            stage = Stage.objects.create(
                process=process, order=order, code=scode, name=sname, name_en=sname_en, probability=prob,
                key_node=node, key_node_en=node_en, requires_exact_amount=exact_amount,
                requires_exact_date=exact_date, is_won=won,
            )
            for position, (text, text_en) in enumerate(criteria):
                ExitCriterion.objects.create(stage=stage, order=position, text=text, text_en=text_en)


def unseed(apps, schema_editor):
    apps.get_model("opportunities", "SalesProcess").objects.filter(code__in=["key-account", "project-sale"]).delete()


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0002_initial")]
    operations = [migrations.RunPython(seed, unseed)]
