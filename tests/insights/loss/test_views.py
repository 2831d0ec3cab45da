"""The loss diagnosis page and its JSON: same figures, scoped, bad filters refused."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import PASSWORD

JUNE = {"start": "2026-06-01", "end": "2026-06-30"}


def test_page_names_the_leak_and_lists_the_tables(client, closes):
    client.login(username="director", password=PASSWORD)
    response = client.get(reverse("loss:page"), JUNE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Largest leak: P2 → P3. 5 closed deals entered P2, 2 reached P3: 3 stopped there (60 %)." in page
    assert 'data-stage="P2" class="largest-leak"' in page
    assert "Price too high" in page and "Huawei" in page and "No competitor named" in page
    assert f'data-owner="{closes.west_rep.pk}"' in page


def test_page_for_a_rep_hides_other_reps(client, closes):
    client.login(username="east_rep", password=PASSWORD)
    page = client.get(reverse("loss:page"), JUNE).content.decode()
    assert f'data-owner="{closes.east_rep.pk}"' in page
    assert f'data-owner="{closes.west_rep.pk}"' not in page
    assert "Relationship" not in page


def test_page_refuses_a_reversed_period(client, closes):
    client.login(username="director", password=PASSWORD)
    response = client.get(reverse("loss:page"), {"start": "2026-06-30", "end": "2026-06-01"})
    assert response.status_code == 400
    assert "The end comes on or after the start." in response.content.decode()


def test_page_queries_are_bounded(client, closes, django_assert_max_num_queries):
    client.login(username="director", password=PASSWORD)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("loss:page"), JUNE).status_code == 200


def test_api_returns_the_same_figures(api_as, closes):
    body = api_as(closes.director).get("/insights/loss", JUNE).json()
    assert body["closed"] == 6 and body["process"] == "key-account"
    assert body["total"] == {
        "key": "total",
        "label": "",
        "lost": 3,
        "dropped": 2,
        "count": 5,
        "amount": "660000.00",
    }
    assert body["largest_leak"]["stage"] == "P2" and body["largest_leak"]["leaked"] == 3
    assert body["largest_leak"]["leak_share"] == "0.6000"
    assert body["competitors"][0]["label"] == "Huawei"
    assert [s["stage"] for s in body["stopped"]] == ["P0", "P2", "P4"]


def test_api_refuses_another_teams_filter(api_as, closes):
    response = api_as(closes.east_mgr).get("/insights/loss", {**JUNE, "team": str(closes.west.pk)})
    assert response.status_code == 422


def test_page_in_chinese(client, closes):
    from django.conf import settings

    client.login(username="director", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("loss:page"), JUNE).content.decode()
    assert "丢单诊断" in page
    assert "最大漏损：P2 → P3。已结项目中 5 个进入 P2，2 个到达 P3：3 个止步于此（60 %）。" in page
