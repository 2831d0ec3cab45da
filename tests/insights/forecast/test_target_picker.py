"""The targets page picks the person by typing (kam.access.pickers): it lists no one, and takes only
a person the user may set targets for."""

from __future__ import annotations

import re

import pytest

from kam.org.models import Target, User

pytestmark = pytest.mark.django_db

REFUSED = "Select one from the list (type to search)."


def measure(client, url: str) -> tuple[int, int]:
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    return len(body), len(re.findall(r"<option\b", body))


def test_the_targets_page_does_not_grow_with_the_people(client, world):
    client.force_login(world.director)
    before = measure(client, "/insights/targets/")
    User.objects.bulk_create(
        User(username=f"bulk_user_{i:04d}", name=f"Bulk person {i:04d}") for i in range(300)
    )
    assert measure(client, "/insights/targets/") == before


def test_a_manager_sets_a_target_for_their_team_only(client, world):
    client.force_login(world.east_mgr)
    data = {"quarter": "2027 Q3", "amount": "300"}
    for refused in (world.west_rep.pk, 999999999):
        response = client.post("/insights/targets/", {"user": refused, **data})
        assert response.status_code == 200
        assert response.context["form"].errors["user"] == [REFUSED]
    assert not Target.objects.exists()
    assert client.post("/insights/targets/", {"user": world.east_rep.pk, **data}).status_code == 302
    target = Target.objects.get()
    assert target.user == world.east_rep
    page = client.get(f"/insights/targets/{target.pk}/edit/").content.decode()
    assert f'value="{world.east_rep.pk}"' in page and f">{world.east_rep}</output>" in page
