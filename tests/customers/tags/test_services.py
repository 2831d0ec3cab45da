"""The tag writes: static tags attached by hand (with history), rule validation, permissions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.errors import ConflictError, RuleViolation
from kam.customers.models import CustomerChange, CustomerTag, Tag, TagKind
from kam.customers.tags import selectors as tags_selectors
from kam.customers.tags import services as tags
from tests.customers.tags.conftest import dynamic, member_names

pytestmark = pytest.mark.django_db


def rule_errors(by, rule, tag=None) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        if tag is None:
            tags.create_tag(by=by, name="Probe", kind=TagKind.DYNAMIC, rule=rule)
        else:
            tags.update_tag(tag, by=by, version=tag.version, rule=rule)
    return caught.value.message_dict


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
