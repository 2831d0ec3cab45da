"""The raw material of the demo world: teams, people, companies, titles and phrases.

Company names are real, well-known Chinese organisations so the demo reads like a real
key-account book; every person, number, address and deal is invented.
"""

from __future__ import annotations

# Team names (zh-Hans, English): the page shows the reader's language (Team.display_name).
ROOT_TEAM = ("大客户销售中心", "Key Account Sales")
TEAMS = {
    "east": ("华东大客户部", "East China Key Accounts"),
    "north": ("华北大客户部", "North China Key Accounts"),
    "south": ("华南大客户部", "South China Key Accounts"),
}

# username, name, role, team key ("" = root team, None = no team)
USERS = [
    ("demo_admin", "王磊", "admin", None),
    ("demo_director", "张伟", "director", ""),
    ("demo_manager_east", "李娜", "manager", "east"),
    ("demo_manager_north", "刘洋", "manager", "north"),
    ("demo_manager_south", "陈静", "manager", "south"),
    ("demo_rep_east1", "杨帆", "rep", "east"),
    ("demo_rep_east2", "赵敏", "rep", "east"),
    ("demo_rep_east3", "黄志强", "rep", "east"),
    ("demo_rep_north1", "周杰", "rep", "north"),
    ("demo_rep_north2", "吴婷婷", "rep", "north"),
    ("demo_rep_south1", "徐浩", "rep", "south"),
    ("demo_rep_south2", "孙丽萍", "rep", "south"),
]

# Industries by the Chinese name of their row (kam.customers.models.Industry, which holds the
# English name too: migration customers 0016).
INDUSTRIES = {
    "energy": "能源电力",
    "manufacturing": "制造业",
    "telecom": "通信",
    "finance": "金融",
    "healthcare": "医疗卫生",
    "transport": "交通运输",
    "petrochem": "石油化工",
}

# City → (team key, region: the Chinese name of its kam.customers.models.Region row).
CITIES = {
    "上海": ("east", "上海"),
    "江苏": ("east", "江苏"),
    "浙江": ("east", "浙江"),
    "北京": ("north", "北京"),
    "天津": ("north", "天津"),
    "山东": ("north", "山东"),
    "河北": ("north", "河北"),
    "广东": ("south", "广东"),
    "深圳": ("south", "深圳"),
    "福建": ("south", "福建"),
}

