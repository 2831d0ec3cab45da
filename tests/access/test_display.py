"""The display preferences page: a person picks 元 or 万元 (or the language's default) for amounts."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from kam.core.money_unit import MoneyUnit

pytestmark = pytest.mark.django_db


def test_the_page_is_linked_from_the_top_bar_and_shows_the_current_choice(client, world):
    client.force_login(world.east_rep)
    home = client.get(reverse("opportunities:pipeline")).content.decode()
    assert f'href="{reverse("display_preferences")}"' in home
    body = client.get(reverse("display_preferences")).content.decode()
    assert re.search(
        r'<input type="radio" name="money_unit" value="" id="id_money_unit_0"[^>]* checked>', body
    )
    assert not re.search(r'value="wan"[^>]* checked', body)
    assert 'id="money-sample">¥144,553,500.00<' in body  # English, nothing chosen: yuan


def test_choosing_wan_saves_it_and_the_pages_follow(client, world):
    client.force_login(world.east_rep)
    response = client.post(reverse("display_preferences"), {"money_unit": "wan"})
    assert response.status_code == 302 and response["Location"] == reverse("display_preferences")
    world.east_rep.refresh_from_db()
    assert world.east_rep.money_unit == MoneyUnit.WAN
    body = client.get(reverse("display_preferences")).content.decode()
    assert "Display preferences saved." in body
    assert '<span class="money" title="¥144,553,500.00">14,455.35 万</span>' in body
    assert 'data-money-unit="wan"' in body


def test_blank_goes_back_to_the_language_default(client, world):
    world.east_rep.money_unit = MoneyUnit.WAN
    world.east_rep.save()
    client.force_login(world.east_rep)
    client.post(reverse("display_preferences"), {"money_unit": ""})
    world.east_rep.refresh_from_db()
    assert world.east_rep.money_unit == ""
    assert 'data-money-unit="yuan"' in client.get(reverse("display_preferences")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert 'data-money-unit="wan"' in client.get(reverse("display_preferences")).content.decode()


def test_an_unknown_unit_is_refused_and_nothing_changes(client, world):
    client.force_login(world.east_rep)
    response = client.post(reverse("display_preferences"), {"money_unit": "dollar"})
    assert response.status_code == 200 and response.context["form"].errors["money_unit"]
    world.east_rep.refresh_from_db()
    assert world.east_rep.money_unit == ""


def test_the_page_needs_a_sign_in(client):
    response = client.get(reverse("display_preferences"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
