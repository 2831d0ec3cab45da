"""What a new installation starts with: the treatment of each cell of the ability × attitude matrix
(DOMAIN.md §12) and the skills a key account manager needs, in both languages. Administrators edit
them afterwards; the migration and the demo add only what is missing."""

from __future__ import annotations

from typing import Any

# (ability, attitude, advice in zh-Hans, advice in English)
TREATMENTS: tuple[tuple[str, str, str, str], ...] = (
    (
        "able",
        "willing",
        "授权：交给其重点客户，让其带新人",
        "Delegate: give them key accounts and let them coach others",
    ),
    (
        "can_learn",
        "willing",
        "培训与辅导：按差距安排训练，陪访带教",
        "Train and coach: training against their gaps, joint visits",
    ),
    ("cannot", "willing", "基础培训，或调整岗位", "Train on the basics, or move them to another role"),
    (
        "able",
        "unwilling",
        "激励：找出原因，谈心并调整激励",
        "Motivate: find the cause, talk it through, adjust the incentive",
    ),
    ("can_learn", "unwilling", "辅导并密切跟进", "Coach and watch closely"),
    ("cannot", "unwilling", "替换", "Replace"),
)

# (code, zh-Hans name, English name, importance 1–5)
SKILLS: tuple[tuple[str, str, str, int], ...] = (
    ("customer-analysis", "客户分析", "Customer analysis", 4),
    ("relationship-building", "关系建立", "Relationship building", 5),
    ("decision-chain-mapping", "决策链分析", "Decision-chain mapping", 5),
    ("value-selling", "方案与价值销售", "Solution / value selling", 4),
    ("bidding", "投标", "Bidding", 3),
    ("negotiation", "商务谈判", "Negotiation", 4),
    ("project-management", "项目管理", "Project management", 3),
    ("product-knowledge", "产品知识", "Product knowledge", 3),
)


def seed(treatment_model: Any, skill_model: Any) -> None:
    """Add the cells and skills not there yet; rows an administrator changed are left as they are."""
    for ability, attitude, advice, advice_en in TREATMENTS:
        treatment_model.objects.get_or_create(
            ability=ability, attitude=attitude, defaults={"advice": advice, "advice_en": advice_en}
        )
    for order, (code, name, name_en, importance) in enumerate(SKILLS, start=1):
        skill_model.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "importance": importance, "order": order}
        )
