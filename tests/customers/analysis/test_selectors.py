"""Customer analysis, the reads: each revision's changes against the previous one."""

from __future__ import annotations

from kam.customers.analysis import selectors as analysis_selectors
from kam.customers.analysis import services as analysis


def test_history_shows_each_revisions_changes_against_the_previous_one(world):
    customer = world.east_customer
    analysis.save_analysis(
        customer, by=world.east_rep, base_revision=0, purchase_speed="price", finances="Sound"
    )
    analysis.save_analysis(customer, by=world.east_rep, base_revision=1, purchase_speed="speed", finances="")
    analysis.save_analysis(customer, by=world.east_mgr, base_revision=2, direction="Going abroad")
    entries = analysis_selectors.revision_history(customer)
    assert [e.revision for e in entries] == [3, 2, 1]
    assert [(c.name, c.old, c.new) for c in entries[0].changes] == [("direction", "", "Going abroad")]
    assert [(c.label, c.old, c.new) for c in entries[1].changes] == [
        ("required purchase speed", "Price first", "Speed first"),
        ("finances", "Sound", ""),
    ]
    assert [(c.name, c.new) for c in entries[2].changes] == [
        ("purchase_speed", "Price first"),
        ("finances", "Sound"),
    ]
    # A page boundary still diffs against the revision below it.
    (page,) = analysis_selectors.revision_history(customer, limit=1, offset=1)
    assert [c.name for c in page.changes] == ["purchase_speed", "finances"]
