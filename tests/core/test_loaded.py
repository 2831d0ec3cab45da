"""kam.core.loaded: records made from plain rows behave as the ORM's `select_related().only()`."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from kam.core.loaded import lookups, records
from kam.opportunities.models import Opportunity, Stage
from tests.factories import stage

FIELDS = (
    "id",
    "name",
    "amount",
    "sign_date",
    "deal_team",
    "customer_id",
    "owner_id",
    "stage_id",
    "lost_to_id",
)
RELATED = {"customer": ("name", "short_name"), "owner": ("username",), "stage": ("code", "probability")}


def load(queryset, fields=FIELDS, related=RELATED):
    """As the pipeline page reads its rows: values_list by `lookups`, then `records`."""
    model = queryset.model
    return records(
        model, queryset.values_list(*lookups(model, fields, related)), fields, related, queryset.db
    )


def _orm(pk: int) -> Opportunity:
    return (
        Opportunity.objects.select_related("customer", "owner", "stage")
        .only(
            "name",
            "amount",
            "sign_date",
            "deal_team",
            "customer__name",
            "customer__short_name",
            "owner__username",
            "stage__code",
            "stage__probability",
        )
        .get(pk=pk)
    )


@pytest.mark.django_db
def test_loaded_records_hold_the_values_the_orm_reads(world):
    opportunity = world.east_opp
    Opportunity.objects.filter(pk=opportunity.pk).update(amount=Decimal("1234.50"))
    with CaptureQueriesContext(connection) as read:
        (record,) = load(Opportunity.objects.filter(pk=opportunity.pk))
    assert len(read.captured_queries) == 1
    orm = _orm(opportunity.pk)
    with CaptureQueriesContext(connection) as used:
        assert (record.pk, record.name, record.amount, record.sign_date, record.deal_team) == (
            orm.pk,
            orm.name,
            orm.amount,
            orm.sign_date,
            orm.deal_team,
        )
        assert record.amount == Decimal("1234.50") and isinstance(record.deal_team, list)
        assert (record.customer.pk, record.customer.name, str(record.customer)) == (
            orm.customer.pk,
            orm.customer.name,
            str(orm.customer),
        )
        assert (record.owner.pk, record.owner.username) == (world.east_rep.pk, "east_rep")
        assert record.stage.code == orm.stage.code and record.stage.probability == orm.stage.probability
        assert record.lost_to is None
        assert record.expected_amount == Decimal("1234.50")  # model properties work on what was read
    assert used.captured_queries == []
    assert not record._state.adding and record._state.db == "default"


@pytest.mark.django_db
def test_fields_not_read_are_deferred_and_save_writes_only_the_fields_read(world):
    (record,) = load(Opportunity.objects.filter(pk=world.east_opp.pk))
    assert "product_line" in record.get_deferred_fields() and "name" not in record.get_deferred_fields()
    assert "probability" not in record.stage.get_deferred_fields()
    expected = Stage.objects.get(pk=record.stage_id).key_node
    with CaptureQueriesContext(connection) as deferred:
        assert record.stage.key_node == expected
    assert len(deferred.captured_queries) == 1  # loaded on first access, as after .only()

    Opportunity.objects.filter(pk=record.pk).update(product_line="kept")
    record.name = "Renamed furnace"
    record.save()
    again = Opportunity.objects.get(pk=record.pk)
    assert again.name == "Renamed furnace" and again.product_line == "kept"


@pytest.mark.django_db
def test_order_and_many_records_follow_the_queryset(world):
    ids = [world.west_opp.pk, world.east_opp.pk, world.east_opp2.pk]
    made = load(Opportunity.objects.filter(pk__in=ids).order_by("-name"))
    assert [r.name for r in made] == ["West turbine", "East rolling mill", "East furnace"]
    assert {r.stage.code for r in made} == {stage("P0").code}


@pytest.mark.django_db
def test_refuses_what_it_cannot_load_faithfully(world):
    with pytest.raises(ValueError, match="no field nonsense"):
        lookups(Opportunity, ("id", "nonsense"), {})
    with pytest.raises(ValueError, match="load customer_id"):
        lookups(Opportunity, ("id", "name"), {"customer": ("name",)})

    def receiver(**kwargs):
        pass

    signals.post_init.connect(receiver, sender=Stage)
    try:
        with pytest.raises(ValueError, match="init signal"):
            lookups(Stage, ("id", "code", "order"), {})
    finally:
        signals.post_init.disconnect(receiver, sender=Stage)
