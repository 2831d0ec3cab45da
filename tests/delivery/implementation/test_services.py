"""Implementation projects: opened from a signed contract with its checklist, the hand-over gate,
the plan's rows with versions, milestones and closing, history for every write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.errors import ConflictError, RuleViolation
from kam.delivery.implementation import services
from kam.delivery.models import ContractStatus, DeliveryChange, HandoverItem, ProjectStatus, WorkItem
from tests.delivery.implementation.factories import instalment, open_project, row, signed_contract

pytestmark = pytest.mark.django_db


def test_open_copies_the_active_checklist_and_needs_a_manager(world):
    HandoverItem.objects.create(text="已停用", is_active=False, order=99)
    contract = signed_contract(world.east_customer, world.east_rep)
    with pytest.raises(ValidationError) as error:
        services.open_project(contract, by=world.east_rep, manager=None)
    assert "manager" in error.value.message_dict
    project = services.open_project(contract, by=world.east_rep, manager=world.east_rep2)
    assert project.status == ProjectStatus.HANDOVER
    active = HandoverItem.objects.filter(is_active=True).count()
    assert active >= 1 and project.handover_checks.count() == active
    assert DeliveryChange.objects.filter(record="project", action="opened", contract=contract).count() == 1
    with pytest.raises(RuleViolation):
        services.open_project(contract, by=world.east_rep, manager=world.east_rep2)


def test_a_draft_contract_and_another_teams_contract_are_refused(world):
    draft = signed_contract(world.east_customer, world.east_rep, status=ContractStatus.DRAFT)
    with pytest.raises(RuleViolation, match="signed"):
        services.open_project(draft, by=world.east_rep, manager=world.east_rep)
    theirs = signed_contract(world.west_customer, world.west_rep)
    with pytest.raises(PermissionDenied):
        services.open_project(theirs, by=world.east_rep, manager=world.east_rep)


def test_the_handover_gate_lists_what_is_missing(world):
    project = open_project(world, handed_over=False)
    checks = list(project.handover_checks.select_related("item"))
    for check in checks[1:]:
        services.check_handover(check, by=world.east_rep, done=True, note="ok")
    with pytest.raises(RuleViolation) as error:
        services.complete_handover(project, by=world.east_rep, version=project.version)
    assert checks[0].item.text in str(error.value)
    assert checks[1].item.text not in str(error.value)
    services.check_handover(checks[0], by=world.east_rep, done=True)
    services.complete_handover(project, by=world.east_rep, version=1)
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PROGRESS and project.handed_over_by == world.east_rep
    with pytest.raises(RuleViolation):
        services.check_handover(checks[0], by=world.east_rep, done=False)


def test_unticking_keeps_the_note_and_writes_history(world):
    project = open_project(world, handed_over=False)
    check = project.handover_checks.first()
    services.check_handover(check, by=world.east_rep, done=True, note="signed copy")
    services.check_handover(check, by=world.east_rep, done=False, note="signed copy")
    check.refresh_from_db()
    assert check.done is False and check.checked_by is None
    actions = list(DeliveryChange.objects.filter(record="handover_check").values_list("action", flat=True))
    assert sorted(actions) == ["ticked", "unticked"]


def test_work_items_validate_and_are_versioned(world):
    project = open_project(world)
    with pytest.raises(ValidationError) as error:
        services.add_work_item(
            project,
            by=world.east_rep,
            name="",
            starts_on=dt.date(2026, 5, 2),
            ends_on=dt.date(2026, 5, 1),
            owner=world.east_rep,
        )
    assert set(error.value.message_dict) == {"name", "ends_on"}
    item = row(project, world.east_rep, progress=20)
    services.update_work_item(item, by=world.east_rep, version=1, progress=60, resources="2 engineers")
    item.refresh_from_db()
    assert item.version == 2 and item.progress == 60 and item.resources == "2 engineers"
    with pytest.raises(ConflictError):
        services.update_work_item(item, by=world.east_rep, version=1, progress=70)
    edited = DeliveryChange.objects.get(record="work_item", action="edited")
    assert edited.changes["progress"] == [20, 60]
    services.remove_work_item(item, by=world.east_rep, version=2)
    assert not WorkItem.objects.exists()
    assert DeliveryChange.objects.filter(record="work_item", action="removed").exists()


def test_an_instalment_belongs_to_the_contract_and_to_a_milestone(world):
    project = open_project(world)
    other = signed_contract(world.east_customer, world.east_rep)
    with pytest.raises(ValidationError) as error:
        row(project, world.east_rep, is_milestone=True, instalment=instalment(other))
    assert "instalment" in error.value.message_dict
    with pytest.raises(ValidationError):
        row(project, world.east_rep, is_milestone=False, instalment=instalment(project.contract))
    ok = row(project, world.east_rep, is_milestone=True, instalment=instalment(project.contract))
    assert ok.instalment.contract_id == project.contract_id


def test_closing_needs_a_date_and_every_milestone_accepted(world):
    project = open_project(world)
    milestone = row(project, world.east_rep, name="Acceptance", is_milestone=True)
    row(project, world.east_rep, name="Training")
    project.refresh_from_db()
    with pytest.raises(ValidationError):
        services.close_project(project, by=world.east_rep, version=project.version, accepted_on=None)
    with pytest.raises(RuleViolation, match="Acceptance"):
        services.close_project(
            project, by=world.east_rep, version=project.version, accepted_on=dt.date(2026, 6, 1)
        )
    with pytest.raises(RuleViolation):
        services.accept_milestone(
            WorkItem.objects.get(name="Training"), by=world.east_rep, version=1, done_on=dt.date(2026, 5, 1)
        )
    services.accept_milestone(milestone, by=world.east_rep, version=1, done_on=dt.date(2026, 5, 30))
    milestone.refresh_from_db()
    assert milestone.done_on == dt.date(2026, 5, 30) and milestone.progress == 100
    services.close_project(
        project, by=world.east_rep, version=project.version, accepted_on=dt.date(2026, 6, 1), notes="OK"
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACCEPTED and project.accepted_on == dt.date(2026, 6, 1)
    with pytest.raises(RuleViolation):
        row(project, world.east_rep, name="Late")


def test_closing_before_the_handover_is_refused(world):
    project = open_project(world, handed_over=False)
    with pytest.raises(RuleViolation, match="hand-over"):
        services.close_project(project, by=world.east_rep, version=1, accepted_on=dt.date(2026, 6, 1))


def test_a_stale_close_is_a_conflict(world):
    project = open_project(world)
    with pytest.raises(ConflictError):
        services.close_project(project, by=world.east_rep, version=1, accepted_on=dt.date(2026, 6, 1))
