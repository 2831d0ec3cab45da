import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kam.core.errors import ConflictError, RuleViolation
from kam.delivery.models import DeliveryChange, Priority, ServiceStatus, SlaTarget
from kam.delivery.service import services
from tests.delivery.service.conftest import T0
from tests.factories import ContactFactory, CustomerFactory

H = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("tier", "priority", "response", "resolution"),
    [
        ("A", "urgent", 1, 8),
        ("A", "low", 8, 168),
        ("B", "high", 4, 48),
        ("C", "normal", 24, 168),
        ("D", "low", 72, 480),
    ],
)
def test_due_times_follow_the_seeded_target_of_tier_and_priority(
    world, open_request, tier, priority, response, resolution
):
    world.east_customer.tier = tier
    world.east_customer.save(update_fields=["tier"])
    sr = open_request(world.east_customer, priority=priority)
    assert sr.response_due_at == T0 + response * H
    assert sr.resolution_due_at == T0 + resolution * H
    assert sr.number.startswith(f"FW-{T0.year}-")
    assert sr.owner == world.east_rep  # the customer's owner by default


def test_a_missing_target_falls_back_to_the_default_and_says_so(world, open_request):
    SlaTarget.objects.filter(tier="D").delete()
    world.east_customer.tier = "D"
    world.east_customer.save(update_fields=["tier"])
    sr = open_request(world.east_customer)
    assert sr.response_due_at == T0 + services.DEFAULT_RESPONSE_HOURS * H
    assert sr.resolution_due_at == T0 + services.DEFAULT_RESOLUTION_HOURS * H
    line = DeliveryChange.objects.get(record="service_request", record_id=sr.pk, action="created")
    assert "default" in line.summary


def test_a_priority_change_recomputes_the_clock_from_the_opening_time(world, open_request):
    world.east_customer.tier = "A"
    world.east_customer.save(update_fields=["tier"])
    sr = open_request(world.east_customer, priority=Priority.LOW)
    services.update_request(sr, by=world.east_rep, version=1, priority=Priority.URGENT)
    sr.refresh_from_db()
    assert (sr.response_due_at, sr.resolution_due_at) == (T0 + 1 * H, T0 + 8 * H)
    assert sr.version == 2
    line = DeliveryChange.objects.get(record_id=sr.pk, action="updated")
    assert line.changes["priority"] == ["low", "urgent"]
    assert "resolution_due_at" in line.changes


def test_no_request_without_an_owner(world, open_request):
    customer = CustomerFactory()
    customer.owner.is_active = False
    customer.owner.save()
    with pytest.raises(ValidationError) as caught:
        open_request(customer, by=world.east_mgr)
    assert "owner" in caught.value.message_dict
    sr = open_request(world.east_customer)
    with pytest.raises(ValidationError):
        services.reassign(sr, by=world.east_rep, version=1, owner=None)


def test_contact_and_contract_must_belong_to_the_customer(world, open_request):
    with pytest.raises(ValidationError) as caught:
        open_request(world.east_customer, contact=ContactFactory(customer=world.west_customer))
    assert "contact" in caught.value.message_dict
    ok = open_request(world.east_customer, contact=ContactFactory(customer=world.east_customer))
    assert ok.contact is not None


def test_the_status_flow_with_first_response_resolution_close_and_reopen(world, open_request):
    sr = open_request(world.east_customer)
    with pytest.raises(RuleViolation):
        services.move(sr, by=world.east_rep, version=1, to=ServiceStatus.RESOLVED, resolution="x")
    services.move(sr, by=world.east_rep, version=1, to=ServiceStatus.ACKNOWLEDGED, now=T0 + H)
    assert sr.first_response_at == T0 + H
    services.move(sr, by=world.east_rep, version=2, to=ServiceStatus.IN_PROGRESS, now=T0 + 2 * H)
    services.move(sr, by=world.east_rep, version=3, to=ServiceStatus.WAITING, now=T0 + 3 * H)
    services.move(sr, by=world.east_rep, version=4, to=ServiceStatus.IN_PROGRESS, now=T0 + 4 * H)
    with pytest.raises(ValidationError) as caught:
        services.move(sr, by=world.east_rep, version=5, to=ServiceStatus.RESOLVED, resolution="  ")
    assert "resolution" in caught.value.message_dict
    services.move(
        sr, by=world.east_rep, version=5, to=ServiceStatus.RESOLVED, resolution="Reset", now=T0 + 5 * H
    )
    assert sr.resolved_at == T0 + 5 * H
    services.move(sr, by=world.east_rep, version=6, to=ServiceStatus.IN_PROGRESS, now=T0 + 6 * H)
    assert sr.resolved_at is None and sr.first_response_at == T0 + H
    services.move(
        sr, by=world.east_rep, version=7, to=ServiceStatus.RESOLVED, resolution="Fixed", now=T0 + 7 * H
    )
    services.move(sr, by=world.east_rep, version=8, to=ServiceStatus.CLOSED, now=T0 + 8 * H)
    sr.refresh_from_db()
    assert (sr.status, sr.closed_at, sr.resolution) == (ServiceStatus.CLOSED, T0 + 8 * H, "Fixed")
    with pytest.raises(RuleViolation):
        services.move(sr, by=world.east_rep, version=9, to=ServiceStatus.IN_PROGRESS)
    actions = list(DeliveryChange.objects.filter(record_id=sr.pk).values_list("action", flat=True))
    assert actions.count("status") == 7 and actions.count("reopened") == 1 and "created" in actions


def test_a_stale_edit_is_a_conflict(world, open_request):
    sr = open_request(world.east_customer)
    services.update_request(sr, by=world.east_rep, version=1, subject="New subject")
    with pytest.raises(ConflictError):
        services.update_request(sr, by=world.east_rep, version=1, subject="Older idea")
    with pytest.raises(ConflictError):
        services.move(sr, by=world.east_rep, version=1, to=ServiceStatus.ACKNOWLEDGED)


def test_a_move_from_a_stale_version_is_a_conflict_not_a_wrong_step(world, open_request):
    # Someone acknowledged the request after this user read it: the user's move names version 1,
    # the fresh row is already acknowledged. The answer is "changed by someone else", not "cannot
    # go from Acknowledged to Acknowledged".
    sr = open_request(world.east_customer)
    services.move(sr, by=world.east_rep2, version=1, to=ServiceStatus.ACKNOWLEDGED)
    fresh = type(sr).objects.select_related("customer").get(pk=sr.pk)
    with pytest.raises(ConflictError) as caught:
        services.move(fresh, by=world.east_rep, version=1, to=ServiceStatus.ACKNOWLEDGED)
    assert caught.value.current_version == 2
    with pytest.raises(ConflictError):
        services.reassign(fresh, by=world.east_mgr, version=1, owner=world.east_rep2)


def test_reassign_writes_history(world, open_request):
    sr = open_request(world.east_customer)
    services.reassign(sr, by=world.east_mgr, version=1, owner=world.east_rep2)
    sr.refresh_from_db()
    assert sr.owner == world.east_rep2 and sr.version == 2
    line = DeliveryChange.objects.get(record_id=sr.pk, action="reassigned")
    assert line.changed_by == world.east_mgr
