"""The fishbone diagram's geometry, drawn as SVG by the page's template (no script, so it prints).

The spine runs left to right into the head (the deal's goal); three bones rise above it and three
hang below, each slanting back from the spine, with its causes written along it, numbered as in
the table beside the diagram. Text is cut to the room a bone has, by display width: a Chinese
character takes about twice the room of a Latin letter."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from kam.planning.fishbone.selectors import BoneCauses

WIDTH = 1000
MARGIN = 30
HEAD_WIDTH = 190
LABEL_ROOM = 30  # above the top bones' ends and below the bottom ones, for their names
ROW = 24  # between two causes on a bone
MIN_BONE = 90
SLANT = 0.45  # how far a bone leans back per unit of height
CAUSE_UNITS = 30  # display width of a cause's text (a Latin letter is 1, a Chinese character 2)
UNIT_PX = 6.2  # one unit at the causes' font size
HEAD_UNITS = 22
HEAD_LINES = 4
COLUMNS = 3


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, units: int) -> str:
    """`text` cut to `units` of display width, with an ellipsis when cut."""
    if display_width(text) <= units:
        return text
    out, used = [], 0
    for ch in text:
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > units - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def wrap(text: str, units: int, lines: int) -> list[str]:
    """`text` in at most `lines` lines of `units` display width (the last one clipped)."""
    result: list[str] = []
    current, used = "", 0
    for ch in text:
        width = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + width > units:
            result.append(current)
            current, used = "", 0
            if len(result) == lines - 1:
                break
        current += ch
        used += width
    rest = text[sum(len(line) for line in result) :]
    if rest:
        result.append(clip(rest, units))
    return [line.strip() for line in result if line.strip()]


@dataclass
class CauseMark:
    number: int
    text: str  # as drawn (perhaps cut)
    full: str  # the whole text, as the mark's tooltip
    status: str
    x: float  # where its tick meets the bone
    y: float
    text_x: float


@dataclass
class BoneShape:
    code: str
    label: str
    above: bool
    x1: float  # on the spine
    y1: float
    x2: float  # the far end, where the name is
    y2: float
    label_y: float
    causes: list[CauseMark] = field(default_factory=list)


@dataclass
class Diagram:
    width: int
    height: int
    spine_y: float
    spine_x1: float
    spine_x2: float
    head_x: float
    head_y: float
    head_height: float
    goal: list[tuple[str, float]]  # the head's lines, each with its baseline
    bones: list[BoneShape]

    @property
    def head_text_x(self) -> float:
        return self.head_x + 10

    @property
    def head_title_y(self) -> float:
        return self.head_y + 20

    @property
    def arrow(self) -> str:
        x, y = self.spine_x2, self.spine_y
        return f"{x - 12},{y - 6} {x},{y} {x - 12},{y + 6}"


def layout(groups: list[BoneCauses], goal: str) -> Diagram:
    """The diagram of the bones in `groups` (three above the spine, the rest below), the causes
    numbered in their order across the bones, and `goal` in the head."""
    top, bottom = groups[:COLUMNS], groups[COLUMNS:]

    def height(side: list[BoneCauses]) -> float:
        most = max((len(g.causes) for g in side), default=0)
        return max(MIN_BONE, most * ROW + ROW)

    top_h, bottom_h = height(top), height(bottom)
    spine_y = LABEL_ROOM + top_h
    total_h = spine_y + bottom_h + LABEL_ROOM
    head_x = WIDTH - MARGIN - HEAD_WIDTH
    # The first column's texts stay inside the picture however long its bones grow.
    reach = SLANT * max(top_h, bottom_h) + CAUSE_UNITS * UNIT_PX + 10
    origin = MARGIN + max(0.0, reach - (head_x - MARGIN) / COLUMNS)
    column = (head_x - origin) / COLUMNS
    number = 0
    bones: list[BoneShape] = []
    for side, above, bone_h in ((top, True, top_h), (bottom, False, bottom_h)):
        direction = -1 if above else 1
        for position, group in enumerate(side):
            x1 = origin + column * (position + 1) - 10
            y2 = spine_y + direction * bone_h
            shape = BoneShape(
                code=group.code,
                label=group.label,
                above=above,
                x1=round(x1, 1),
                y1=spine_y,
                x2=round(x1 - SLANT * bone_h, 1),
                y2=y2,
                label_y=y2 - 10 if above else y2 + 20,
            )
            for index, cause in enumerate(group.causes):
                number += 1
                # From the far end towards the spine, one row apart.
                y = y2 - direction * (ROW * (index + 1) - 4)
                x = round(x1 - SLANT * abs(spine_y - y), 1)
                shape.causes.append(
                    CauseMark(
                        number=number,
                        text=clip(f"{number}. {cause.text}", CAUSE_UNITS),
                        full=cause.text,
                        status=cause.status,
                        x=x,
                        y=y,
                        text_x=x - 10,
                    )
                )
            bones.append(shape)
    lines = wrap(goal, HEAD_UNITS, HEAD_LINES)
    head_h = max(48, 18 * len(lines) + 30)
    head_y = spine_y - head_h / 2
    return Diagram(
        width=WIDTH,
        height=int(total_h),
        spine_y=spine_y,
        spine_x1=round(origin - 10, 1),
        spine_x2=head_x,
        head_x=head_x,
        head_y=head_y,
        head_height=head_h,
        goal=[(line, head_y + 40 + 18 * index) for index, line in enumerate(lines)],
        bones=bones,
    )
