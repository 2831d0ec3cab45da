import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kam.core.errors import ConflictError, RuleViolation
from kam.opportunities import services
from kam.opportunities.models import (
    CriterionCheck,
    DatePrecision,
    MemberRole,
    Opportunity,
    OpportunityChange,
    OpportunityStatus,
    StageChange,
)
from tests.factories import (
    CompetitorFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    approve_initiation,
    make_opportunity,
    stage,
)

pytestmark = pytest.mark.django_db


def test_seeded_default_process_has_p0_to_p7_with_domain_probabilities():
    from kam.opportunities.models import Stage

    stages = Stage.objects.filter(process__code="key-account").order_by("order")
    assert [(s.code, s.probability) for s in stages] == [
        ("P0", 10),
        ("P1", 20),
        ("P2", 25),
        ("P3", 30),
        ("P4", 50),
        ("P5", 75),
        ("P6", 90),
        ("P7", 100),
    ]
    assert [s.requires_exact_amount for s in stages] == [False] * 4 + [True] * 4
    assert Stage.objects.filter(process__code="project-sale").count() == 6
    assert all(s.exit_criteria.exists() for s in stages)


def test_create_generates_yearly_project_numbers_and_records_first_stage():
    owner = UserFactory()
    first = make_opportunity(owner=owner)
    second = make_opportunity(owner=owner)
    year = first.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).year
    assert first.project_number == f"XM-{year}-0001"
    assert second.project_number == f"XM-{year}-0002"
    change = StageChange.objects.get(opportunity=first)
    assert change.from_stage is None and change.to_stage.code == "P0" and change.changed_by == owner
    assert first.members.get().role == MemberRole.LEADER


def test_early_stage_accepts_amount_range_and_quarter_stored_as_period_end():
    opportunity = make_opportunity(
        stage_code="P1",
        amount=None,
        amount_low=Decimal("800000"),
        amount_high=Decimal("1200000"),
        sign_date=dt.date(2027, 8, 5),
        sign_date_precision=DatePrecision.QUARTER,
    )
    opportunity.refresh_from_db()
    assert opportunity.sign_date == dt.date(2027, 9, 30)
    assert opportunity.sign_date_display == "2027 Q3"
    assert opportunity.expected_amount == Decimal("1000000")
    assert opportunity.is_complete


def test_month_precision_is_stored_as_last_day_of_month():
    opportunity = make_opportunity(sign_date=dt.date(2028, 2, 3), sign_date_precision=DatePrecision.MONTH)
    assert opportunity.sign_date == dt.date(2028, 2, 29)


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"amount": None, "amount_low": Decimal("1"), "amount_high": Decimal("2")}, "amount"),
        ({"sign_date_precision": DatePrecision.QUARTER}, "sign_date_precision"),
        ({"sign_date": None}, "sign_date"),
        ({"amount": None}, "amount"),
    ],
)
def test_from_p4_a_single_amount_and_day_date_are_required(fields, error_field):
    with pytest.raises(ValidationError) as excinfo:
        make_opportunity(stage_code="P4", **fields)
    assert error_field in excinfo.value.message_dict
    assert Opportunity.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"name": "  "}, "name"),
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": None, "amount_low": Decimal("5"), "amount_high": Decimal("2")}, "amount_high"),
        ({"amount": None, "amount_low": Decimal("5")}, "amount_high"),
    ],
)
def test_bad_four_elements_are_refused_with_field_messages(fields, error_field):
    with pytest.raises(ValidationError) as excinfo:
        make_opportunity(**fields)
    assert error_field in excinfo.value.message_dict


def test_early_stage_without_amount_is_allowed_but_incomplete():
    opportunity = make_opportunity(amount=None, sign_date=None)
    assert opportunity.missing_elements == ["amount", "sign_date"]
    assert not opportunity.is_complete


def test_update_records_history_and_bumps_version():
    opportunity = make_opportunity(amount=Decimal("100"))
    user = opportunity.owner
    services.update_opportunity(opportunity, by=user, version=1, amount=Decimal("250"), name="Renamed")
    opportunity.refresh_from_db()
    assert opportunity.version == 2 and opportunity.amount == Decimal("250") and opportunity.name == "Renamed"
    changes = {
        c.field: (c.old_value, c.new_value) for c in OpportunityChange.objects.filter(opportunity=opportunity)
    }
    assert changes["amount"] == ("100.00", "250.00")
    assert changes["name"] == ("Line upgrade", "Renamed")