# Segment: K key, I important, G general.
# (name, short name, industry, city, e-mail code, segment, subsidiaries [(name, short, city, code, segment)])
GROUPS = [
    (
        "中国华能集团有限公司",
        "华能集团",
        "energy",
        "北京",
        "huaneng",
        "K",
        [
            ("华能上海石洞口发电有限责任公司", "华能石洞口电厂", "上海", "hn-sdk", "K"),
            ("华能南京电厂", "华能南京电厂", "江苏", "hn-nj", "I"),
            ("华能广东海门电厂", "华能海门电厂", "广东", "hn-hm", "I"),
            ("华能北京热电有限责任公司", "华能北京热电", "北京", "hn-bj", "G"),
        ],
    ),
    (
        "中国宝武钢铁集团有限公司",
        "宝武集团",
        "manufacturing",
        "上海",
        "baowu",
        "K",
        [
            ("宝山钢铁股份有限公司", "宝钢股份", "上海", "baosteel", "K"),
            ("马钢（集团）控股有限公司", "马钢集团", "江苏", "magang", "I"),
            ("宝钢湛江钢铁有限公司", "湛江钢铁", "广东", "zjsteel", "I"),
        ],
    ),
    (
        "中国移动通信集团有限公司",
        "中国移动",
        "telecom",
        "北京",
        "cmcc",
        "K",
        [
            ("中国移动通信集团江苏有限公司", "江苏移动", "江苏", "js-cmcc", "I"),
            ("中国移动通信集团广东有限公司", "广东移动", "广东", "gd-cmcc", "K"),
            ("中国移动通信集团北京有限公司", "北京移动", "北京", "bj-cmcc", "G"),
        ],
    ),
    (
        "国家电网有限公司",
        "国家电网",
        "energy",
        "北京",
        "sgcc",
        "K",
        [
            ("国网上海市电力公司", "国网上海电力", "上海", "sh-sgcc", "I"),
            ("国网江苏省电力有限公司", "国网江苏电力", "江苏", "js-sgcc", "K"),
            ("国网浙江省电力有限公司", "国网浙江电力", "浙江", "zj-sgcc", "I"),
            ("国网天津市电力公司", "国网天津电力", "天津", "tj-sgcc", "G"),
        ],
    ),
    (
        "中国工商银行股份有限公司",
        "工商银行",
        "finance",
        "北京",
        "icbc",
        "I",
        [
            ("中国工商银行上海市分行", "工行上海分行", "上海", "sh-icbc", "I"),
            ("中国工商银行广东省分行", "工行广东分行", "广东", "gd-icbc", "G"),
        ],
    ),
    (
        "上海申通地铁集团有限公司",
        "申通地铁",
        "transport",
        "上海",
        "shmetro",
        "I",
        [
            ("上海地铁第一运营有限公司", "地铁一运", "上海", "shmetro1", "G"),
            ("上海地铁维护保障有限公司", "地铁维保", "上海", "shmetro-mt", "G"),
        ],
    ),
    (
        "华润医药集团有限公司",
        "华润医药",
        "healthcare",
        "北京",
        "crpharm",
        "I",
        [
            ("华润医药商业集团有限公司", "华润医药商业", "北京", "crpharm-biz", "G"),
            ("华润三九医药股份有限公司", "华润三九", "深圳", "cr999", "I"),
            ("华润双鹤药业股份有限公司", "华润双鹤", "北京", "crdc", "G"),
        ],
    ),
    (
        "广州汽车集团股份有限公司",
        "广汽集团",
        "manufacturing",
        "广东",
        "gac",
        "K",
        [
            ("广汽乘用车有限公司", "广汽乘用车", "广东", "gac-motor", "I"),
            ("广汽埃安新能源汽车股份有限公司", "广汽埃安", "广东", "gac-aion", "K"),
            ("广汽本田汽车有限公司", "广汽本田", "广东", "gac-honda", "G"),
        ],
    ),
    (
        "中国石油化工集团有限公司",
        "中国石化",
        "petrochem",
        "北京",
        "sinopec",
        "K",
        [
            ("中国石化上海石油化工股份有限公司", "上海石化", "上海", "spc", "I"),
            ("中国石化广州分公司", "广州石化", "广东", "gzpc", "G"),
            ("中国石化燕山分公司", "燕山石化", "北京", "yspc", "I"),
        ],
    ),
]

STANDALONE = [
    ("上海振华重工（集团）股份有限公司", "振华重工", "manufacturing", "上海", "zpmc", "I"),
    ("三一重工股份有限公司", "三一重工", "manufacturing", "北京", "sany", "I"),
    ("潍柴动力股份有限公司", "潍柴动力", "manufacturing", "山东", "weichai", "K"),
    ("海尔智家股份有限公司", "海尔智家", "manufacturing", "山东", "haier", "I"),
    ("美的集团股份有限公司", "美的集团", "manufacturing", "广东", "midea", "K"),
    ("比亚迪股份有限公司", "比亚迪", "manufacturing", "深圳", "byd", "I"),
    ("京东方科技集团股份有限公司", "京东方", "manufacturing", "北京", "boe", "G"),
    ("中芯国际集成电路制造（上海）有限公司", "中芯上海", "manufacturing", "上海", "smic", "I"),
    ("深圳能源集团股份有限公司", "深圳能源", "energy", "深圳", "sec", "G"),
    ("北京燃气集团有限责任公司", "北京燃气", "energy", "北京", "bjgas", "G"),
    ("浙江省能源集团有限公司", "浙能集团", "energy", "浙江", "zjenergy", "I"),
    ("中国电信股份有限公司广东分公司", "广东电信", "telecom", "广东", "gd-ct", "G"),
    ("中国联合网络通信有限公司天津市分公司", "天津联通", "telecom", "天津", "tj-cu", "G"),
    ("招商银行股份有限公司", "招商银行", "finance", "深圳", "cmb", "I"),
    ("上海浦东发展银行股份有限公司", "浦发银行", "finance", "上海", "spdb", "G"),
    ("兴业银行股份有限公司", "兴业银行", "finance", "福建", "cib", "G"),
    ("复旦大学附属中山医院", "中山医院", "healthcare", "上海", "zs-hospital", "G"),
    ("广东省人民医院", "广东省人民医院", "healthcare", "广东", "gdph", "G"),
    ("山东大学齐鲁医院", "齐鲁医院", "healthcare", "山东", "qlyy", "G"),
    ("北京首都国际机场股份有限公司", "首都机场", "transport", "北京", "bcia", "I"),
    ("深圳市地铁集团有限公司", "深圳地铁", "transport", "深圳", "szmc", "G"),
    ("顺丰控股股份有限公司", "顺丰", "transport", "深圳", "sf", "G"),
    ("宁波舟山港股份有限公司", "宁波舟山港", "transport", "浙江", "nbport", "G"),
    ("河北钢铁集团有限公司唐山分公司", "唐钢", "manufacturing", "河北", "tangsteel", "G"),
    ("江苏恒瑞医药股份有限公司", "恒瑞医药", "healthcare", "江苏", "hengrui", "G"),
]

