from __future__ import annotations

import pytest

from kam.opportunities.models import Stage
from kam.team.playbook.models import CertificationElement, CertificationRecord, CertificationRule

pytestmark = pytest.mark.django_db


def _p4() -> Stage:
    return Stage.objects.get(process__code="key-account", code="P4")


def test_every_stage_has_its_playbook(world, api_as):
    rows = api_as(world.east_rep).get("/team/playbook/stages").json()
    p4 = next(r for r in rows if r["stage_code"] == "P4" and r["stage_id"] == _p4().pk)
    assert p4["what_to_do"].startswith("Finish the requirement research")
    assert p4["what_to_do_zh"].startswith("完成需求调研")


def test_director_changes_a_stage_with_if_match(world, api_as):
    stage = _p4()
    director = api_as(world.director)
    path = f"/team/playbook/stages/{stage.pk}"
    read = director.get(path)
    assert read["ETag"] == '"1"'
    assert director.patch(path, {"questions_en": "Who decides?"}).status_code == 428
    assert director.patch(path, {"questions_en": "Who decides?"}, if_match=5).status_code == 412
    changed = director.patch(path, {"questions_en": "Who decides?"}, if_match=1)
    assert changed.status_code == 200
    assert changed.json()["questions"] == "Who decides?"
    assert changed.json()["version"] == 2
    assert api_as(world.east_rep).patch(path, {"questions_en": "x"}, if_match=2).status_code == 403


def test_manager_records_an_examination_and_the_board_shows_it(world, api_as):
    manager = api_as(world.east_mgr)
    for element in CertificationElement.objects.filter(is_active=True):
        response = manager.post(
            f"/team/playbook/certification/{world.east_rep.pk}/records",
            {"element": element.code, "passed": True},
        )
        assert response.status_code == 201, response.content
    record = response.json()
    assert record["certified_by"]["id"] == world.east_mgr.pk
    board = manager.get("/team/playbook/certification").json()
    certified = {row["person"]["id"]: row["certified"] for row in board["people"]}
    assert certified == {world.east_rep.pk: True, world.east_rep2.pk: False}
    person = api_as(world.east_rep).get(f"/team/playbook/certification/{world.east_rep.pk}").json()
    assert person["certified"] is True and len(person["records"]) == 6


def test_a_rep_cannot_record_and_outsiders_are_404(world, api_as):
    element = CertificationElement.objects.first()
    own = api_as(world.east_rep).post(
        f"/team/playbook/certification/{world.east_rep.pk}/records", {"element": element.code, "passed": True}
    )
    assert own.status_code == 403
    other = api_as(world.west_mgr).post(
        f"/team/playbook/certification/{world.east_rep.pk}/records", {"element": element.code, "passed": True}
    )
    assert other.status_code == 404
    unknown = api_as(world.east_mgr).post(
        f"/team/playbook/certification/{world.east_rep.pk}/records", {"element": "nope", "passed": True}
    )
    assert unknown.status_code == 422
    assert not CertificationRecord.objects.exists()


def test_the_rule_changes_with_if_match(world, api_as):
    director = api_as(world.director)
    assert director.get("/team/playbook/rule").json()["enforce_key_owner"] is False
    assert director.patch("/team/playbook/rule", {"enforce_key_owner": True}).status_code == 428
    changed = director.patch(
        "/team/playbook/rule", {"enforce_key_owner": True, "key_tiers": "ab"}, if_match=1
    )
    assert changed.status_code == 200
    assert changed.json() == {
        "enforce_key_owner": True,
        "key_tiers": "AB",
        "validity_days": None,
        "version": 2,
    }
    assert CertificationRule.objects.get().enforce_key_owner is True
    assert (
        api_as(world.east_mgr).patch("/team/playbook/rule", {"key_tiers": "A"}, if_match=2).status_code == 403
    )
