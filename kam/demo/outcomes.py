"""How a generated deal's outcome depends on what a rep can see before it closes.

The demo and the benchmark generator both decide closed deals with this one model, so a model
learned from their history has something real to find: the decision maker's relationship level
(CR) and stance, how often the sign date slipped, and how many competitors are in the race move
the odds of a win; a logistic draw from the caller's seeded random stream adds the noise a real
book has (two deals that look the same do not end the same). The stage a deal reached stays
meaningful too: won deals are the ones that went all the way through the stages.
"""

from __future__ import annotations

import math
import random

# Log-odds of a win per feature, around a middling deal (CR3, neutral, no slip, no competitor).
CR_WEIGHT = 0.6  # per relationship level above or below CR3 (no relationship at all counts as CR0)
STANCE_WEIGHT = {"A": 0.9, "B": 0.0, "C": -1.4}
NO_DECISION_MAKER = -0.5  # nobody on the chain decides: we do not know who signs
SLIP_WEIGHT = -0.6  # per slip of the sign date
COMPETITOR_WEIGHT = -0.35  # per competitor in the race

# A decision maker's stance follows the relationship, loosely: support (A), neutral (B), oppose (C).
STANCE_BY_CR: dict[int, tuple[int, int, int]] = {
    0: (1, 4, 5),
    1: (1, 4, 5),
    2: (2, 5, 3),
    3: (4, 5, 2),
    4: (6, 3, 1),
    5: (8, 2, 1),
}
STANCES = ("A", "B", "C")
SLIPS = (0, 1, 2, 3)
SLIP_WEIGHTS = (62, 22, 11, 5)
COMPETITORS = (0, 1, 2, 3)
COMPETITOR_WEIGHTS = (2, 4, 3, 1)


def stance_for(level: int, rng: random.Random) -> str:
    return rng.choices(STANCES, weights=STANCE_BY_CR[max(0, min(5, level))])[0]


def slips(rng: random.Random) -> int:
    return rng.choices(SLIPS, weights=SLIP_WEIGHTS)[0]


def competitors(rng: random.Random) -> int:
    return rng.choices(COMPETITORS, weights=COMPETITOR_WEIGHTS)[0]


def win_logit(level: int | None, stance: str | None, slip_count: int, competitor_count: int) -> float:
    """The log-odds of a win before noise (`level`/`stance` None: no decision maker on the chain)."""
    if level is None or stance is None:
        score = NO_DECISION_MAKER
    else:
        score = CR_WEIGHT * (level - 3) + STANCE_WEIGHT[stance]
    return score + SLIP_WEIGHT * slip_count + COMPETITOR_WEIGHT * competitor_count


def logistic_noise(rng: random.Random) -> float:
    """A draw from the standard logistic distribution: score + noise > 0 wins with probability
    sigmoid(score), so ranking deals by it is a seeded logistic draw of their outcomes."""
    u = min(max(rng.random(), 1e-12), 1 - 1e-12)
    return math.log(u / (1 - u))