def test_update_with_stale_version_is_a_conflict_and_writes_nothing():
    opportunity = make_opportunity(amount=Decimal("100"))
    services.update_opportunity(opportunity, by=opportunity.owner, version=1, amount=Decimal("200"))
    stale = Opportunity.objects.get(pk=opportunity.pk)
    with pytest.raises(ConflictError) as excinfo:
        services.update_opportunity(stale, by=stale.owner, version=1, amount=Decimal("999"))
    assert excinfo.value.current_version == 2
    stale.refresh_from_db()
    assert stale.amount == Decimal("200")
    assert OpportunityChange.objects.filter(new_value="999").count() == 0


def test_update_refuses_stage_and_unknown_fields():
    opportunity = make_opportunity()
    with pytest.raises(ValidationError) as excinfo:
        services.update_opportunity(opportunity, by=opportunity.owner, version=1, stage=stage("P3"))
    assert "stage" in excinfo.value.message_dict


def test_move_forward_needs_key_node_confirmed():
    opportunity = make_opportunity()
    with pytest.raises(RuleViolation) as excinfo:
        services.move_stage(opportunity, stage("P1"), by=opportunity.owner)
    assert "P1" in str(excinfo.value)
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P0"
    assert StageChange.objects.filter(opportunity=opportunity).count() == 1


def test_move_forward_records_change_and_warns_about_open_exit_criteria():
    opportunity = make_opportunity(stage_code="P2")
    approve_initiation(opportunity)
    p2 = stage("P2")
    criteria = list(p2.exit_criteria.all())
    services.set_criterion_checked(opportunity, criteria[0], by=opportunity.owner, checked=True)
    result = services.move_stage(
        opportunity, stage("P3"), by=opportunity.owner, key_node_confirmed=True, note="met"
    )
    assert len(result.warnings) == len(criteria) - 1
    assert criteria[1].display_text in result.warnings[0]
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P3" and opportunity.version == 2
    change = StageChange.objects.filter(opportunity=opportunity).first()
    assert (change.from_stage.code, change.to_stage.code, change.note) == ("P2", "P3", "met")


def test_stage_that_blocks_on_open_criteria_refuses_forward_move():
    p1 = stage("P1")
    p1.blocks_on_open_criteria = True
    p1.save()
    opportunity = make_opportunity(stage_code="P1")
    with pytest.raises(RuleViolation):
        services.move_stage(opportunity, stage("P2"), by=opportunity.owner, key_node_confirmed=True)
    for criterion in p1.exit_criteria.all():
        services.set_criterion_checked(opportunity, criterion, by=opportunity.owner, checked=True)
    result = services.move_stage(opportunity, stage("P2"), by=opportunity.owner, key_node_confirmed=True)
    assert result.warnings == []
    assert CriterionCheck.objects.filter(opportunity=opportunity).count() == p1.exit_criteria.count()


def test_exit_criteria_of_a_closed_opportunity_no_longer_change():
    from kam.opportunities.models import OpportunityStatus

    opportunity = make_opportunity(stage_code="P1")
    criterion = stage("P1").exit_criteria.first()
    services.set_criterion_checked(opportunity, criterion, by=opportunity.owner, checked=True)
    services.close_opportunity(
        opportunity, by=opportunity.owner, status=OpportunityStatus.LOST, reason="price"
    )
    for checked in (False, True):
        with pytest.raises(RuleViolation):
            services.set_criterion_checked(opportunity, criterion, by=opportunity.owner, checked=checked)
    assert CriterionCheck.objects.filter(opportunity=opportunity).count() == 1


def test_move_forward_into_strict_stage_checks_four_elements():
    opportunity = make_opportunity(
        stage_code="P3",
        amount=None,
        amount_low=Decimal("1"),
        amount_high=Decimal("2"),
    )
    with pytest.raises(RuleViolation) as excinfo:
        services.move_stage(opportunity, stage("P4"), by=opportunity.owner, key_node_confirmed=True)
    assert "amount" in excinfo.value.errors
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P3"


