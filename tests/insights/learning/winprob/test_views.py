"""The backtest page, and the learned probability on the opportunity page and the pipeline table."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.insights.learning.models import WinModel
from kam.insights.learning.winprob.services import predict_open, train
from tests.insights.learning.winprob.constructed import NOW, build

pytestmark = pytest.mark.django_db


def test_the_page_says_why_not_when_the_deals_are_too_few(client, world):
    build(40)
    train(now=NOW)
    client.force_login(world.director)
    page = client.get(reverse("learning_winprob:backtest")).content.decode()
    assert 'data-verdict="not-shown"' in page
    assert "Too few closed deals: 40 closed deals were seen" in page
    assert "data-closed-deals>40<" in page


def test_the_page_shows_the_backtest_when_the_model_beats_the_rule(client, world):
    client.force_login(world.admin)
    assert (
        "No model has been trained yet" in client.get(reverse("learning_winprob:backtest")).content.decode()
    )
    build(300)
    model = train(now=NOW)
    page = client.get(reverse("learning_winprob:backtest")).content.decode()
    assert 'data-verdict="shown"' in page
    assert (
        f'<tr data-row="model"><th scope="row">Learned model</th><td class="num">{model.metrics["model"]["brier"]}</td>'
        in page
    )
    assert f'<td class="num">{model.metrics["rule"]["brier"]}</td>' in page
    assert 'id="calibration"' in page and "decision maker: present, CR level, stance" in page


def test_reps_and_managers_may_not_see_the_page_or_train(client, world):
    client.force_login(world.east_mgr)
    assert client.get(reverse("learning_winprob:backtest")).status_code == 403
    assert client.post(reverse("learning_winprob:train")).status_code == 403
    assert not WinModel.objects.exists()


def test_train_now_runs_the_task(client, world):
    build(40)
    client.force_login(world.director)
    response = client.post(reverse("learning_winprob:train"))
    assert response.status_code == 302
    assert WinModel.objects.count() == 1  # the tests' task backend runs it at once


def test_the_opportunity_page_shows_the_learned_probability_and_its_factors(client):
    open_deals = build(300, n_open=1)
    train(now=NOW)
    deal = open_deals[0]
    client.force_login(deal.owner)
    page = client.get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    assert "Win probability" in page and "data-learned" in page
    assert page.count("points</li>") >= 1


def test_the_pipeline_table_reads_the_predictions_in_one_query_whatever_the_rows(client, world):
    build(300, n_open=3)
    model = train(now=NOW)
    client.force_login(world.director)
    url = reverse("opportunities:pipeline")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert page.count('class="learned"') == 3 + 3  # and the three deals of the world
    build(0, seed=2, n_open=12)
    predict_open(model, now=NOW)
    with CaptureQueriesContext(connection) as more:
        page = client.get(url).content.decode()
    assert page.count('class="learned"') == 15 + 3
    assert len(more) == len(few)
