"""Tags: static tags attached by hand (with history), dynamic tags as saved filters whose members
are computed at read time, rule validation, permissions, and the tags page and section."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.core.errors import ConflictError, RuleViolation
from kam.customers import services
from kam.customers.models import CustomerChange, CustomerTag, Tag, TagKind
from kam.customers.tags import selectors as tags_selectors
from kam.customers.tags import services as tags
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import OpportunityStatus
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


def member_names(user, tag) -> set[str]:
    return set(tags_selectors.members(user, tag).values_list("name", flat=True))


def dynamic(by, name="Big manufacturers", **rule) -> Tag:
    return tags.create_tag(by=by, name=name, kind=TagKind.DYNAMIC, rule=rule)


def rule_errors(by, rule, tag=None) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        if tag is None:
            tags.create_tag(by=by, name="Probe", kind=TagKind.DYNAMIC, rule=rule)
        else:
            tags.update_tag(tag, by=by, version=tag.version, rule=rule)
    return caught.value.message_dict


# --- Dynamic membership ---------------------------------------------------------------------------


def test_dynamic_tag_follows_the_customers_industry_without_any_write_to_the_tag(world):
    tag = dynamic(world.director, industry="Manufacturing", open_pipeline_min="1000000")
    before = Tag.objects.values().get(pk=tag.pk)
    # The world's three customers are in Manufacturing, each with one open 1,000,000 deal (≥ is inclusive).
    assert member_names(world.director, tag) == {"East Steel", "West Power", world.east_opp2.customer.name}

    services.update_customer(world.east_customer, by=world.east_rep, version=None, industry="Mining")

    assert "East Steel" not in member_names(world.director, tag)
    assert Tag.objects.values().get(pk=tag.pk) == before
    assert not CustomerTag.objects.exists()


def test_closing_and_opening_pipeline_changes_membership(world):
    tag = dynamic(world.director, open_pipeline_min="1500000")
    assert "East Steel" not in member_names(world.director, tag)

    extra = make_opportunity(owner=world.east_rep, customer=world.east_customer, amount=Decimal("600000"))
    assert "East Steel" in member_names(world.director, tag)

    opportunity_services.close_opportunity(
        extra, by=world.east_rep, status=OpportunityStatus.LOST, reason="Price"
    )
    assert "East Steel" not in member_names(world.director, tag)
    # Won is not open pipeline either.
    opportunity_services.close_opportunity(
        world.east_opp, by=world.east_rep, status=OpportunityStatus.WON, reason="Signed"
    )
    make_opportunity(owner=world.east_rep, customer=world.east_customer, amount=Decimal("1499999.99"))
    assert "East Steel" not in member_names(world.director, tag)
    make_opportunity(
        owner=world.east_rep, customer=world.east_customer, amount=None, amount_low=1, amount_high=1
    )
    assert "East Steel" in member_names(world.director, tag)


def test_open_pipeline_counts_every_open_deal_of_the_customer_whoever_owns_it(world):
    """Membership is a fact about the customer: a deal the viewer cannot see still counts."""
    make_opportunity(owner=world.west_rep, customer=world.east_customer, amount=Decimal("500000"))
    tag = dynamic(world.director, open_pipeline_min="1500000")
    assert member_names(world.east_rep, tag) == {"East Steel"}


def test_members_are_scoped_to_what_the_reader_may_see(world):
    tag = dynamic(world.director, industry="Manufacturing")
    assert member_names(world.east_rep, tag) == {"East Steel"}
    assert member_names(world.west_rep, tag) == {"West Power"}
    assert len(member_names(world.director, tag)) == 3


def test_a_dynamic_tag_can_build_on_a_static_and_on_a_dynamic_tag(world):
    vip = tags.create_tag(by=world.east_rep, name="VIP")
    tags.attach_tag(world.east_customer, vip, by=world.east_rep)
    tags.attach_tag(world.west_customer, vip, by=world.west_rep)
    east_vip = dynamic(world.director, name="East VIP", tag=vip.pk, team=world.east.pk)
    assert member_names(world.director, east_vip) == {"East Steel"}
    big_east_vip = dynamic(world.director, name="Big East VIP", tag=east_vip.pk, open_pipeline_min="1")
    assert member_names(world.director, big_east_vip) == {"East Steel"}
    tags.detach_tag(world.east_customer, vip, by=world.east_rep)
    assert member_names(world.director, big_east_vip) == set()


def test_a_stored_rule_that_no_longer_parses_matches_nothing_rather_than_everyone(world):
    broken = Tag.objects.create(name="Broken", kind=TagKind.DYNAMIC, rule={"tier": "Z"})
    future = Tag.objects.create(name="Future", kind=TagKind.DYNAMIC, rule={"no_visit_days": 30})
    assert member_names(world.director, broken) == set()
    assert member_names(world.director, future) == set()
    assert "no longer valid" in tags_selectors.describe_rule(broken.rule, {})[-1]


def test_a_cycle_stored_behind_the_services_back_matches_nothing(world):
    first = dynamic(world.director, name="First", industry="Manufacturing")
    second = dynamic(world.director, name="Second", tag=first.pk)
    Tag.objects.filter(pk=first.pk).update(rule={"tag": second.pk})
    assert member_names(world.director, second) == set()


# --- Static tags -----------------------------------------------------------------------------------


def test_attach_and_detach_a_static_tag_write_history_once(world):
    vip = tags.create_tag(by=world.east_rep, name="VIP", color="#FF0000", description="Top customers")
    assert vip.color == "#ff0000"
    assert tags.attach_tag(world.east_customer, vip, by=world.east_rep) is True
    assert tags.attach_tag(world.east_customer, vip, by=world.east_rep) is False
    assert member_names(world.director, vip) == {"East Steel"}
    summaries = list(
        CustomerChange.objects.filter(customer=world.east_customer).values_list("summary_en", flat=True)
    )
    assert summaries.count("Tag added: VIP") == 1

    assert tags.detach_tag(world.east_customer, vip, by=world.east_rep) is True
    assert tags.detach_tag(world.east_customer, vip, by=world.east_rep) is False
    assert member_names(world.director, vip) == set()
    change = CustomerChange.objects.filter(customer=world.east_customer).first()
    assert change.summary_en == "Tag removed: VIP" and change.changed_by == world.east_rep


def test_a_dynamic_tag_cannot_be_attached_by_hand(world):
    tag = dynamic(world.director, industry="Manufacturing")
    with pytest.raises(RuleViolation):
        tags.attach_tag(world.west_customer, tag, by=world.director)
    with pytest.raises(RuleViolation):
        tags.detach_tag(world.west_customer, tag, by=world.director)
    assert not CustomerTag.objects.exists()


def test_deleting_a_tag_removes_its_attachments_and_says_so_in_history(world):
    vip = tags.create_tag(by=world.east_rep, name="VIP")
    tags.attach_tag(world.east_customer, vip, by=world.east_rep)
    tags.attach_tag(world.west_customer, vip, by=world.west_rep)
    tags.delete_tag(vip, by=world.director)
    assert not Tag.objects.filter(pk=vip.pk).exists()
    assert not CustomerTag.objects.exists()
    for customer in (world.east_customer, world.west_customer):
        assert (
            CustomerChange.objects.filter(customer=customer).first().summary_en.startswith("Tag removed: VIP")
        )


def test_a_tag_used_by_a_dynamic_tags_filter_cannot_be_deleted(world):
    vip = tags.create_tag(by=world.east_rep, name="VIP")
    dynamic(world.director, name="VIP in the east", tag=vip.pk, team=world.east.pk)
    with pytest.raises(RuleViolation, match="VIP in the east"):
        tags.delete_tag(vip, by=world.director)
    assert Tag.objects.filter(pk=vip.pk).exists()


def test_stale_edit_is_a_conflict_and_changes_nothing(world):
    tag = tags.create_tag(by=world.east_rep, name="VIP")
    tags.update_tag(tag, by=world.east_rep, version=1, name="VIP customers")
    stale = Tag.objects.get(pk=tag.pk)
    stale.version = 1
    with pytest.raises(ConflictError):
        tags.update_tag(stale, by=world.east_rep, version=1, name="Lost update")
    assert Tag.objects.get(pk=tag.pk).name == "VIP customers"
    assert Tag.objects.get(pk=tag.pk).version == 2


def test_kind_cannot_change(world):
    tag = tags.create_tag(by=world.east_mgr, name="VIP")
    with pytest.raises(ValidationError) as caught:
        tags.update_tag(tag, by=world.east_mgr, version=1, kind=TagKind.DYNAMIC)
    assert "kind" in caught.value.message_dict


# --- Rule validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "key", "message"),
    [
        ({"colour": "red"}, "rule", "Unknown filter “colour”"),
        ({"tier": "Z"}, "rule.tier", "Unknown value “Z”; choose one of: A, B, C, D."),
        ({"segment": "vip"}, "rule.segment", "Unknown value “vip”"),
        ({"score_min": "80", "score_max": "60"}, "rule.score_max", "The minimum score is above the maximum."),
        ({"score_min": "150"}, "rule.score_min", "Enter a score from 0 to 100."),
        ({"score_max": "lots"}, "rule.score_max", "Enter a number."),
        ({"open_pipeline_min": "-1"}, "rule.open_pipeline_min", "Enter an amount of 0 or more."),
        ({"owner": "bob"}, "rule.owner", "Enter an id (a whole number above 0)."),
        ({"team": 99999}, "rule.team", "Unknown team."),
        ({"tag": 99999}, "rule.tag", "Unknown tag."),
        ({"industry": ["a", "b"]}, "rule.industry", "Enter one value."),
        ({}, "rule", "A dynamic tag needs at least one condition."),
    ],
)
def test_rule_validation_names_the_problem(world, rule, key, message):
    errors = rule_errors(world.director, rule)
    assert key in errors
    assert any(message in text for text in errors[key]), errors
    assert not Tag.objects.filter(name="Probe").exists()


def test_a_rule_that_is_not_an_object_is_refused(world):
    assert "rule" in rule_errors(world.director, ["industry", "x"])


def test_a_dynamic_tag_cannot_refer_to_itself_directly_or_through_another(world):
    first = dynamic(world.director, name="First", industry="Manufacturing")
    assert rule_errors(world.director, {"tag": first.pk}, tag=first)["rule.tag"] == [
        "A dynamic tag cannot refer to itself."
    ]
    dynamic(world.director, name="Second", tag=first.pk)
    message = rule_errors(world.director, {"tag": Tag.objects.get(name="Second").pk}, tag=first)["rule.tag"][
        0
    ]
    assert "“Second” already refers to this tag" in message
    assert Tag.objects.get(pk=first.pk).rule == {"industry": "Manufacturing"}


def test_a_group_the_author_cannot_see_is_an_unknown_customer(world):
    errors = rule_errors(world.east_mgr, {"parent": world.west_customer.pk})
    assert errors["rule.parent"] == ["Unknown customer."]


def test_the_rule_is_stored_normalised(world):
    tag = dynamic(
        world.director, tier=" A ", owner=str(world.east_rep.pk), score_min=60, open_pipeline_min="1e6"
    )
    assert tag.rule == {
        "tier": "A",
        "owner": world.east_rep.pk,
        "score_min": "60",
        "open_pipeline_min": "1E+6",
    }
    assert tags_selectors.describe_rule(tag.rule, tags_selectors.rule_names(world.director, [tag.rule])) == [
        "Tier: A",
        f"Owner: {world.east_rep}",
        "Score ≥ 60",
        "Open pipeline ≥ ¥1,000,000.00",
    ]


def test_static_tags_have_no_rule_and_names_are_unique(world):
    with pytest.raises(ValidationError) as caught:
        tags.create_tag(by=world.east_rep, name="VIP", rule={"tier": "A"})
    assert "rule" in caught.value.message_dict
    tags.create_tag(by=world.east_rep, name="VIP")
    with pytest.raises(ValidationError) as caught:
        tags.create_tag(by=world.west_rep, name="vip")
    assert caught.value.message_dict["name"] == ["A tag with this name exists already."]
    with pytest.raises(ValidationError) as caught:
        tags.create_tag(by=world.west_rep, name="Red", color="red")
    assert "color" in caught.value.message_dict


# --- Permissions -----------------------------------------------------------------------------------


def test_rep_cannot_create_a_dynamic_tag_but_a_manager_can(world):
    with pytest.raises(PermissionDenied):
        dynamic(world.east_rep, industry="Manufacturing")
    assert dynamic(world.east_mgr, industry="Manufacturing").kind == TagKind.DYNAMIC


def test_rep_changes_only_static_tags_they_made(world):
    mine = tags.create_tag(by=world.east_rep, name="Mine")
    theirs = tags.create_tag(by=world.east_rep2, name="Theirs")
    tags.update_tag(mine, by=world.east_rep, version=1, description="ok")
    with pytest.raises(PermissionDenied):
        tags.update_tag(theirs, by=world.east_rep, version=1, description="no")
    with pytest.raises(PermissionDenied):
        tags.delete_tag(theirs, by=world.east_rep)
    tags.update_tag(theirs, by=world.east_mgr, version=1, description="managers may")


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
