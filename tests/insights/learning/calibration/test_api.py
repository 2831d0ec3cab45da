"""The calibrated forecast over JSON: figures, words, visibility, errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

Q1 = {"period": "quarter", "year": 2027, "quarter": 1}


def test_calibration_payload(api_as, world, period_deals):
    response = api_as(world.director).get("/insights/learning/calibration", Q1)
    assert response.status_code == 200
    data = response.json()
    assert (data["period"], data["start"], data["end"]) == ("2027 Q1", "2027-01-01", "2027-03-31")
    rep = next(r for r in data["reps"] if r["id"] == world.east_rep.pk)
    assert rep["stated"] == {
        "won": "50000.00",
        "commit": "500000.00",
        "best_case": "100000.00",
        "total": "650000.00",
    }
    assert rep["calibrated"]["total"] == "258000.00"
    assert rep["slipped"]["commit"] == "200000.00"
    assert any("56 %" in words for words in rep["bias"])
    assert any(t["id"] == world.east.pk for t in data["teams"])
    assert data["total"]["kind"] == "total"


def test_rep_detail(api_as, world, period_deals):
    response = api_as(world.east_mgr).get(f"/insights/learning/calibration/reps/{world.east_rep2.pk}", Q1)
    assert response.status_code == 200
    data = response.json()
    assert data["ratios"]["commit"]["source"] == "team"
    assert data["calls"]["commit"]["calls"] == 0
    p5 = next(s for s in data["slips"] if s["stage"] == "P5")
    assert p5["used"] == {"source": "team", "value": "40", "samples": 5}


def test_rep_detail_own_record(api_as, world, period_deals):
    data = api_as(world.east_rep).get(f"/insights/learning/calibration/reps/{world.east_rep.pk}", Q1).json()
    assert data["calls"]["commit"]["ratio"] == "0.5600"
    assert data["ratios"]["commit"] == {"source": "own", "value": "0.5600", "samples": 5}


def test_visibility(api_as, world, period_deals):
    rep_view = api_as(world.east_rep2).get("/insights/learning/calibration", Q1).json()
    assert [r["id"] for r in rep_view["reps"]] == [world.east_rep2.pk]
    assert rep_view["teams"] == []
    # Outside the reader's people: 404, as if no such person.
    other = api_as(world.west_mgr).get(f"/insights/learning/calibration/reps/{world.east_rep.pk}", Q1)
    assert other.status_code == 404


def test_errors(api_as, world):
    client = api_as(world.director)
    assert client.get("/insights/learning/calibration", {"quarter": 5}).status_code == 422
    assert client.get("/insights/learning/calibration/reps/abc").status_code == 404
    assert client.get("/insights/learning/calibration/reps/999999").status_code == 404
