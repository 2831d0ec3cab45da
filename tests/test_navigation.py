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
    "loss:page",
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


def test_refusal_page_has_the_layout_and_the_reason_in_the_readers_language(client, world):
    from django.conf import settings

    client.force_login(world.east_rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(reverse("customers:scoring_thresholds"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权操作" in body and "只有管理员" in body
    assert f'href="{reverse("customers:list")}"' in body  # the navigation is there to go on


def test_not_found_page_has_the_layout_and_does_not_say_why(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:detail", args=[world.west_customer.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body and "nothing you may see" in body
    assert world.west_customer.name not in body
    assert f'href="{reverse("customers:list")}"' in body


def test_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