def test_move_backward_needs_a_note():
    opportunity = make_opportunity(stage_code="P3")
    with pytest.raises(RuleViolation):
        services.move_stage(opportunity, stage("P2"), by=opportunity.owner)
    result = services.move_stage(opportunity, stage("P2"), by=opportunity.owner, note="Budget frozen")
    assert result.change.is_backward
    assert result.warnings == []


def test_move_to_same_stage_or_other_process_is_refused():
    opportunity = make_opportunity(stage_code="P2")
    with pytest.raises(RuleViolation):
        services.move_stage(opportunity, stage("P2"), by=opportunity.owner, key_node_confirmed=True)
    with pytest.raises(RuleViolation):
        services.move_stage(
            opportunity, stage("S3", "project-sale"), by=opportunity.owner, key_node_confirmed=True
        )


def test_concurrent_stage_moves_do_not_both_win():
    opportunity = make_opportunity(stage_code="P1")
    approve_initiation(opportunity)
    other_copy = Opportunity.objects.get(pk=opportunity.pk)
    services.move_stage(opportunity, stage("P2"), by=opportunity.owner, key_node_confirmed=True)
    with pytest.raises(ConflictError):
        services.move_stage(other_copy, stage("P3"), by=other_copy.owner, key_node_confirmed=True)
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "P2"
    assert StageChange.objects.filter(opportunity=opportunity).count() == 2


def test_close_requires_reason_and_valid_status():
    opportunity = make_opportunity()
    with pytest.raises(ValidationError) as excinfo:
        services.close_opportunity(opportunity, by=opportunity.owner, status="won", reason=" ")
    assert "reason" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.close_opportunity(opportunity, by=opportunity.owner, status="open", reason="x")
    assert "status" in excinfo.value.message_dict
    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.OPEN


def test_close_lost_names_competitor_and_blocks_further_moves():
    opportunity = make_opportunity(stage_code="P4")
    rival = CompetitorFactory(name="Siemens")
    services.close_opportunity(
        opportunity, by=opportunity.owner, status="lost", reason="Price", lost_to=rival
    )
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.lost_to, opportunity.close_reason) == ("lost", rival, "Price")
    assert opportunity.closed_at is not None
    with pytest.raises(RuleViolation):
        services.move_stage(opportunity, stage("P5"), by=opportunity.owner, key_node_confirmed=True)
    with pytest.raises(RuleViolation):
        services.close_opportunity(opportunity, by=opportunity.owner, status="won", reason="again")


def test_dropped_cannot_name_a_competitor():
    opportunity = make_opportunity()
    with pytest.raises(ValidationError) as excinfo:
        services.close_opportunity(
            opportunity, by=opportunity.owner, status="dropped", reason="Margin", lost_to=CompetitorFactory()
        )
    assert "lost_to" in excinfo.value.message_dict


def test_close_won_moves_to_won_stage_with_history():
    opportunity = make_opportunity(stage_code="P6")
    services.close_opportunity(opportunity, by=opportunity.owner, status="won", reason="Signed")
    opportunity.refresh_from_db()
    assert opportunity.status == "won" and opportunity.stage.code == "P7"
    assert StageChange.objects.filter(opportunity=opportunity, to_stage__code="P7").exists()


def test_close_with_stale_version_is_a_conflict():
    opportunity = make_opportunity()
    with pytest.raises(ConflictError):
        services.close_opportunity(opportunity, by=opportunity.owner, status="dropped", reason="x", version=7)
    opportunity.refresh_from_db()
    assert opportunity.status == "open"


def test_contact_role_must_belong_to_the_customer_and_allows_several_roles():
    opportunity = make_opportunity()
    own = ContactFactory(customer=opportunity.customer)
    foreign = ContactFactory()
    with pytest.raises(ValidationError):
        services.set_contact_role(opportunity, foreign, by=opportunity.owner, decision_role="decision_maker")
    services.set_contact_role(
        opportunity, own, by=opportunity.owner, decision_role="decision_maker", stance="A"
    )
    services.set_contact_role(
        opportunity, own, by=opportunity.owner, decision_role="technical_approver", stance="C"
    )
    assert opportunity.contact_roles.count() == 2
    with pytest.raises(ValidationError):
        services.set_contact_role(opportunity, own, by=opportunity.owner, decision_role="boss")


