"""Logging, editing and deleting activities: every validation rule, the history, the last touch
kept on customers, contacts and opportunities, and a proposed level change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kam.activities import services
from kam.activities.models import Activity, ActivityChange, ActivityStatus
from kam.core.errors import ConflictError
from kam.customers.models import Customer
from kam.insights.health import store
from kam.insights.models import StoredFlag
from kam.opportunities.models import Opportunity
from kam.relationships.models import Contact, Relationship, RelationshipChange
from tests.activities.conftest import hours_ago
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def log(world, visit, **overrides):
    values = {
        "by": world.east_rep,
        "kind": visit,
        "customer": world.east_customer,
        "start": hours_ago(2),
        "summary": "Visit the plant manager",
    }
    values.update(overrides)
    return services.create_activity(**values)


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def touch(model, pk):
    return model.objects.values_list("last_touch_at", flat=True).get(pk=pk)


def test_create_keeps_everything_and_a_created_history_row(world, visit):
    contact = ContactFactory(customer=world.east_customer, name="Plant manager")
    activity = log(
        world,
        visit,
        opportunity=world.east_opp,
        contacts=[contact],
        our_people=[world.east_rep2],
        outcome="Agreed on a site survey",
        next_step="Send the survey plan",
        next_step_due=timezone.localdate() + dt.timedelta(days=3),
    )
    activity.refresh_from_db()
    assert activity.owner == world.east_rep
    assert list(activity.contacts.all()) == [contact]
    assert list(activity.our_people.all()) == [world.east_rep2]
    change = ActivityChange.objects.get(activity=activity)
    assert change.action == ActivityChange.Action.CREATED
    assert change.changed_by == world.east_rep
    assert change.changes["summary"] == "Visit the plant manager"
    assert change.changes["contacts"] == ["Plant manager"]


def test_the_customer_must_be_visible_to_the_one_logging(world, visit):
    assert "customer" in errors_of(lambda: log(world, visit, customer=world.west_customer))
    assert not Activity.objects.exists()


def test_the_opportunity_must_be_the_customers(world, visit):
    errors = errors_of(lambda: log(world, visit, opportunity=world.west_opp))
    assert errors["opportunity"] == ["The opportunity must be one of this customer's."]


def test_contacts_must_be_the_customers(world, visit):
    stranger = ContactFactory(customer=world.west_customer, name="Stranger")
    errors = errors_of(lambda: log(world, visit, contacts=[stranger]))
    assert errors["contacts"] == ["Not contacts of this customer: Stranger."]


def test_our_people_must_be_active(world, visit):
    gone = UserFactory(username="gone", name="Gone Person", is_active=False)
    errors = errors_of(lambda: log(world, visit, our_people=[gone]))
    assert errors["our_people"] == ["No longer active: Gone Person."]


@pytest.mark.parametrize(("minutes", "ok"), [(0, False), (1, True), (1440, True), (1441, False)])
def test_duration_is_one_minute_to_one_day(world, visit, minutes, ok):
    if ok:
        assert log(world, visit, duration_minutes=minutes).duration_minutes == minutes
    else:
        assert "duration_minutes" in errors_of(lambda: log(world, visit, duration_minutes=minutes))


def test_a_done_activity_is_not_more_than_a_day_ahead(world, visit):
    later = timezone.now() + dt.timedelta(hours=30)
    assert "start" in errors_of(lambda: log(world, visit, start=later))
    # Within the day's slack, and any time when planned.
    assert log(world, visit, start=timezone.now() + dt.timedelta(hours=20)).pk
    assert log(world, visit, start=later, status=ActivityStatus.PLANNED).pk


def test_the_next_step_is_not_due_before_the_start(world, visit):
    start = hours_ago(24 * 5)
    errors = errors_of(
        lambda: log(world, visit, start=start, next_step_due=timezone.localdate(start) - dt.timedelta(days=1))
    )
    assert errors["next_step_due"] == ["The next step cannot be due before the activity starts."]
    assert log(world, visit, start=start, next_step_due=timezone.localdate(start)).pk


def test_a_summary_is_required_and_every_error_is_said_at_once(world, visit):
    errors = errors_of(lambda: log(world, visit, summary="  ", duration_minutes=0))
    assert set(errors) == {"summary", "duration_minutes"}


def test_last_touch_follows_done_activities_through_create_edit_and_delete(world, visit):
    contact = ContactFactory(customer=world.east_customer)
    early, late = hours_ago(48), hours_ago(3)
    first = log(world, visit, start=early, opportunity=world.east_opp, contacts=[contact])
    assert touch(Customer, world.east_customer.pk) == early
    assert touch(Contact, contact.pk) == early
    assert touch(Opportunity, world.east_opp.pk) == early
    # A planned activity is no touch yet.
    planned = log(world, visit, start=late, status=ActivityStatus.PLANNED, contacts=[contact])
    assert touch(Customer, world.east_customer.pk) == early
    services.update_activity(planned, by=world.east_rep, version=planned.version, status=ActivityStatus.DONE)
    assert touch(Customer, world.east_customer.pk) == late
    assert touch(Contact, contact.pk) == late
    assert touch(Opportunity, world.east_opp.pk) == early  # the later one is not on the deal
    # Moving the first off the deal leaves the deal untouched; deleting the later one falls back.
    services.update_activity(first, by=world.east_rep, version=first.version, opportunity=None)
    assert touch(Opportunity, world.east_opp.pk) is None
    services.delete_activity(planned, by=world.east_rep)
    assert touch(Customer, world.east_customer.pk) == early
    assert touch(Contact, contact.pk) == early


def test_an_edit_keeps_before_and_after_and_needs_the_version_read(world, visit, call):
    activity = log(world, visit)
    services.update_activity(
        activity,
        by=world.east_mgr,
        version=1,
        kind=call,
        summary="Call instead",
        our_people=[world.east_rep2],
    )
    change = ActivityChange.objects.filter(action=ActivityChange.Action.EDITED).get()
    assert change.changed_by == world.east_mgr
    assert change.changes["summary"] == ["Visit the plant manager", "Call instead"]
    assert change.changes["kind"] == [str(visit), str(call)]
    assert change.changes["our_people"] == [[], [str(world.east_rep2)]]
    assert set(change.changes) == {"summary", "kind", "our_people"}
    stale = Activity.objects.get(pk=activity.pk)
    stale.version = 1
    with pytest.raises(ConflictError):
        services.update_activity(stale, by=world.east_rep, version=1, summary="Lost update")
    assert Activity.objects.get(pk=activity.pk).summary == "Call instead"


def test_an_edit_that_changes_nothing_keeps_the_version_and_writes_no_history(world, visit):
    activity = log(world, visit)
    services.update_activity(activity, by=world.east_rep, version=1, summary="Visit the plant manager")
    assert Activity.objects.get(pk=activity.pk).version == 1
    assert not ActivityChange.objects.filter(action=ActivityChange.Action.EDITED).exists()


def test_an_edit_is_validated_against_the_whole_record(world, visit):
    contact = ContactFactory(customer=world.east_customer)
    activity = log(world, visit, contacts=[contact])
    other = Customer.objects.get(pk=world.east_opp2.customer_id)
    errors = errors_of(
        lambda: services.update_activity(activity, by=world.east_mgr, version=1, customer=other)
    )
    assert "contacts" in errors
    errors = errors_of(lambda: services.update_activity(activity, by=world.east_rep, version=1, owner=1))
    assert errors == {"owner": ["This field cannot be changed here."]}


def test_moving_a_planned_activity_remembers_when_it_was_first_planned(world, visit):
    first = timezone.now() + dt.timedelta(days=2)
    activity = log(world, visit, status=ActivityStatus.PLANNED, start=first)
    services.update_activity(activity, by=world.east_rep, version=1, start=first + dt.timedelta(days=1))
    assert Activity.objects.get(pk=activity.pk).planned_start == first


def test_delete_keeps_the_history_with_the_last_values(world, visit):
    activity = log(world, visit)
    services.delete_activity(activity, by=world.east_rep)
    assert not Activity.objects.exists()
    rows = list(ActivityChange.objects.order_by("id").values_list("action", "activity_id", "customer_id"))
    assert rows == [("created", None, world.east_customer.pk), ("deleted", None, world.east_customer.pk)]
    deleted = ActivityChange.objects.get(action="deleted")
    assert deleted.changes["summary"] == "Visit the plant manager"
    assert deleted.subject_label == "Visit the plant manager"


def test_a_proposed_level_goes_through_the_relationship_service_with_the_activity_as_reason(world, visit):
    contact = ContactFactory(customer=world.east_customer)
    activity = log(world, visit, contacts=[contact], level_changes={contact.pk: 4})
    relationship = Relationship.objects.get(contact=contact)
    assert (relationship.user, relationship.level) == (world.east_rep, 4)
    change = RelationshipChange.objects.get(contact=contact)
    assert change.changed_by == world.east_rep
    assert f"Activity #{activity.pk}" in change.note and "Visit the plant manager" in change.note


def test_an_edit_can_propose_a_level_too_and_a_refused_one_leaves_the_edit_undone(world, visit):
    contact = ContactFactory(customer=world.east_customer)
    activity = log(world, visit, contacts=[contact])
    assert not Relationship.objects.filter(contact=contact).exists()
    errors = errors_of(
        lambda: services.update_activity(
            activity,
            by=world.east_rep,
            version=activity.version,
            summary="Met again",
            level_changes={contact.pk: 9},
        )
    )
    assert errors["level_changes"] == ["The relationship level must be CR1 to CR5."]
    activity.refresh_from_db()
    assert activity.summary == "Visit the plant manager"
    services.update_activity(
        activity,
        by=world.east_rep,
        version=activity.version,
        summary="Met again",
        level_changes={contact.pk: 3},
    )
    relationship = Relationship.objects.get(contact=contact)
    assert (relationship.user, relationship.level) == (world.east_rep, 3)
    assert f"Activity #{activity.pk}" in RelationshipChange.objects.get(contact=contact).note


def test_a_level_is_only_proposed_for_the_activitys_contacts(world, visit):
    contact = ContactFactory(customer=world.east_customer)
    other = ContactFactory(customer=world.east_customer)
    errors = errors_of(lambda: log(world, visit, contacts=[contact], level_changes={other.pk: 3}))
    assert "level_changes" in errors
    errors = errors_of(lambda: log(world, visit, contacts=[contact], level_changes={contact.pk: 6}))
    assert errors["level_changes"] == ["The relationship level must be CR1 to CR5."]
    assert not Activity.objects.exists() and not Relationship.objects.exists()


def test_a_failed_level_change_rolls_the_activity_back(world, visit, monkeypatch):
    contact = ContactFactory(customer=world.east_customer)

    def refuse(*args, **kwargs):
        raise ValidationError({"level": ["refused"]})

    monkeypatch.setattr(services, "set_relationship_level", refuse)
    with pytest.raises(ValidationError):
        log(world, visit, contacts=[contact], level_changes={contact.pk: 2})
    assert not Activity.objects.exists()
    assert touch(Customer, world.east_customer.pk) is None


def test_the_opportunitys_health_inputs_are_announced(world, visit):
    from kam.opportunities.signals import health_inputs_changed

    seen = []

    def receiver(sender, opportunity_ids, **kwargs):
        seen.append(list(opportunity_ids))

    health_inputs_changed.connect(receiver)
    try:
        log(world, visit, opportunity=world.east_opp)
    finally:
        health_inputs_changed.disconnect(receiver)
    assert [world.east_opp.pk] in seen


def test_logging_a_visit_clears_the_stored_no_update_flag(world, visit):
    """The health rule reads the last touch, and the write tells insights to recompute the deal."""
    long_ago = timezone.now() - dt.timedelta(days=400)
    Opportunity.objects.filter(pk=world.east_opp.pk).update(created_at=long_ago, updated_at=long_ago)
    store.recompute([world.east_opp.pk])

    def codes():
        return set(StoredFlag.objects.filter(opportunity=world.east_opp).values_list("rule__code", flat=True))

    assert "no_update" in codes()
    log(world, visit, opportunity=world.east_opp)
    assert "no_update" not in codes()
