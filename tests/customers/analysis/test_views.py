"""Customer analysis pages: the form, its conflicts and errors, the history page and the 360° section."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kam.customers.analysis import selectors as analysis_selectors
from kam.customers.analysis import services as analysis
from kam.customers.models import CustomerAnalysis


def form_data(base_revision: int, **fields: str) -> dict[str, str]:
    data = dict.fromkeys(analysis_selectors.FIELDS, "")
    data.update(fields)
    data["base_revision"] = str(base_revision)
    return data


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
