"""A flow built for each test: the seeded ones are data an administrator may change."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from kam.org.models import User
from kam.planning.approvals.models import ApprovalFlow, ApprovalStep


def make_flow(code: str, steps: Iterable[dict]) -> ApprovalFlow:
    flow = ApprovalFlow.objects.create(code=code, name=code, name_en=code)
    for order, spec in enumerate(steps, start=1):
        people: list[User] = spec.pop("people", [])
        step = ApprovalStep.objects.create(flow=flow, order=order, name=f"step {order}", **spec)
        step.people.set(people)
    return flow


@pytest.fixture
def flow_factory():
    return make_flow