# Top titles and departments per industry: (gm, deputy, departments)
ORG_SHAPES = {
    "energy": (
        "总经理",
        "副总经理",
        ["生产技术部", "设备管理部", "安全环保部", "信息中心", "物资采购部", "财务部"],
    ),
    "petrochem": (
        "总经理",
        "副总经理",
        ["生产运行部", "机动设备部", "安全环保部", "信息中心", "物资装备部", "财务部"],
    ),
    "manufacturing": (
        "总经理",
        "副总经理",
        ["生产制造部", "设备动力部", "工艺技术部", "信息中心", "采购部", "财务部"],
    ),
    "telecom": (
        "总经理",
        "副总经理",
        ["网络部", "信息技术部", "规划技术部", "市场部", "采购与物流部", "财务部"],
    ),
    "finance": (
        "行长",
        "副行长",
        ["信息科技部", "运营管理部", "风险管理部", "集中采购部", "财务会计部", "办公室"],
    ),
    "healthcare": (
        "院长",
        "副院长",
        ["信息中心", "医学装备部", "后勤保障部", "采购中心", "财务处", "医务处"],
    ),
    "transport": (
        "总经理",
        "副总经理",
        ["运营部", "机电设备部", "信息中心", "物资部", "财务部", "安全质量部"],
    ),
}
# Departments whose head approves the commercial side; the others are technical.
COMMERCIAL_DEPARTMENTS = ("采购", "物资", "财务", "办公室")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAMES = (  # noqa: SIM905
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 建国 志强 海燕 晓东 文博 国强 立新 "
    "红梅 春生 德明 振华 永刚 晓燕 丽萍 学军 俊杰 鹏 浩 宇 斌 辉 凯 琳 欣 华 玲 健 毅 峰 晨 颖 雪 卫东 建军 小红 "
    "海涛 志刚 利民 光明 淑珍 玉兰 亚楠 思远 嘉怡 子健 明辉 庆华 金龙 雅琴 文静 国栋 宏伟 家豪 晓峰 秋月"
).split()

MOBILE_PREFIXES = (
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "158",
    "159",
    "177",
    "180",
    "186",
    "187",
    "188",
    "189",
)

# Product line -> (project name patterns, competitors most often met there)
PRODUCT_LINES = {
    "智能配电 / Power distribution": (
        ["配电室智能化改造", "10kV 开关柜更新", "中低压配电系统扩容", "变电站综合自动化改造"],
        ["施耐德电气 Schneider Electric", "西门子 Siemens", "ABB"],
    ),
    "工业自动化 / Industrial automation": (
        ["DCS 控制系统升级", "产线 PLC 改造", "智能工厂自动化二期", "机组控制系统改造"],
        ["西门子 Siemens", "罗克韦尔 Rockwell Automation", "霍尼韦尔 Honeywell", "艾默生 Emerson"],
    ),
    "能源管理 / Energy management": (
        ["能源管理平台建设", "碳排放监测系统", "综合能效提升项目", "储能电站 EMS"],
        ["施耐德电气 Schneider Electric", "ABB", "华为 Huawei"],
    ),
    "数据中心 / Data centre": (
        ["数据中心 UPS 扩容", "机房基础设施改造", "灾备中心建设", "云平台服务器采购"],
        ["华为 Huawei", "浪潮 Inspur", "新华三 H3C", "施耐德电气 Schneider Electric"],
    ),
    "工业软件 / Industrial software": (
        ["MES 系统建设", "设备资产管理系统", "ERP 财务模块升级", "数字孪生平台"],
        ["用友 Yonyou", "金蝶 Kingdee", "SAP", "西门子 Siemens"],
    ),
    "运维服务 / O&M services": (
        ["年度运维服务框架", "设备全生命周期服务", "远程运维中心建设"],
        ["ABB", "西门子 Siemens", "霍尼韦尔 Honeywell"],
    ),
}

