"""Customer analysis, the writes: append-only revisions, conflicts, choices, one history line per save."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kam.customers.analysis import services as analysis
from kam.customers.models import CustomerAnalysis, CustomerChange

# --- service ------------------------------------------------------------------------------------


def test_each_save_appends_a_revision_and_keeps_the_earlier_ones(world):
    customer = world.east_customer
    first = analysis.save_analysis(
        customer,
        by=world.east_rep,
        base_revision=0,
        needs_history="Buys every spring",
        purchase_speed="price",
    )
    assert (first.created, first.revision) == (True, 1)
    assert first.changed == ["needs_history", "purchase_speed"]
    second = analysis.save_analysis(customer, by=world.east_mgr, base_revision=1, decision_mode="tender")
    assert (second.created, second.revision) == (True, 2)
    assert second.changed == ["decision_mode"]
    rows = list(CustomerAnalysis.objects.filter(customer=customer).order_by("revision"))
    assert [(r.revision, r.created_by, r.needs_history, r.decision_mode) for r in rows] == [
        (1, world.east_rep, "Buys every spring", ""),
        # Fields left out keep the values of the revision the save was based on.
        (2, world.east_mgr, "Buys every spring", "tender"),
    ]


def test_one_history_line_per_save(world):
    customer = world.east_customer
    before = CustomerChange.objects.filter(customer=customer).count()
    analysis.save_analysis(customer, by=world.east_rep, base_revision=0, finances="Sound", reputation="Good")
    changes = list(CustomerChange.objects.filter(customer=customer))
    assert len(changes) == before + 1
    assert changes[0].summary_en == "Customer analysis revision 1: finances, reputation"
    assert changes[0].changed_by == world.east_rep


def test_saving_nothing_changed_creates_no_revision(world):
    customer = world.east_customer
    analysis.save_analysis(customer, by=world.east_rep, base_revision=0, finances="Sound")
    history = CustomerChange.objects.filter(customer=customer).count()
    again = analysis.save_analysis(customer, by=world.east_rep, base_revision=1, finances="  Sound\r\n")
    assert (again.created, again.revision, again.changed) == (False, 1, [])
    assert CustomerAnalysis.objects.filter(customer=customer).count() == 1
    assert CustomerChange.objects.filter(customer=customer).count() == history
    # An empty first save makes no revision 1 either.
    empty = analysis.save_analysis(world.west_customer, by=world.west_rep, base_revision=0, finances="")
    assert (empty.created, empty.analysis) == (False, None)


def test_stale_base_revision_is_a_conflict_naming_the_other_revision(world):
    customer = world.east_customer
    analysis.save_analysis(customer, by=world.east_rep, base_revision=0, finances="Sound")
    analysis.save_analysis(customer, by=world.east_mgr, base_revision=1, finances="Tight")
    with pytest.raises(analysis.AnalysisConflict) as caught:
        analysis.save_analysis(customer, by=world.east_rep, base_revision=1, finances="Strong")
    assert caught.value.latest.revision == 2
    assert caught.value.latest.created_by == world.east_mgr
    assert caught.value.current_version == 2
    assert "saved revision 2" in str(caught.value)
    # The time in the message is the one the pages show: local (Asia/Shanghai), not UTC.
    local = timezone.localtime(caught.value.latest.created_at).strftime("%Y-%m-%d %H:%M")
    assert f"at {local} while" in str(caught.value)
    assert CustomerAnalysis.objects.filter(customer=customer).count() == 2


@pytest.mark.parametrize(
    "field, value", [("purchase_speed", "fastest"), ("decision_mode", "vote"), ("price_attention", "HIGH")]
)
def test_unknown_choice_is_a_field_error_and_nothing_is_written(world, field, value):
    with pytest.raises(ValidationError) as caught:
        analysis.save_analysis(
            world.east_customer, by=world.east_rep, base_revision=0, finances="Sound", **{field: value}
        )
    assert list(caught.value.message_dict) == [field]
    assert not CustomerAnalysis.objects.exists()


def test_unknown_field_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        analysis.save_analysis(world.east_customer, by=world.east_rep, base_revision=0, mood="good")
    assert list(caught.value.message_dict) == ["mood"]
