from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.opportunities.models import Stage
from kam.team.playbook.models import (
    CertificationElement,
    CertificationRecord,
    CertificationRule,
    PlaybookEntry,
)

pytestmark = pytest.mark.django_db


def _p2() -> Stage:
    return Stage.objects.get(process__code="key-account", code="P2")


def test_playbook_page_shows_every_stage_with_its_seeded_content(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.east_rep)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("team_playbook:list"))
    text = page.content.decode()
    assert page.status_code == 200
    for code in ("P0", "P3", "P7"):
        assert f">{code} · " in text
    assert "Submit the initiation report and get it approved" in text
    assert "You are not certified on the playbook yet." in text


def test_playbook_page_reads_in_chinese(client, world):
    client.force_login(world.east_rep)
    client.cookies["django_language"] = "zh-hans"
    text = client.get(reverse("team_playbook:list")).content.decode()
    assert "提交立项报告并获批准" in text
    assert "Submit the initiation report" not in text


def test_director_edits_a_stage_and_a_stale_copy_is_refused(client, world):
    stage = _p2()
    entry = stage.playbook
    client.force_login(world.director)
    data = {
        "version": entry.version,
        "what_to_do": "新的做法",
        "what_to_do_en": "The new way",
        "questions": entry.questions,
        "questions_en": entry.questions_en,
        "materials": "https://example.com/initiation.pdf",
        "materials_en": "",
    }
    response = client.post(reverse("team_playbook:stage", args=[stage.pk]), data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.what_to_do_en, entry.version, entry.updated_by) == ("The new way", 2, world.director)
    page = client.get(reverse("team_playbook:stage", args=[stage.pk])).content.decode()
    assert 'href="https://example.com/initiation.pdf"' in page
    stale = client.post(reverse("team_playbook:stage", args=[stage.pk]), {**data, "what_to_do_en": "Older"})
    assert stale.status_code == 409
    entry.refresh_from_db()
    assert entry.what_to_do_en == "The new way"


def test_a_rep_reads_a_stage_but_cannot_edit_it(client, world):
    stage = _p2()
    client.force_login(world.east_rep)
    page = client.get(reverse("team_playbook:stage", args=[stage.pk]))
    assert page.status_code == 200 and page.context["form"] is None
    assert client.post(reverse("team_playbook:stage", args=[stage.pk]), {"version": 1}).status_code == 403


def test_manager_records_an_examination_with_who_and_when(client, world):
    element = CertificationElement.objects.get(code="decision-chain")
    client.force_login(world.east_mgr)
    day = timezone.localdate() - dt.timedelta(days=2)
    response = client.post(
        reverse("team_playbook:person", args=[world.east_rep.pk]),
        {"element": element.pk, "passed": "1", "certified_on": day.isoformat(), "note": "good"},
    )
    assert response.status_code == 302
    record = CertificationRecord.objects.get(user=world.east_rep)
    assert (record.element, record.passed, record.certified_by, record.certified_on) == (
        element,
        True,
        world.east_mgr,
        day,
    )
    page = client.get(reverse("team_playbook:person", args=[world.east_rep.pk])).content.decode()
    assert "Not certified on the playbook." in page  # one element of six


def test_an_examination_in_the_future_is_refused_on_its_field(client, world):
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("team_playbook:person", args=[world.east_rep.pk]),
        {
            "element": CertificationElement.objects.first().pk,
            "passed": "0",
            "certified_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["certified_on"]
    assert not CertificationRecord.objects.exists()


def test_reps_cannot_certify_and_managers_cannot_reach_other_teams(client, world):
    element = CertificationElement.objects.first()
    client.force_login(world.east_rep)
    own = client.post(
        reverse("team_playbook:person", args=[world.east_rep.pk]), {"element": element.pk, "passed": "1"}
    )
    assert own.status_code == 403
    assert client.get(reverse("team_playbook:person", args=[world.east_rep2.pk])).status_code == 404
    client.force_login(world.west_mgr)
    assert client.get(reverse("team_playbook:person", args=[world.east_rep.pk])).status_code == 404
    assert not CertificationRecord.objects.exists()


def test_the_board_shows_the_visible_reps_and_who_is_certified(client, world, django_assert_max_num_queries):
    for element in CertificationElement.objects.filter(is_active=True):
        CertificationRecord.objects.create(
            user=world.east_rep2, element=element, passed=True, certified_on=timezone.localdate()
        )
    client.force_login(world.east_mgr)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("team_playbook:certifications"))
    rows = {row.person: row.certified for row in page.context["rows"]}
    assert rows == {world.east_rep: False, world.east_rep2: True}
    client.force_login(world.east_rep)
    rows = client.get(reverse("team_playbook:certifications")).context["rows"]
    assert [row.person for row in rows] == [world.east_rep]


def test_director_switches_the_rule_on(client, world):
    rule = CertificationRule.objects.get()
    client.force_login(world.director)
    response = client.post(
        reverse("team_playbook:rule"),
        {"version": rule.version, "enforce_key_owner": "on", "key_tiers": "a, b", "validity_days": "365"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.enforce_key_owner, rule.key_tiers, rule.validity_days, rule.updated_by) == (
        True,
        "AB",
        365,
        world.director,
    )
    bad = client.post(reverse("team_playbook:rule"), {"version": rule.version, "key_tiers": "X"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["key_tiers"]


def test_reps_and_managers_cannot_change_the_rule(client, world):
    for who in (world.east_rep, world.east_mgr):
        client.force_login(who)
        assert client.get(reverse("team_playbook:rule")).status_code == 403


def test_a_stage_without_an_entry_gets_one_when_edited(client, world):
    stage = Stage.objects.get(process__code="project-sale", code="S1")
    assert not PlaybookEntry.objects.filter(stage=stage).exists()
    client.force_login(world.admin)
    response = client.post(
        reverse("team_playbook:stage", args=[stage.pk]),
        {
            "version": 1,
            "what_to_do": "核实项目信息",
            "what_to_do_en": "",
            "questions": "",
            "questions_en": "",
            "materials": "",
            "materials_en": "",
        },
    )
    assert response.status_code == 302
    assert PlaybookEntry.objects.get(stage=stage).what_to_do == "核实项目信息"
