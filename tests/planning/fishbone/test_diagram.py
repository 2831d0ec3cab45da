"""The fishbone diagram: one bone per category, every cause's text on it, Chinese text cut by width."""

from __future__ import annotations

import re

from django.template.loader import render_to_string
from django.utils import translation

from kam.planning.fishbone import diagram, selectors, services
from kam.planning.fishbone.models import Bone


def _svg(opportunity) -> str:
    groups = selectors.by_bone(selectors.causes(opportunity))
    return render_to_string(
        "planning/fishbone/_diagram.html", {"diagram": diagram.layout(groups, "Win " + opportunity.name)}
    )


def test_the_svg_draws_one_bone_per_category_and_each_causes_text(world):
    texts = {
        "relationship": "CFO not met yet",
        "competitor": "Rival offers free training",
        "service": "Service centre is 300 km away",
    }
    for bone, text in texts.items():
        services.add_cause(world.east_opp, by=world.east_rep, bone=bone, text=text)
    svg = _svg(world.east_opp)
    assert re.findall(r'data-bone="([a-z]+)"', svg) == list(Bone.values)
    for text in texts.values():
        assert f"<title>{text}</title>" in svg
    assert "1. CFO not met yet" in svg
    assert "Win East furnace" in svg


def test_an_empty_fishbone_still_draws_every_bone(world):
    svg = _svg(world.east_opp)
    assert svg.count('class="bone"') == len(Bone.values)
    assert 'class="cause' not in svg


def test_bone_names_follow_the_language(world):
    with translation.override("zh-hans"):
        svg = _svg(world.east_opp)
    assert "客户关系" in svg
    assert "内部资源" in svg


def test_long_text_is_cut_by_display_width_and_kept_whole_in_the_tooltip():
    chinese = "客户技术部长倾向竞争对手的方案并且已经在内部推荐了对方"
    assert diagram.display_width("ab客") == 4
    cut = diagram.clip(chinese, 30)
    assert cut.endswith("…")
    assert diagram.display_width(cut) <= 30
    assert diagram.clip("short", 30) == "short"


def test_the_bones_grow_with_their_causes_and_the_text_stays_inside_the_picture(world):
    for i in range(9):
        services.add_cause(world.east_opp, by=world.east_rep, bone="relationship", text=f"cause {i}")
    layout = diagram.layout(selectors.by_bone(selectors.causes(world.east_opp)), "Win")
    first = layout.bones[0]
    assert first.code == "relationship"
    assert len(first.causes) == 9
    assert all(first.y2 < c.y < layout.spine_y for c in first.causes)
    assert layout.height > 2 * diagram.MIN_BONE + 2 * diagram.LABEL_ROOM
    room = diagram.CAUSE_UNITS * diagram.UNIT_PX
    assert min(c.text_x for c in first.causes) >= room