COMPETITORS = {
    "西门子 Siemens": (
        "品牌强，产品线全 / Strong brand, full range",
        "价格高，交付周期长 / Expensive, long lead times",
    ),
    "施耐德电气 Schneider Electric": (
        "配电产品口碑好 / Well regarded in power distribution",
        "本地服务响应慢 / Slow local service",
    ),
    "ABB": ("高端项目业绩多 / Many high-end references", "报价缺乏灵活性 / Rigid pricing"),
    "华为 Huawei": (
        "高层关系深，方案完整 / Deep top-level ties, complete solution",
        "行业 know-how 有限 / Limited domain know-how",
    ),
    "浪潮 Inspur": ("服务器价格低 / Low server prices", "软件生态弱 / Weak software ecosystem"),
    "新华三 H3C": ("网络产品成熟 / Mature networking products", "集成能力一般 / Average integration skills"),
    "用友 Yonyou": (
        "财务软件客户基础大 / Large finance-software base",
        "制造执行经验少 / Little MES experience",
    ),
    "金蝶 Kingdee": ("云化转型快 / Fast move to cloud", "大型项目交付经验少 / Few large deliveries"),
    "SAP": ("全球最佳实践 / Global best practice", "实施成本高 / Costly implementation"),
    "罗克韦尔 Rockwell Automation": (
        "离散制造控制强 / Strong in discrete control",
        "国内渠道少 / Thin local channel",
    ),
    "霍尼韦尔 Honeywell": (
        "流程工业经验丰富 / Deep process-industry experience",
        "定制开发慢 / Slow custom work",
    ),
    "艾默生 Emerson": ("阀门与仪表一体 / Valves and instruments bundled", "价格偏高 / Pricey"),
}

MEMBER_PARTS = [
    "技术方案 / Technical solution",
    "商务报价 / Commercial offer",
    "客户关系 / Customer relationship",
    "售前演示 / Pre-sales demo",
]

RELATIONSHIP_NOTES = {
    1: [
        "通过行业展会获得名片，尚未正式拜访 / Card from a trade fair; not yet visited",
        "同事引荐，已寄送公司资料 / Introduced by a colleague; company brochure sent",
    ],
    2: [
        "已正式拜访，交流了产品与技术资料 / Formal visit; exchanged product and technical information",
        "参加了我方技术交流会 / Attended our technical seminar",
    ],
    3: [
        "一起用过餐，会主动介绍项目进展 / Dinner together; tells us how the project is going",
        "关系熟悉，提供一般性技术和商务信息 / Familiar; gives general technical and commercial information",
    ],
    4: [
        "我方教练，提供关键信息并帮助推进项目 / Our coach; gives key information and pushes the project",
        "多次私下沟通，提醒竞争对手动向 / Several private talks; warns us of competitors' moves",
    ],
    5: [
        "主动给出决策建议，能推动我方中标 / Advises on decisions unasked; can drive our win",
        "高度信任，关键时刻力挺我方 / Full trust; backs us at the decisive moments",
    ],
}

INFLUENCE_NOTES = [
    "分管领导，意见很受一把手重视 / Deputy in charge; the top person values his view",
    "技术权威，影响领导的技术判断 / Technical authority; sways the boss's technical judgement",
    "老同事关系，私下沟通频繁 / Former colleagues; talk often in private",
]

