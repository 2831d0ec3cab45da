"""Customer analysis: append-only revisions, conflicts, choices, history and the 360° section."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kam.customers.analysis import selectors as analysis_selectors
from kam.customers.analysis import services as analysis
from kam.customers.models import CustomerAnalysis, CustomerChange


def form_data(base_revision: int, **fields: str) -> dict[str, str]:
    data = dict.fromkeys(analysis_selectors.FIELDS, "")
    data.update(fields)
    data["base_revision"] = str(base_revision)
    return data


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


# --- pages --------------------------------------------------------------------------------------


def test_form_is_prefilled_from_the_latest_revision(client, world, password):
    analysis.save_analysis(
        world.east_customer, by=world.east_mgr, base_revision=0, hidden_influencers="The CFO's wife"
    )
    client.login(username="east_rep", password=password)
    response = client.get(reverse("customers:analysis", args=[world.east_customer.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The CFO&#x27;s wife" in page
    assert 'name="base_revision" value="1"' in page
    for legend in ("Needs", "Decision mechanism", "Strength", "Local economy"):
        assert f"<legend>{legend}</legend>" in page


def test_saving_the_form_makes_a_revision_and_goes_back_to_the_customer(client, world, password):
    client.login(username="east_rep", password=password)
    url = reverse("customers:analysis", args=[world.east_customer.pk])
    response = client.post(url, form_data(0, needs_history="Grows 10 % a year", decision_mode="negotiated"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("customers:detail", args=[world.east_customer.pk]))
    latest = analysis_selectors.latest_analysis(world.east_customer)
    assert (latest.revision, latest.decision_mode, latest.created_by) == (1, "negotiated", world.east_rep)
    same = client.post(
        url, form_data(1, needs_history="Grows 10 % a year", decision_mode="negotiated"), follow=True
    )
    assert "Nothing changed: no new revision was saved." in same.content.decode()
    assert CustomerAnalysis.objects.count() == 1


def test_form_conflict_shows_their_revision_and_keeps_the_input(client, world, password):
    customer = world.east_customer
    analysis.save_analysis(customer, by=world.east_rep, base_revision=0, finances="Sound")
    analysis.save_analysis(customer, by=world.east_mgr, base_revision=1, finances="Cash is tight")
    client.login(username="east_rep", password=password)
    url = reverse("customers:analysis", args=[customer.pk])
    response = client.post(url, form_data(1, finances="Strong balance sheet"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "Not saved: someone else saved the analysis meanwhile" in page
    assert "saved revision 2" in page and world.east_mgr.name in page
    assert "Cash is tight" in page  # theirs
    assert "Strong balance sheet</textarea>" in page  # the user's input, kept
    assert 'name="base_revision" value="2"' in page  # a second save is a decision taken after seeing theirs
    assert CustomerAnalysis.objects.filter(customer=customer).count() == 2
    again = client.post(url, form_data(2, finances="Strong balance sheet"))
    assert again.status_code == 302
    assert analysis_selectors.latest_analysis(customer).finances == "Strong balance sheet"


def test_form_refuses_an_unknown_choice_with_a_field_message(client, world, password):
    client.login(username="east_rep", password=password)
    url = reverse("customers:analysis", args=[world.east_customer.pk])
    response = client.post(url, form_data(0, purchase_speed="whenever", finances="Sound"))
    assert response.status_code == 400
    assert 'id="id_purchase_speed-errors"' in response.content.decode()
    assert not CustomerAnalysis.objects.exists()


def test_history_page_lists_revisions_with_old_and_new(client, world, password):
    customer = world.east_customer
    analysis.save_analysis(customer, by=world.east_rep, base_revision=0, reputation="Known locally")
    analysis.save_analysis(customer, by=world.east_mgr, base_revision=1, reputation="Known nationally")
    client.login(username="east_rep", password=password)
    page = client.get(reverse("customers:analysis_history", args=[customer.pk])).content.decode()
    assert page.index('data-revision="2"') < page.index('data-revision="1"')
    assert "<del>Known locally</del>" in page and "<ins>Known nationally</ins>" in page
    assert world.east_mgr.name in page


def test_section_shows_summary_or_empty_state(client, world, password):
    client.login(username="east_rep", password=password)
    url = reverse("customers:analysis_section", args=[world.east_customer.pk])
    empty = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "No analysis yet." in empty and "Start the analysis" in empty
    assert "<html" not in empty
    analysis.save_analysis(
        world.east_customer, by=world.east_rep, base_revision=0, decision_mode="one_person", finances="Sound"
    )
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Revision 1" in fragment and "One person decides" in fragment and "Sound" in fragment
    assert reverse("customers:analysis_history", args=[world.east_customer.pk]) in fragment
    plain = client.get(url).content.decode()
    assert "<html" in plain and "One person decides" in plain


@pytest.mark.parametrize("name", ["analysis", "analysis_history", "analysis_section"])
def test_rep_of_another_team_gets_404(client, world, password, name):
    client.login(username="west_rep", password=password)
    url = reverse(f"customers:{name}", args=[world.east_customer.pk])
    assert client.get(url).status_code == 404
    if name == "analysis":
        assert client.post(url, form_data(0, finances="Mine now")).status_code == 404
        assert not CustomerAnalysis.objects.exists()


def test_history_page_query_count_does_not_grow(client, world, password, django_assert_max_num_queries):
    customer = world.east_customer
    for revision in range(3):
        analysis.save_analysis(customer, by=world.east_rep, base_revision=revision, finances=f"v{revision}")
    client.login(username="east_rep", password=password)
    url = reverse("customers:analysis_history", args=[customer.pk])
    with django_assert_max_num_queries(8):
        client.get(url)
    for revision in range(3, 25):
        analysis.save_analysis(customer, by=world.east_rep, base_revision=revision, finances=f"v{revision}")
    with django_assert_max_num_queries(8):
        assert "v24" in client.get(url).content.decode()
