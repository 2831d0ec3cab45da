"""Entry gates: rules from apps above the pipeline that a deal must meet to enter a stage.

The pipeline cannot import the apps that keep those rules' facts (an approved initiation lives in
kam.planning), so they register a gate here when they load and move_stage asks every gate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kam.opportunities.models import Opportunity, Stage

# A gate answers why the opportunity may not enter the stages (None when it may).
EntryGate = Callable[["Opportunity", Sequence["Stage"]], "str | None"]

_gates: list[EntryGate] = []


def register(gate: EntryGate) -> EntryGate:
    if gate not in _gates:
        _gates.append(gate)
    return gate


def refusals(opportunity: Opportunity, entered: Sequence[Stage]) -> list[str]:
    """Every registered gate's refusal for a forward move entering (or passing) these stages."""
    return [message for gate in _gates if (message := gate(opportunity, entered))]
