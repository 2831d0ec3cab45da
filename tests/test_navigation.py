import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    "forecast:page",
    "forecast:funnel",
    "forecast:targets",
    "health:page",
    "analysis:changes",
    "analysis:portfolio",
    "analysis:matrix",
    "analysis:accuracy",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_analysis_page_renders_with_the_navigation(client, world, name):
    client.force_login(world.east_mgr)
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    for other in PAGES:
        assert f'href="{reverse(other)}"' in body
    assert 'aria-current="page"' in body
