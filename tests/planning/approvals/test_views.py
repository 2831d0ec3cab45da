from __future__ import annotations

import pytest
from django.urls import reverse

from kam.planning.approvals import services
from kam.planning.approvals.models import ApprovalStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(world):
    return services.submit(
        world.east_opp, flow_code="initiation", by=world.east_rep, title="Furnace initiation"
    )


def test_the_top_bar_count_is_loaded_apart_from_the_page(
    client, world, pending, django_assert_max_num_queries
):
    client.force_login(world.east_mgr)
    page = client.get(reverse("opportunities:pipeline"))
    assert reverse("planning_approvals:badge") in page.content.decode()

    with django_assert_max_num_queries(4):  # session, user, the count
        badge = client.get(reverse("planning_approvals:badge"))
    assert ">1</span>" in badge.content.decode()

    client.force_login(world.west_mgr)
    assert "badge" not in client.get(reverse("planning_approvals:badge")).content.decode()


def test_awaiting_page_lists_my_requests_with_their_record(client, world, pending):
    client.force_login(world.east_mgr)
    body = client.get(reverse("planning_approvals:awaiting")).content.decode()
    assert "Furnace initiation" in body
    assert reverse("planning_approvals:decide", args=[pending.pk]) in body

    client.force_login(world.director)
    body = client.get(reverse("planning_approvals:awaiting")).content.decode()
    assert "Furnace initiation" not in body


def test_approve_from_the_list_through_htmx(client, world, pending):
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("planning_approvals:decide", args=[pending.pk]),
        {"decision": "approve", "comment": "", "version": pending.version, "from": "list"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your decision on “Furnace initiation” is saved." in body
    assert "Nothing awaits your approval." in body
    pending.refresh_from_db()
    assert pending.current_step.order == 2
    assert pending.decisions.get().approver == world.east_mgr


def test_reject_without_a_comment_is_refused_with_a_message(client, world, pending):
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("planning_approvals:decide", args=[pending.pk]),
        {"decision": "reject", "comment": "", "version": pending.version, "from": "list"},
        HTTP_HX_REQUEST="true",
    )
    assert "A rejection needs a comment" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.PENDING

    client.post(
        reverse("planning_approvals:decide", args=[pending.pk]),
        {"decision": "reject", "comment": "Too early", "version": pending.version},
    )
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.REJECTED
    detail = client.get(reverse("planning_approvals:request", args=[pending.pk])).content.decode()
    assert "Too early" in detail


def test_a_stale_form_is_told_someone_decided_meanwhile(client, world, pending):
    services.decide(pending, by=world.east_mgr, approve=True)
    client.force_login(world.director)
    response = client.post(
        reverse("planning_approvals:decide", args=[pending.pk]),
        {"decision": "approve", "version": 1},
        follow=True,
    )
    assert "Someone decided on this request meanwhile" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.PENDING


def test_another_teams_request_is_a_404(client, world, pending):
    client.force_login(world.west_rep)
    assert client.get(reverse("planning_approvals:request", args=[pending.pk])).status_code == 404
    assert (
        client.post(
            reverse("planning_approvals:decide", args=[pending.pk]), {"decision": "approve", "version": 1}
        )
    ).status_code == 404
    client.force_login(world.east_rep2)  # same team, not the owner, not an approver
    assert client.get(reverse("planning_approvals:request", args=[pending.pk])).status_code == 404
    client.force_login(world.east_rep)
    assert client.get(reverse("planning_approvals:request", args=[pending.pk])).status_code == 200
