import datetime as dt

from django.core.management import call_command

from kam.delivery.models import DeliveryChange, Priority, ServiceStatus
from kam.delivery.service import selectors, services
from tests.delivery.service.conftest import T0

H = dt.timedelta(hours=1)


def _tier_a(customer):
    customer.tier = "A"
    customer.save(update_fields=["tier"])
    return customer


def test_warns_the_owner_once_past_the_warning_point(world, open_request):
    # Tier A, high: 2 h to respond, warned at 75 % = 1.5 h.
    sr = open_request(_tier_a(world.east_customer), priority=Priority.HIGH)
    assert services.watch(T0 + 80 * dt.timedelta(minutes=1)).warned == 0
    result = services.watch(T0 + 100 * dt.timedelta(minutes=1))
    assert (result.warned, result.escalated) == (1, 0)
    assert services.watch(T0 + 110 * dt.timedelta(minutes=1)).warned == 0  # idempotent
    sr.refresh_from_db()
    assert sr.warned_at == T0 + 100 * dt.timedelta(minutes=1)
    assert selectors.at_risk_count(world.east_rep) == 1
    assert selectors.at_risk_count(world.east_mgr) == 0
    assert DeliveryChange.objects.filter(record_id=sr.pk, action="warned").count() == 1


def test_the_first_response_resets_the_warning_for_the_resolution_clock(world, open_request):
    sr = open_request(_tier_a(world.east_customer), priority=Priority.HIGH)
    services.watch(T0 + 100 * dt.timedelta(minutes=1))
    services.move(
        sr,
        by=world.east_rep,
        version=sr.version,
        to=ServiceStatus.ACKNOWLEDGED,
        now=T0 + 110 * dt.timedelta(minutes=1),
    )
    sr.refresh_from_db()
    assert sr.warned_at is None
    assert selectors.at_risk_count(world.east_rep) == 0
    # Resolution: 24 h, warned at 18 h.
    assert services.watch(T0 + 17 * H).warned == 0
    assert services.watch(T0 + 19 * H).warned == 1


def test_escalates_after_a_breach_to_the_owners_manager_once(world, open_request):
    sr = open_request(_tier_a(world.east_customer), priority=Priority.URGENT)
    other = open_request(world.west_customer, priority=Priority.LOW)
    result = services.watch(T0 + 2 * H)
    assert result.escalated == 1
    sr.refresh_from_db()
    other.refresh_from_db()
    assert sr.escalated_to == world.east_mgr and sr.escalated_at == T0 + 2 * H
    assert other.escalated_at is None
    assert services.watch(T0 + 3 * H).escalated == 0
    assert DeliveryChange.objects.filter(record_id=sr.pk, action="escalated").count() == 1
    # The manager sees it in the badge and in the list (even a request of a customer they'd not see).
    assert selectors.at_risk_count(world.east_mgr) == 1
    assert selectors.at_risk_count(world.west_mgr) == 0
    mine = selectors.requests(world.east_mgr, selectors.Filters.parse({"mine": "1", "sla": "escalated"}))
    assert list(mine) == [sr]


def test_a_managers_own_request_escalates_to_the_parent_teams_manager(world, open_request):
    world.root.manager = world.director
    world.root.save()
    sr = open_request(_tier_a(world.east_customer), priority=Priority.URGENT, owner=world.east_mgr)
    services.watch(T0 + 2 * H)
    sr.refresh_from_db()
    assert sr.escalated_to == world.director


def test_the_command_runs_the_watch(world, open_request, capsys):
    open_request(_tier_a(world.east_customer), priority=Priority.URGENT)
    call_command("sla", "--at", (T0 + 2 * H).isoformat())
    assert "1 escalated" in capsys.readouterr().out
    call_command("sla", "--at", (T0 + 3 * H).isoformat())
    assert "0 escalated" in capsys.readouterr().out


def test_the_manager_sees_an_escalated_request_of_a_customer_outside_their_view(world, open_request):
    from kam.access.visibility import get_visible_service_request, service_requests_for

    # An east engineer serves a west customer: east's manager does not see West Power.
    sr = open_request(_tier_a(world.west_customer), priority=Priority.URGENT, owner=world.east_rep2)
    assert not service_requests_for(world.east_mgr).filter(pk=sr.pk).exists()
    services.watch(T0 + 2 * H)
    assert get_visible_service_request(world.east_mgr, sr.pk) == sr


def test_the_background_task_runs_the_watch(world, open_request):
    from kam.delivery.service.tasks import sla_watch_task

    # Opened long ago (the clock of the task is the real one): past both targets.
    open_request(_tier_a(world.east_customer), priority=Priority.URGENT)
    assert sla_watch_task.call() == {"warned": 0, "escalated": 1}
    assert sla_watch_task.call() == {"warned": 0, "escalated": 0}


def test_long_clocks_warn_at_their_point(world, open_request):
    # Tier D, low: 72 h to respond (warned at 54 h), 480 h to resolve (warned at 360 h).
    sr = open_request(world.east_customer, priority=Priority.LOW)
    assert services.watch(T0 + 53 * H).warned == 0
    assert services.watch(T0 + 55 * H).warned == 1
    services.move(sr, by=world.east_rep, version=sr.version, to=ServiceStatus.ACKNOWLEDGED, now=T0 + 56 * H)
    assert services.watch(T0 + 359 * H).warned == 0
    assert services.watch(T0 + 361 * H).warned == 1
    assert services.watch(T0 + 479 * H).escalated == 0
    assert services.watch(T0 + 481 * H).escalated == 1
