"""The tags page, the tag forms and the customer page's tags section."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.customers.models import CustomerChange, CustomerTag, Tag, TagKind
from kam.customers.tags import services as tags
from tests.customers.tags.conftest import dynamic

pytestmark = pytest.mark.django_db


# --- Pages -----------------------------------------------------------------------------------------


def test_tags_page_lists_tags_with_visible_member_counts_and_rule_summaries(client, world):
    vip = tags.create_tag(by=world.east_rep, name="VIP", description="Top customers")
    tags.attach_tag(world.east_customer, vip, by=world.east_rep)
    tags.attach_tag(world.west_customer, vip, by=world.west_rep)
    dynamic(world.director, name="Big", industry="Manufacturing", open_pipeline_min="1000000")
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:tags"))
    assert response.status_code == 200
    rows = {row.tag.name: row for row in response.context["rows"]}
    assert rows["VIP"].members == 1  # the west customer is not the east rep's to count
    assert rows["Big"].members == 1
    body = response.content.decode()
    assert "Industry: Manufacturing" in body and "Open pipeline ≥ ¥1,000,000.00" in body
    assert "Top customers" in body
    assert "New dynamic tag" not in body
    assert rows["VIP"].can_change and not rows["Big"].can_change


def test_rep_creates_a_static_tag_from_the_page(client, world):
    client.force_login(world.east_rep)
    response = client.post(reverse("customers:tag_create"), {"name": "Reference", "color": "#112233"})
    assert response.status_code == 302
    tag = Tag.objects.get(name="Reference")
    assert tag.kind == TagKind.STATIC and tag.created_by == world.east_rep


def test_rep_gets_403_for_a_dynamic_tag_form(client, world):
    client.force_login(world.east_rep)
    assert client.get(reverse("customers:tag_create"), {"kind": "dynamic"}).status_code == 403
    response = client.post(
        reverse("customers:tag_create"),
        {"kind": "dynamic", "name": "X", "color": "#112233", "rule-tier": "A"},
    )
    assert response.status_code == 403
    assert not Tag.objects.exists()


def test_manager_saves_a_dynamic_tag_and_sees_rule_errors_on_the_fields(client, world):
    client.force_login(world.east_mgr)
    url = reverse("customers:tag_create")
    bad = client.post(
        url,
        {
            "kind": "dynamic",
            "name": "Hot",
            "color": "#112233",
            "rule-score_min": "90",
            "rule-score_max": "10",
        },
    )
    assert bad.status_code == 400
    assert bad.context["rule_form"].errors["score_max"] == ["The minimum score is above the maximum."]
    assert not Tag.objects.exists()
    unknown = client.post(url, {"kind": "dynamic", "name": "Hot", "color": "#112233", "rule-tier": "Z"})
    assert unknown.status_code == 400
    assert (
        len(unknown.context["rule_form"].errors["tier"]) == 1
    )  # the form's message, not it and the service's
    ok = client.post(
        url,
        {
            "kind": "dynamic",
            "name": "Hot",
            "color": "#112233",
            "rule-industry": "Manufacturing",
            "rule-tier": "A",
        },
    )
    assert ok.status_code == 302
    assert Tag.objects.get(name="Hot").rule == {"tier": "A", "industry": "Manufacturing"}


def test_save_this_filter_prefills_the_dynamic_tag_form(client, world):
    client.force_login(world.east_mgr)
    response = client.get(
        reverse("customers:tag_create"),
        {"kind": "dynamic", "tier": "A", "industry": "Manufacturing", "q": "x"},
    )
    assert response.status_code == 200
    rule_form = response.context["rule_form"]
    assert rule_form["tier"].value() == "A"
    assert rule_form["industry"].value() == "Manufacturing"
    assert "q" not in rule_form.fields


def test_stale_tag_form_is_a_409_with_the_conflict_panel(client, world):
    tag = tags.create_tag(by=world.east_mgr, name="VIP")
    tags.update_tag(tag, by=world.east_mgr, version=1, description="changed meanwhile")
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("customers:tag_edit", args=[tag.pk]), {"name": "VIP2", "color": "#112233", "version": 1}
    )
    assert response.status_code == 409
    assert b"someone else changed this tag" in response.content
    assert Tag.objects.get(pk=tag.pk).name == "VIP"


@pytest.mark.parametrize("version", ["", "abc"])
def test_tag_form_without_a_usable_version_says_to_reload(client, world, version):
    tag = tags.create_tag(by=world.east_mgr, name="VIP")
    client.force_login(world.east_mgr)
    response = client.post(
        reverse("customers:tag_edit", args=[tag.pk]), {"name": "VIP2", "color": "#112233", "version": version}
    )
    assert response.status_code in (400, 422)
    assert "This page was out of date or incomplete: reload it and try again." in response.content.decode()
    assert Tag.objects.get(pk=tag.pk).name == "VIP"


def test_delete_page_removes_the_tag(client, world):
    tag = tags.create_tag(by=world.east_rep, name="VIP")
    tags.attach_tag(world.east_customer, tag, by=world.east_rep)
    client.force_login(world.east_rep)
    confirm = client.get(reverse("customers:tag_delete", args=[tag.pk]))
    assert b"It is on 1 customer" in confirm.content
    response = client.post(reverse("customers:tag_delete", args=[tag.pk]), {"version": tag.version})
    assert response.status_code == 302
    assert not Tag.objects.exists()


# --- The tags section ----------------------------------------------------------------------------


def test_section_shows_static_chips_the_add_select_and_matched_dynamic_tags(client, world):
    vip = tags.create_tag(by=world.east_rep, name="VIP", color="#aa0000")
    tags.create_tag(by=world.east_rep, name="Reference")
    tags.attach_tag(world.east_customer, vip, by=world.east_rep)
    dynamic(world.director, name="Makers", industry="Manufacturing")
    dynamic(world.director, name="Miners", industry="Mining")
    client.force_login(world.east_rep)
    response = client.get(
        reverse("customers:tags_section", args=[world.east_customer.pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<section class="card" id="tags-section"')
    assert "<html" not in body
    tagset = response.context["tagset"]
    assert [t.name for t in tagset.attached] == ["VIP"]
    assert [t.name for t in tagset.available] == ["Reference"]
    assert [t.name for t in tagset.matched] == ["Makers"]
    assert "Industry: Manufacturing" in body and "Miners" not in body
    assert "#aa0000" in body and "Remove tag VIP" in body


def test_section_works_as_a_plain_page(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("customers:tags_section", args=[world.east_customer.pk]))
    assert response.status_code == 200
    assert b"<html" in response.content and b'id="tags-section"' in response.content


def test_add_and_remove_a_tag_from_the_section_with_htmx_and_without(client, world):
    vip = tags.create_tag(by=world.east_mgr, name="VIP")
    client.force_login(world.east_rep)
    add = reverse("customers:tag_add", args=[world.east_customer.pk])
    response = client.post(add, {"tag": vip.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [t.name for t in response.context["tagset"].attached] == ["VIP"]
    remove = reverse("customers:tag_remove", args=[world.east_customer.pk, vip.pk])
    plain = client.post(remove)
    assert plain.status_code == 302
    assert plain["Location"] == reverse("customers:tags_section", args=[world.east_customer.pk])
    assert not CustomerTag.objects.exists()
    assert CustomerChange.objects.filter(customer=world.east_customer, summary_en="Tag removed: VIP").exists()


def test_section_refuses_a_dynamic_tag_inside_the_section(client, world):
    tag = dynamic(world.director, industry="Manufacturing")
    client.force_login(world.east_rep)
    response = client.post(
        reverse("customers:tag_add", args=[world.east_customer.pk]), {"tag": tag.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "is a dynamic tag" in response.context["error"]
    assert not CustomerTag.objects.exists()
    bogus = client.post(reverse("customers:tag_add", args=[world.east_customer.pk]), {"tag": "x"})
    assert bogus.status_code == 302


@pytest.mark.parametrize("name", ["tags_section", "tag_add"])
def test_rep_of_another_team_gets_404_and_nothing_is_written(client, world, name):
    vip = tags.create_tag(by=world.west_rep, name="VIP")
    client.force_login(world.west_rep)
    url = reverse(f"customers:{name}", args=[world.east_customer.pk])
    response = client.post(url, {"tag": vip.pk}) if name == "tag_add" else client.get(url)
    assert response.status_code == 404
    assert not CustomerTag.objects.exists()
    remove = client.post(reverse("customers:tag_remove", args=[world.east_customer.pk, vip.pk]))
    assert remove.status_code == 404


def test_section_query_count_does_not_grow_with_tags(client, world):
    client.force_login(world.east_rep)
    url = reverse("customers:tags_section", args=[world.east_customer.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
        return len(queries)

    for index in range(2):
        tags.attach_tag(
            world.east_customer, tags.create_tag(by=world.east_rep, name=f"S{index}"), by=world.east_rep
        )
        dynamic(world.director, name=f"D{index}", industry="Manufacturing", score_min=index)
    few = count()
    for index in range(2, 8):
        tags.attach_tag(
            world.east_customer, tags.create_tag(by=world.east_rep, name=f"S{index}"), by=world.east_rep
        )
        dynamic(world.director, name=f"D{index}", industry="Manufacturing", score_min=index)
    assert count() == few
    assert few <= 8