BACKWARD_NOTES = [
    "客户预算冻结，需求需要重新确认 / Customer froze the budget; needs must be confirmed again",
    "客户决策人调整，关系需要重新推进 / The decision maker changed; relationships must be rebuilt",
    "招标推迟，技术方案需要重新交流 / Tender postponed; the solution must be discussed again",
]

WON_REASONS = [
    "技术方案获得客户认可，价格有竞争力 / Solution accepted by the customer at a competitive price",
    "高层关系突破，决策人明确支持 / Top-level relationship won; the decision maker backed us",
    "老客户扩容，服务口碑好 / Expansion at an existing customer with a good service record",
]
LOST_REASONS = [
    "价格高于竞争对手约 12%，商务分落后 / Price about 12% above the competitor; lost on commercial score",
    "竞争对手与决策人关系更深 / The competitor had the closer relationship with the decision maker",
    "技术参数被竞争对手控标 / The competitor shaped the technical specification",
]
DROPPED_REASONS = [
    "未入围短名单 / Not shortlisted",
    "客户要求的价格无法满足毛利要求 / The customer's price would not meet the required margin",
    "采购标准对我方不利，主动放弃 / Buying criteria unfavourable; we withdrew",
    "客户项目取消 / The customer cancelled the project",
]

# The listed close reason (kam.opportunities.CloseReason, by outcome and code) each reason above stands for.
CLOSE_REASON_CODES = {
    WON_REASONS[0]: "solution",
    WON_REASONS[1]: "relationship",
    WON_REASONS[2]: "service",
    LOST_REASONS[0]: "price",
    LOST_REASONS[1]: "competitor-relationship",
    LOST_REASONS[2]: "solution",
    DROPPED_REASONS[0]: "other",
    DROPPED_REASONS[1]: "low-margin",
    DROPPED_REASONS[2]: "no-bid",
    DROPPED_REASONS[3]: "project-cancelled",
}

# The stage summary (阶段总结) written when a deal leaves a stage forward, by the code of the stage left:
# (achieved against its key node, what carries over).
STAGE_SUMMARIES = {
    "P0": (
        "确认了项目信息和预算来源 / Project facts and the budget's source confirmed",
        "需求细节待挖掘 / The needs' details are still to uncover",
    ),
    "P1": (
        "目标确认，客户内部立项 / Target confirmed; the customer set up the project",
        "决策链尚未完全摸清 / The decision chain is not fully known yet",
    ),
    "P2": (
        "售前立项通过，项目组组建 / Pre-sales initiation approved; deal team formed",
        "中层关系需推进 / Middle-management relationships to advance",
    ),
    "P3": (
        "技术交流完成，中层支持 / Design exchange done; middle management supports us",
        "高层尚未接触 / Top management not reached yet",
    ),
    "P4": (
        "投标完成，进入短名单 / Bid submitted; on the shortlist",
        "价格谈判空间待确认 / Room in the price negotiation to confirm",
    ),
    "P5": ("合同审批通过 / Contract approved", "付款条款待谈判 / Payment terms to negotiate"),
    "P6": ("合同签订 / Contract signed", "实施计划与验收标准 / Implementation plan and acceptance criteria"),
    "S1": ("项目信息准确 / Project information confirmed", "立项报告待准备 / Initiation report to prepare"),
    "S2": (
        "售前立项报告获批 / Pre-sales initiation report approved",
        "方案关系待推进 / Relationships to advance",
    ),
    "S3": ("关系有效推进 / Relationships advanced", "投标准备 / Bid preparation"),
    "S4": ("投标完成 / Bid submitted", "商务条款待谈判 / Commercial terms to negotiate"),
    "S5": ("合同审批与签订 / Contract approved and signed", "交付与验收 / Delivery and acceptance"),
}

# -- activities and plans (kam.demo.activities) ----------------------------------------------------

