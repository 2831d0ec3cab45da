"""Strategy checklists over JSON: the template, a deal's checklist, answering with If-Match, visibility."""

from __future__ import annotations

from kam.planning.checklists.models import ChecklistAnswer
from tests.planning.checklists.helpers import at_stage, questions


def test_the_template_lists_questions_with_their_stages(world, api_as):
    body = api_as(world.east_rep).get("/planning/checklists/questions").json()
    customer = [q for q in body if q["section"] == "customer"]
    assert customer[0]["stages"] == []
    commercial = next(q for q in body if q["section"] == "commercial")
    assert {"P4", "P7", "S4", "S6"} <= set(commercial["stages"])
    assert "P3" not in commercial["stages"]


def test_answer_read_and_clear_through_the_api(world, api_as):
    opp = at_stage(world.east_opp, "P1")
    api = api_as(world.east_rep)
    question = questions("customer")[0]
    path = f"/planning/opportunities/{opp.pk}/checklist/questions/{question.pk}"
    assert (
        api.client.put(
            "/api/v1" + path, '{"value": "yes"}', content_type="application/json", **api._headers()
        ).status_code
        == 428
    )
    saved = api.client.put(
        "/api/v1" + path,
        '{"value": "partly", "note": "half"}',
        content_type="application/json",
        **api._headers(0),
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == 1
    assert saved["ETag"] == '"1"'
    stale = api.client.put(
        "/api/v1" + path, '{"value": "yes"}', content_type="application/json", **api._headers(0)
    )
    assert stale.status_code == 412
    body = api.get(f"/planning/opportunities/{opp.pk}/checklist").json()
    assert body["stage"] == "P1"
    assert body["percent"] == 8  # ½ of 6
    assert body["sections"][0]["items"][0]["value"] == "partly"
    assert body["history"][0]["action"] == "answered"
    bad = api.client.put(
        "/api/v1" + path, '{"value": "maybe"}', content_type="application/json", **api._headers(1)
    )
    assert bad.status_code == 422
    assert api.client.delete("/api/v1" + path, **api._headers(1)).status_code == 204
    assert not ChecklistAnswer.objects.exists()


def test_another_teams_checklist_is_not_found(world, api_as):
    api = api_as(world.east_rep)
    question = questions("customer")[0]
    assert api.get(f"/planning/opportunities/{world.west_opp.pk}/checklist").status_code == 404
    path = f"/api/v1/planning/opportunities/{world.west_opp.pk}/checklist/questions/{question.pk}"
    assert (
        api.client.put(
            path, '{"value": "yes"}', content_type="application/json", **api._headers(0)
        ).status_code
        == 404
    )
    assert not ChecklistAnswer.objects.exists()
