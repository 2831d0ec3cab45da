"""The skills pages: the matrix grid with its people and treatments, a person's page with the gap
table and training plan, the forms' messages, the team's gaps, and visibility (404 outside)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.team.skills import services
from kam.team.skills.models import Placement, Skill, TrainingItem

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _person_url(user) -> str:
    return reverse("team_skills:person", kwargs={"pk": user.pk})


def test_the_matrix_shows_each_person_in_their_cell_with_the_treatment(
    client, world, django_assert_max_num_queries
):
    services.place_person(world.east_rep, by=world.east_mgr, ability="able", attitude="willing", on=TODAY())
    services.place_person(
        world.east_rep2, by=world.east_mgr, ability="cannot", attitude="unwilling", on=TODAY()
    )
    client.force_login(world.east_mgr)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("team_skills:matrix"))
    html = page.content.decode()
    assert page.status_code == 200
    able = html.split('data-cell="able-willing"')[1].split("</td>")[0]
    assert str(world.east_rep) in able and "Delegate" in able
    replace = html.split('data-cell="cannot-unwilling"')[1].split("</td>")[0]
    assert str(world.east_rep2) in replace
    assert str(world.west_rep) not in html


def test_the_matrix_costs_the_same_queries_with_more_people(client, world, django_assert_max_num_queries):
    client.force_login(world.director)
    client.get(reverse("team_skills:matrix"))
    for person in (world.east_rep, world.east_rep2, world.west_rep, world.east_mgr):
        services.place_person(person, by=world.director, ability="can_learn", attitude="willing", on=TODAY())
    with django_assert_max_num_queries(12):
        assert client.get(reverse("team_skills:matrix")).status_code == 200


def test_a_manager_places_a_person_and_sets_levels_through_the_page(client, world):
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("team_skills:place", kwargs={"pk": world.east_rep.pk}),
        {"ability": "can_learn", "attitude": "unwilling", "on": TODAY().isoformat(), "note": "Q3 review"},
    )
    assert response.status_code == 302
    assert Placement.objects.get(person=world.east_rep, current=True).ability == "can_learn"
    negotiation = Skill.objects.get(code="negotiation")
    client.post(
        reverse("team_skills:set_level", kwargs={"pk": world.east_rep.pk}),
        {"skill": negotiation.pk, "level": 2, "on": TODAY().isoformat()},
    )
    page = client.get(_person_url(world.east_rep)).content.decode()
    assert "Coach and watch" in page
    row = page.split('data-skill="negotiation"')[1].split("</tr>")[0]
    assert ">2<" in row.replace(" ", "").replace("\n", "") or ">2 " in row
    assert "Plan training" in row


def test_plan_training_from_a_gap_in_one_click_and_mark_it_done(client, world):
    negotiation = Skill.objects.get(code="negotiation")
    services.set_level(world.east_rep, negotiation, by=world.east_mgr, level=1, on=TODAY())
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("team_skills:plan_from_gap", kwargs={"pk": world.east_rep.pk}), {"skill": negotiation.pk}
    )
    assert response.status_code == 302
    item = TrainingItem.objects.get(person=world.east_rep)
    assert item.skill == negotiation
    again = client.post(
        reverse("team_skills:plan_from_gap", kwargs={"pk": world.east_rep.pk}), {"skill": negotiation.pk}
    )
    assert 'id="form-error"' in again.content.decode()
    assert TrainingItem.objects.count() == 1
    client.post(
        reverse("team_skills:training_status", kwargs={"pk": item.pk}),
        {"status": "done", "version": item.version},
    )
    item.refresh_from_db()
    assert item.status == "done" and item.done_on == TODAY()
    stale = client.post(
        reverse("team_skills:training_status", kwargs={"pk": item.pk}), {"status": "open", "version": 1}
    )
    assert stale.status_code == 409


def test_an_overdue_item_is_marked_on_the_persons_page(client, world):
    item = services.add_training_item(
        world.east_rep,
        by=world.east_mgr,
        skill=Skill.objects.get(code="bidding"),
        action="Bid clinic",
        due=TODAY(),
    )
    TrainingItem.objects.filter(pk=item.pk).update(due=TODAY() - dt.timedelta(days=3))
    client.force_login(world.east_rep)
    page = client.get(_person_url(world.east_rep)).content.decode()
    row = page.split(f'data-item="{item.pk}"')[1].split("</tr>")[0]
    assert "overdue" in row.split(">")[0]
    # A rep reads their own page: no forms to change it.
    assert reverse("team_skills:training_status", kwargs={"pk": item.pk}) not in page
    assert reverse("team_skills:place", kwargs={"pk": world.east_rep.pk}) not in page


def test_refused_form_input_shows_the_message_and_writes_nothing(client, world):
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("team_skills:place", kwargs={"pk": world.east_rep.pk}),
        {"ability": "able", "attitude": "willing", "on": (TODAY() + dt.timedelta(days=2)).isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.content.decode()
    response = client.post(
        reverse("team_skills:add_training", kwargs={"pk": world.east_rep.pk}),
        {
            "skill": Skill.objects.first().pk,
            "action": "x",
            "due": (TODAY() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert "The due date cannot be in the past." in response.content.decode()
    assert not Placement.objects.exists() and not TrainingItem.objects.exists()


def test_others_people_are_404_and_a_rep_cannot_assess_themself(client, world):
    client.force_login(world.west_mgr)
    assert client.get(_person_url(world.east_rep)).status_code == 404
    assert (
        client.post(
            reverse("team_skills:place", kwargs={"pk": world.east_rep.pk}),
            {"ability": "able", "attitude": "willing", "on": TODAY().isoformat()},
        ).status_code
        == 404
    )
    client.force_login(world.east_rep)
    assert client.get(_person_url(world.east_rep2)).status_code == 404
    assert client.get(_person_url(world.east_rep)).status_code == 200
    refused = client.post(
        reverse("team_skills:place", kwargs={"pk": world.east_rep.pk}),
        {"ability": "able", "attitude": "willing", "on": TODAY().isoformat()},
    )
    assert refused.status_code == 403
    assert not Placement.objects.exists()


def test_the_team_page_shows_the_teams_average_gaps(client, world):
    negotiation = Skill.objects.get(code="negotiation")
    services.set_level(world.east_rep, negotiation, by=world.east_mgr, level=2, on=TODAY())
    services.set_level(world.east_rep2, negotiation, by=world.east_mgr, level=3, on=TODAY())
    client.force_login(world.director)
    page = client.get(reverse("team_skills:team"), {"team": world.east.pk}).content.decode()
    row = page.split('data-skill="negotiation"')[1].split("</tr>")[0]
    assert "2.5" in row and "1.5" in row
    assert reverse("api:skills_team_gaps", kwargs={"team_id": world.east.pk}) in page


def test_an_administrator_rewords_a_treatment_in_the_admin_and_its_version_moves_on(client, world):
    from kam.team.skills.models import Treatment

    treatment = Treatment.objects.get(ability="cannot", attitude="unwilling")
    client.force_login(world.admin)
    url = reverse("admin:team_skills_treatment_change", args=[treatment.pk])
    response = client.post(
        url, {"ability": "cannot", "attitude": "unwilling", "advice": "替换", "advice_en": "Replace soon"}
    )
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert (treatment.advice_en, treatment.version) == ("Replace soon", 2)


def test_the_person_and_team_pages_cost_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    def fill(first: int, last: int) -> None:
        for skill in Skill.objects.all()[first:last]:
            services.set_level(world.east_rep, skill, by=world.east_mgr, level=1, on=TODAY())
            services.set_level(world.east_rep2, skill, by=world.east_mgr, level=2, on=TODAY())
            services.plan_from_gap(world.east_rep, skill, by=world.east_mgr)
        services.place_person(
            world.east_rep, by=world.east_mgr, ability="able", attitude="willing", on=TODAY()
        )

    client.force_login(world.east_mgr)
    fill(0, 2)
    with django_assert_max_num_queries(16) as few:
        assert client.get(_person_url(world.east_rep)).status_code == 200
    with django_assert_max_num_queries(14) as team_few:
        assert client.get(reverse("team_skills:team"), {"team": world.east.pk}).status_code == 200
    fill(2, 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(_person_url(world.east_rep)).status_code == 200
    with django_assert_max_num_queries(len(team_few.captured_queries)):
        assert client.get(reverse("team_skills:team"), {"team": world.east.pk}).status_code == 200