# What each kind of activity was about: "{customer}" is the customer's short name. Kinds the
# customer's people take part in also carry contacts.
ACTIVITY_SUMMARIES = {
    "visit": [
        "拜访{customer}，了解年度投资计划 / Visit to {customer}: this year's investment plan",
        "拜访{customer}设备部，沟通改造需求 / Visit to {customer}'s equipment department: retrofit needs",
        "例行拜访{customer}，回顾项目进展 / Regular visit to {customer}: project review",
    ],
    "call": [
        "电话跟进{customer}技术澄清问题 / Call with {customer}: technical clarifications",
        "电话确认{customer}招标时间 / Call with {customer}: confirmed the tender date",
    ],
    "meeting": [
        "与{customer}领导会谈，介绍整体解决方案 / Meeting with {customer}'s management: our overall solution",
        "{customer}项目推进会 / Project progress meeting at {customer}",
    ],
    "meal": ["与{customer}客户晚餐交流 / Dinner with {customer}"],
    "demo": ["为{customer}做产品演示 / Product demo for {customer}"],
    "technical-exchange": [
        "{customer}技术交流会 / Technical seminar at {customer}",
        "与{customer}技术部交流选型方案 / Selection workshop with {customer}'s technical department",
    ],
    "proposal": [
        "编写{customer}技术方案 / Proposal for {customer}",
        "修改{customer}报价 / Revised quotation for {customer}",
    ],
    "bid": ["准备{customer}投标文件 / Tender documents for {customer}"],
    "negotiation": ["与{customer}采购部商务谈判 / Commercial negotiation with {customer}'s purchasing"],
    "site-survey": ["{customer}现场勘察 / Site survey at {customer}"],
    "account-planning": [
        "{customer}客户规划与关系地图更新 / Account plan and relationship map for {customer}"
    ],
    "service": ["处理{customer}设备故障 / Fixed an equipment fault at {customer}"],
    "travel": ["往返{customer}差旅 / Travel to and from {customer}"],
    "admin": ["合同归档与费用报销 / Contract filing and expense claims"],
    "report": ["填写周报与商机更新 / Weekly report and pipeline update"],
    "internal-meeting": [
        "部门周例会 / Team weekly meeting",
        "与售前讨论方案 / Solution review with pre-sales",
    ],
    "other": ["客户资料整理 / Customer records tidied up"],
}
ACTIVITY_OUTCOMES = [
    "客户认可方案方向，要求补充案例 / The customer likes the direction and asks for references",
    "确认了预算范围和时间表 / Budget range and timetable confirmed",
    "客户对价格仍有顾虑 / The customer still worries about the price",
    "发现新的改造需求 / Found a new retrofit need",
    "决策人态度积极 / The decision maker was positive",
]
ACTIVITY_NEXT_STEPS = [
    "发送参考案例 / Send reference cases",
    "安排技术交流 / Arrange a technical exchange",
    "提交预算报价 / Send a budget quotation",
    "约见分管领导 / Meet the deputy in charge",
]
# Weekly and monthly plan goals: "{customer}" is a short name, "{contact}" a person's name.
PLAN_GOALS = [
    "拜访{customer}决策人{contact} / Visit {contact}, the decision maker at {customer}",
    "与{customer}的{contact}建立联系 / Get to know {contact} at {customer}",
    "推动{customer}项目进入下一阶段 / Move the {customer} project to the next stage",
    "完成{customer}技术交流 / Hold the technical exchange at {customer}",
]
PLAN_NOTES = [
    "重点跟进A类客户 / Focus on tier A customers",
    "本周以方案和投标为主 / This week: proposals and bids",
    "月底前完成季度拜访覆盖 / Complete the quarter's visit coverage by month end",
]
PLAN_COMMENTS = [
    "A类客户拜访偏少，下周补上 / Too few visits to tier A customers: catch up next week",
    "计划很好，注意差旅时间 / Good plan; watch the travel time",
    "请把决策人拜访放在前面 / Put the decision-maker visits first",
]
# 1×5 quantified actions (DOMAIN.md §10): zh-Hans name, English name, kind codes (none: every kind
# that counts as a visit), customer tier, decision role of a contact, cycle, at least.
PROCESS_METRICS = [
    (
        "A类客户决策人拜访",
        "Visits to decision makers of tier A customers",
        (),
        "A",
        "decision_maker",
        "week",
        1,
    ),
    ("客户拜访", "Customer visits", (), "", "", "week", 3),
    ("技术交流与演示", "Technical exchanges and demos", ("technical-exchange", "demo"), "", "", "month", 2),
    ("方案与投标", "Proposals and bids", ("proposal", "bid"), "", "", "month", 2),
]