def test_customer_lead_must_be_a_contact_of_the_customer():
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as excinfo:
        make_opportunity(customer=customer, owner=customer.owner, customer_lead=ContactFactory())
    assert "customer_lead" in excinfo.value.message_dict


def test_owner_cannot_be_removed_from_deal_team():
    opportunity = make_opportunity()
    colleague = UserFactory()
    services.set_member(opportunity, colleague, by=opportunity.owner, role=MemberRole.MONITOR)
    assert opportunity.members.count() == 2
    with pytest.raises(RuleViolation):
        services.remove_member(opportunity, opportunity.owner, by=opportunity.owner)
    services.remove_member(opportunity, colleague, by=opportunity.owner)
    assert opportunity.members.count() == 1


def test_furthest_stage_reached_is_kept_through_moves_back():
    opportunity = make_opportunity(stage_code="P2")
    approve_initiation(opportunity)
    assert opportunity.furthest_stage_order == 2
    services.move_stage(opportunity, stage("P4"), by=opportunity.owner, key_node_confirmed=True)
    services.move_stage(opportunity, stage("P1"), by=opportunity.owner, note="Budget frozen")
    opportunity.refresh_from_db()
    assert (opportunity.stage.code, opportunity.furthest_stage_order) == ("P1", 4)
    services.close_opportunity(opportunity, by=opportunity.owner, status="won", reason="Signed")
    opportunity.refresh_from_db()
    assert opportunity.furthest_stage_order == 7


def test_owner_sets_the_forecast_category_and_it_is_kept_in_history():
    opportunity = make_opportunity(stage_code="P3")
    services.update_opportunity(opportunity, by=opportunity.owner, version=1, forecast_category="commit")
    opportunity.refresh_from_db()
    assert opportunity.forecast_category == "commit"
    assert OpportunityChange.objects.filter(opportunity=opportunity, field="forecast_category").exists()
    with pytest.raises(ValidationError) as excinfo:
        services.update_opportunity(opportunity, by=opportunity.owner, version=2, forecast_category="maybe")
    assert "forecast_category" in excinfo.value.message_dict


def test_the_deal_team_row_of_the_owner_says_so_through_opening_staffing_and_reassigning():
    """`OpportunityMember.is_owner` is what tells a member's deals elsewhere from their own
    (kam.access.visibility.memberships_elsewhere): every service that opens, staffs or reassigns
    a deal keeps it right."""
    from kam.access.visibility import memberships_elsewhere

    deal = make_opportunity()
    first, helper, successor = deal.owner, UserFactory(), UserFactory()

    def owners() -> dict[int, bool]:
        return dict(deal.members.values_list("user_id", "is_owner"))

    assert owners() == {first.pk: True}
    services.set_member(deal, helper, by=first, role=MemberRole.MEMBER)
    services.set_member(deal, successor, by=first, role=MemberRole.MEMBER)
    services.set_member(deal, first, by=first, role=MemberRole.LEADER, part="Lead")
    assert owners() == {first.pk: True, helper.pk: False, successor.pk: False}
    assert set(memberships_elsewhere(successor).values_list("opportunity_id", flat=True)) == {deal.pk}

    services.update_opportunity(deal, by=first, version=deal.version, owner=successor)
    # The rows stay (the old owner keeps the membership they had); which one owns the deal moves.
    assert owners() == {first.pk: False, helper.pk: False, successor.pk: True}
    assert not memberships_elsewhere(successor).exists()
    assert set(memberships_elsewhere(first).values_list("opportunity_id", flat=True)) == {deal.pk}

    # A new owner who was not on the team: no row to mark, and the old owner's row is theirs no more.
    services.update_opportunity(deal, by=successor, version=deal.version, owner=first)
    outsider = UserFactory()
    services.update_opportunity(deal, by=first, version=deal.version, owner=outsider)
    assert owners() == {first.pk: False, helper.pk: False, successor.pk: False}
    services.set_member(deal, outsider, by=outsider, role=MemberRole.LEADER)
    assert owners()[outsider.pk] is True
