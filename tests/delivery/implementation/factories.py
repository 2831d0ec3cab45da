"""Signed contracts and open projects for the implementation tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from kam.delivery.implementation import services
from kam.delivery.models import Contract, ContractStatus, Instalment, Project

_numbers = itertools.count(1)


def signed_contract(customer, owner, *, status=ContractStatus.SIGNED) -> Contract:
    return Contract.objects.create(
        number=f"HT-T-{next(_numbers):05d}",
        customer=customer,
        owner=owner,
        title="Furnace line",
        amount=Decimal("1000000"),
        sign_date=dt.date(2026, 3, 1),
        status=status,
        created_by=owner,
    )


def instalment(contract: Contract, name: str = "Acceptance 30 %") -> Instalment:
    return Instalment.objects.create(
        contract=contract, name=name, amount=Decimal("300000"), due_date=dt.date(2026, 9, 30)
    )


def open_project(world, *, handed_over: bool = True) -> Project:
    contract = signed_contract(world.east_customer, world.east_rep)
    project = services.open_project(contract, by=world.east_rep, manager=world.east_rep2)
    if handed_over:
        for check in project.handover_checks.all():
            services.check_handover(check, by=world.east_rep, done=True)
        services.complete_handover(project, by=world.east_rep, version=project.version)
    return project


def row(project: Project, owner, **extra):
    values = {
        "name": "Install",
        "starts_on": dt.date(2026, 4, 1),
        "ends_on": dt.date(2026, 4, 30),
        "owner": owner,
    }
    values.update(extra)
    return services.add_work_item(project, by=owner, **values)
