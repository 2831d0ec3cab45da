"""`kam demo`: the shape of the demo world, its determinism and its safety on a used database.

The world is loaded once for the module inside a transaction that is rolled back at the end,
so the other test modules never see it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from kam.access.visibility import customers_for, opportunities_for
from kam.activities.models import (
    REVENUE_PRODUCING,
    Activity,
    ActivityChange,
    ActivityStatus,
    PlanComment,
    PlanGoal,
    PlanPeriod,
    ProcessMetric,
    SellingCapacity,
)
from kam.activities.models import Plan as ActivityPlan
from kam.activities.policy.selectors import under_visited
from kam.customers.models import Customer, Segment, Tier
from kam.customers.pool.selectors import PoolFilters, about_to_return, pool_rows
from kam.delivery.models import (
    Contract,
    ContractAmendment,
    ContractStatus,
    CustomerCare,
    DeliveryChange,
    Instalment,
    Invoice,
    Payment,
    Project,
    ProjectStatus,
    SatisfactionSurvey,
    ServiceRequest,
    ServiceStatus,
    SurveyScale,
)
from kam.delivery.payments.services import overdue_instalments
from kam.demo.generator import delete_demo_data
from kam.demo.logins import DEMO_PASSWORD
from kam.demo.pool import IDLE_PROSPECTS
from kam.demo.snapshots import WEEKLY_NOTE
from kam.insights.models import Snapshot, SnapshotRow
from kam.insights.review.selectors import changes, last_closed_quarter, snapshots_before
from kam.opportunities.models import (
    Competitor,
    CriterionCheck,
    DatePrecision,
    MemberRole,
    Opportunity,
    OpportunityContact,
    OpportunityMember,
    OpportunityStatus,
    Stage,
    StageChange,
)
from kam.org.models import Role, Team, User
from kam.planning.approvals.models import ApprovalStatus
from kam.relationships.models import Contact, DecisionRole, Influence, Rank, Relationship, Stance

# One worker builds the world for the whole module (xdist --dist loadgroup), not each worker its own.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

RANK_ORDER = {Rank.HIGH: 0, Rank.MID_HIGH: 1, Rank.MID: 2, Rank.LOW: 3}


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def demo_customers():
    return Customer.objects.filter(owner__username__startswith="demo_")


def digest() -> str:
    """A fingerprint of the demo world that ignores database ids and project numbers."""
    parts = [
        sorted(
            demo_customers().values_list(
                "name",
                "parent__name",
                "owner__username",
                "industry",
                "region",
                "status",
                "tier",
                "segment",
                "annual_revenue",
                "employees",
            )
        ),
        sorted(
            Contact.objects.filter(customer__in=demo_customers()).values_list(
                "customer__name",
                "name",
                "title",
                "department",
                "reports_to__name",
                "rank",
                "influence",
                "mobile",
                "email",
            )
        ),
        sorted(
            Relationship.objects.filter(user__username__startswith="demo_").values_list(
                "user__username", "contact__customer__name", "contact__name", "level"
            )
        ),
        sorted(
            Opportunity.objects.filter(customer__in=demo_customers()).values_list(
                "customer__name",
                "name",
                "owner__username",
                "stage__code",
                "status",
                "amount",
                "amount_low",
                "amount_high",
                "sign_date",
                "sign_date_precision",
                "gross_margin",
                "expense_budget",
                "close_reason",
                "lost_to__name",
                "closed_at",
                "created_at",
                "initiated_at",
                "customer_lead__name",
            )
        ),
        sorted(
            StageChange.objects.filter(opportunity__customer__in=demo_customers()).values_list(
                "opportunity__customer__name",
                "opportunity__name",
                "from_stage__code",
                "to_stage__code",
                "changed_at",
                "note",
            ),
            key=repr,
        ),
        sorted(
            OpportunityContact.objects.filter(opportunity__customer__in=demo_customers()).values_list(
                "opportunity__name", "contact__name", "decision_role", "stance"
            )
        ),
        sorted(
            OpportunityMember.objects.filter(opportunity__customer__in=demo_customers()).values_list(
                "opportunity__name", "user__username", "role", "part"
            )
        ),
        sorted(
            Activity.objects.filter(customer__in=demo_customers()).values_list(
                "owner__username",
                "kind__code",
                "status",
                "start",
                "planned_start",
                "duration_minutes",
                "customer__name",
                "opportunity__name",
                "plan__period",
                "plan__starts_on",
                "summary",
                "outcome",
                "next_step_due",
            ),
            key=repr,
        ),
        sorted(
            Activity.contacts.through.objects.filter(activity__customer__in=demo_customers()).values_list(
                "activity__summary", "activity__start", "contact__name"
            ),
            key=repr,
        ),
        sorted(
            PlanGoal.objects.filter(plan__owner__username__startswith="demo_").values_list(
                "plan__owner__username", "plan__period", "plan__starts_on", "text", "achieved"
            )
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_demo_prints_summary_and_logins(demo_output):
    assert "demo_admin" in demo_output
    assert "demo_rep_east1" in demo_output
    assert DEMO_PASSWORD in demo_output
    assert re.search(r"opportunities\s+300", demo_output)


def test_demo_has_three_teams_under_a_root_each_run_by_its_manager(demo_output):
    root = Team.objects.get(parent=None, members__username="demo_director")
    teams = list(Team.objects.filter(parent=root))
    assert len(teams) == 3
    for team in teams:
        assert team.manager is not None and team.manager.role == Role.MANAGER
        assert team.manager.team_id == team.pk
        assert team.members.filter(role=Role.REP).count() >= 2


def test_demo_names_are_choice_data_in_both_languages(demo_output):
    """Teams, tags, industries and regions each hold a Chinese and an English name, never "中文 / English"."""
    from django.utils import translation

    from kam.customers.models import Industry, Region, Tag

    customers = demo_customers()
    teams = Team.objects.filter(members__username__startswith="demo_").distinct()
    assert teams.count() == 4 and not teams.filter(name_en="").exists()
    assert not teams.filter(name__contains=" / ").exists()
    tags = Tag.objects.filter(created_by__username="demo_director")
    assert tags.count() >= 4 and not tags.filter(Q(name_en="") | Q(name__contains=" / ")).exists()
    industries = set(customers.values_list("industry", flat=True))
    regions = set(customers.values_list("region", flat=True))
    assert industries <= set(Industry.objects.values_list("name", flat=True))
    assert regions <= set(Region.objects.values_list("name", flat=True))
    customer = customers.get(name="中国移动通信集团有限公司")
    with translation.override("en"):
        assert (customer.industry_label, customer.region_label) == ("Telecom", "Beijing")
        assert str(customer.owner.team).endswith("Key Accounts")
    with translation.override("zh-hans"):
        assert (customer.industry_label, customer.region_label) == ("通信", "北京")
    assert customer.search_key.startswith("zhongguoyidong")


def test_demo_users_cover_every_role_and_log_in_with_the_demo_password(demo_output):
    users = User.objects.filter(username__startswith="demo_")
    assert 10 <= users.count() <= 14
    assert set(users.values_list("role", flat=True)) == set(Role.values)
    admin = users.get(role=Role.ADMIN)
    assert admin.is_staff and admin.is_superuser
    assert not users.exclude(role=Role.ADMIN).filter(is_superuser=True).exists()
    assert all(re.search(r"[\u4e00-\u9fff]", u.name) for u in users)
    assert User.objects.get(username="demo_rep_south1").check_password(DEMO_PASSWORD)


def test_demo_customers_form_groups_with_varied_attributes(demo_output):
    customers = demo_customers()
    # Sixty accounts and their groups, and five prospects left alone (kam.demo.pool).
    assert 60 <= customers.count() <= 70
    groups = customers.filter(children__isnull=False).distinct()
    assert groups.count() >= 5
    for group in groups:
        assert 2 <= group.children.count() <= 4
    assert customers.filter(
        name="华能上海石洞口发电有限责任公司", parent__name="中国华能集团有限公司"
    ).exists()
    assert len(set(customers.values_list("industry", flat=True))) >= 6
    assert set(customers.values_list("tier", flat=True)) == set(Tier.values)
    assert set(customers.values_list("segment", flat=True)) == set(Segment.values)
    assert len(set(customers.values_list("status", flat=True))) >= 3


def test_the_public_pool_holds_prospects_left_alone_and_warns_of_others(demo_output):
    prospects = demo_customers().filter(short_name__in=[row[1] for row in IDLE_PROSPECTS])
    assert prospects.count() == len(IDLE_PROSPECTS)
    pooled = prospects.filter(in_pool=True)
    assert pooled.count() >= 1 and all(c.previous_owner_id is not None for c in pooled)
    assert prospects.filter(in_pool=False, pool_due_on__isnull=False).count() >= 1  # about to return
    claimed = prospects.filter(in_pool=False, claimed_at__isnull=False)
    assert claimed.count() == 1 and claimed.get().owner.username.startswith("demo_rep_")
    assert set(pool_rows(PoolFilters()).filter(pk__in=prospects)) == set(pooled)
    warned = prospects.get(short_name="海晟通信")
    owner_list = about_to_return(warned.owner)
    assert [row.customer.pk for row in owner_list if row.customer.pk == warned.pk] == [warned.pk]


def test_every_rep_owns_customers_and_managers_see_their_whole_team(demo_output):
    for rep in User.objects.filter(username__startswith="demo_", role=Role.REP):
        owned = set(demo_customers().filter(owner=rep).values_list("pk", flat=True))
        assert owned
        assert owned <= set(customers_for(rep).values_list("pk", flat=True))
        assert opportunities_for(rep).exists()
    for manager in User.objects.filter(username__startswith="demo_", role=Role.MANAGER):
        team_customers = set(demo_customers().filter(owner__team=manager.team).values_list("pk", flat=True))
        visible = set(customers_for(manager).values_list("pk", flat=True))
        assert team_customers and team_customers <= visible
        assert visible != set(demo_customers().values_list("pk", flat=True))


def test_contacts_form_one_org_chart_per_customer_without_cycles(demo_output):
    contacts = list(Contact.objects.filter(customer__in=demo_customers()))
    assert 365 <= len(contacts) <= 445
    by_id = {c.pk: c for c in contacts}
    roots = Counter(c.customer_id for c in contacts if c.reports_to_id is None)
    assert set(roots.values()) == {1}
    assert set(roots) == set(demo_customers().values_list("pk", flat=True))
    depths = set()
    for contact in contacts:
        seen = set()
        node, depth = contact, 0
        while node.reports_to_id is not None:
            assert node.pk not in seen, "cycle in reports_to"
            seen.add(node.pk)
            boss = by_id[node.reports_to_id]
            assert boss.customer_id == node.customer_id
            assert RANK_ORDER[boss.rank] <= RANK_ORDER[node.rank]
            node, depth = boss, depth + 1
        depths.add(depth)
        assert re.fullmatch(r"1[3-9]\d{9}", contact.mobile)
        assert re.fullmatch(r"[a-z0-9]+@[a-z0-9-]+\.example\.com", contact.email)
        assert 1 <= contact.influence <= 5
    assert depths == {0, 1, 2, 3}
    assert {c.rank for c in contacts} == set(Rank.values)
    assert Influence.objects.filter(source__customer__in=demo_customers()).count() >= 10


def test_relationships_cover_all_levels_and_are_warmer_at_key_accounts(demo_output):
    relationships = Relationship.objects.filter(user__username__startswith="demo_")
    assert set(relationships.values_list("level", flat=True)) == {1, 2, 3, 4, 5}

    def average(segment):
        levels = list(
            relationships.filter(contact__customer__segment=segment).values_list("level", flat=True)
        )
        return sum(levels) / len(levels)

    assert average(Segment.KEY) > average(Segment.GENERAL)
    key_contacts = Contact.objects.filter(
        customer__segment=Segment.KEY, customer__in=demo_customers()
    ).count()
    key_covered = (
        relationships.filter(contact__customer__segment=Segment.KEY).values("contact").distinct().count()
    )
    assert key_covered / key_contacts > 0.6


def test_opportunities_cover_every_stage_and_status_in_the_expected_mix(demo_output):
    opportunities = Opportunity.objects.filter(customer__in=demo_customers())
    assert opportunities.count() == 300
    statuses = Counter(opportunities.values_list("status", flat=True))
    assert statuses == {
        OpportunityStatus.OPEN: 180,
        OpportunityStatus.WON: 60,
        OpportunityStatus.LOST: 36,
        OpportunityStatus.DROPPED: 24,
    }
    default_stages = set(Stage.objects.filter(process__code="key-account").values_list("code", flat=True))
    assert set(
        opportunities.filter(stage__process__code="key-account").values_list("stage__code", flat=True)
    ) == (default_stages)
    assert (
        set(
            opportunities.filter(
                status=OpportunityStatus.OPEN, stage__process__code="key-account"
            ).values_list("stage__code", flat=True)
        )
        == default_stages
    )
    assert opportunities.filter(stage__process__code="project-sale").count() >= 5
    assert re.search(r"[\u4e00-\u9fff]", opportunities.first().name)
    assert all(o.customer_lead is None or o.customer_lead.customer_id == o.customer_id for o in opportunities)


def test_closed_opportunities_carry_reasons_and_lost_ones_name_a_competitor_they_met(demo_output):
    closed = Opportunity.objects.filter(customer__in=demo_customers()).exclude(status=OpportunityStatus.OPEN)
    assert not closed.filter(close_reason="").exists()
    # Every close names a reason from the list of its outcome.
    assert not closed.filter(close_reason_choice__isnull=True).exists()
    assert not closed.exclude(close_reason_choice__outcome=F("status")).exists()
    assert not closed.filter(closed_at__isnull=True).exists()
    assert not closed.filter(closed_at__gt=timezone.now()).exists()
    for lost in closed.filter(status=OpportunityStatus.LOST):
        assert lost.lost_to is not None
        assert lost.competitor_entries.filter(competitor=lost.lost_to).exists()
    assert not closed.exclude(status=OpportunityStatus.LOST).filter(lost_to__isnull=False).exists()
    assert not closed.filter(status=OpportunityStatus.WON, stage__is_won=False).exists()
    assert Competitor.objects.filter(name__contains="Siemens").exists()


def test_every_opportunity_has_a_plausible_stage_history_starting_from_none(demo_output):
    opportunities = {
        o.pk: o for o in Opportunity.objects.filter(customer__in=demo_customers()).select_related("stage")
    }
    orders = dict(Stage.objects.values_list("pk", "order"))
    history = defaultdict(list)
    for change in StageChange.objects.filter(opportunity_id__in=opportunities).order_by("changed_at", "id"):
        history[change.opportunity_id].append(change)
    now = timezone.now()
    backward = 0
    oldest = now
    forward: list[bool] = []
    for pk, opportunity in opportunities.items():
        changes = history[pk]
        assert changes[0].from_stage_id is None
        assert orders[changes[0].to_stage_id] == 0
        assert changes[-1].to_stage_id == opportunity.stage_id
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.from_stage_id == before.to_stage_id
            step = orders[after.to_stage_id] - orders[after.from_stage_id]
            if step < 0:
                backward += 1
                assert after.note
            elif opportunity.status != OpportunityStatus.WON or after is not changes[-1]:
                assert step == 1
                forward.append(bool(after.achieved and after.carry_over))
        assert changes[-1].changed_at < now
        assert changes[0].changed_at > now - dt.timedelta(days=560)
        oldest = min(oldest, changes[0].changed_at)
    assert backward >= 5
    # The generator's steps forward leave the stage summary of the stage they leave (阶段总结);
    # a planning tool's own move (a bid won, say) may not.
    assert sum(forward) >= 0.9 * len(forward) > 0
    assert oldest < now - dt.timedelta(days=365)
    assert CriterionCheck.objects.filter(opportunity_id__in=opportunities).count() > 300


def test_four_elements_follow_the_stage_rules(demo_output):
    opportunities = Opportunity.objects.filter(customer__in=demo_customers(), status=OpportunityStatus.OPEN)
    late = opportunities.filter(stage__requires_exact_amount=True)
    assert late.count() > 40
    assert not late.filter(amount__isnull=True).exists()
    assert not late.filter(sign_date__isnull=True).exists()
    assert not late.exclude(sign_date_precision=DatePrecision.DAY).exists()
    early = list(opportunities.filter(stage__requires_exact_amount=False))
    assert any(o.amount is None and o.amount_low is not None for o in early)
    assert {o.sign_date_precision for o in early} == set(DatePrecision.values)
    assert 1 <= sum(not o.is_complete for o in early) <= 15
    assert all(o.is_complete for o in late)
    today = timezone.localdate()
    assert max(o.sign_date for o in late) > today + dt.timedelta(days=60)


def test_deal_teams_and_decision_chains_are_filled(demo_output):
    opportunities = Opportunity.objects.filter(customer__in=demo_customers())
    members = OpportunityMember.objects.filter(opportunity__in=opportunities)
    leaders = members.filter(role=MemberRole.LEADER)
    assert leaders.count() == opportunities.count()
    assert not any(m.user_id != m.opportunity.owner_id for m in leaders.select_related("opportunity"))
    assert set(members.values_list("role", flat=True)) == set(MemberRole.values)
    roles = OpportunityContact.objects.filter(opportunity__in=opportunities)
    assert set(roles.values_list("decision_role", flat=True)) == set(DecisionRole.values)
    assert set(roles.values_list("stance", flat=True)) == set(Stance.values)


def test_running_again_does_not_duplicate_anything(demo_output):
    before = (
        User.objects.count(),
        Customer.objects.count(),
        Contact.objects.count(),
        Opportunity.objects.count(),
    )
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "already" in out.getvalue()
    assert (
        User.objects.count(),
        Customer.objects.count(),
        Contact.objects.count(),
        Opportunity.objects.count(),
    ) == (before)


def test_if_empty_does_nothing_on_a_database_with_users_but_prints_the_logins(demo_output):
    delete_demo_data()
    User.objects.create_user(username="someone", password="x-irrelevant-pass")
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert not User.objects.filter(username__startswith="demo_").exists()
    assert Customer.objects.count() == 0
    assert out.getvalue() == ""


def test_if_empty_prints_the_logins_when_the_demo_is_loaded(demo_output):
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "demo_manager_east" in out.getvalue()
    assert "loaded" not in out.getvalue()


def test_delete_demo_data_leaves_no_demo_rows_but_keeps_other_data(demo_output):
    other_team = Team.objects.create(name="Other team")
    other = User.objects.create_user(username="other_rep", password="x-irrelevant-pass", team=other_team)
    delete_demo_data()
    assert Activity.objects.count() == ActivityChange.objects.count() == 0
    assert ActivityPlan.objects.count() == Snapshot.objects.count() == 0
    assert not User.objects.filter(username__startswith="demo_").exists()
    assert Customer.objects.count() == 0
    assert Contact.objects.count() == 0
    assert Opportunity.objects.count() == 0
    assert delivery_counts() == (0, 0, 0, 0, 0, 0)
    assert not DeliveryChange.objects.exists() and not CustomerCare.objects.exists()
    assert list(Team.objects.values_list("name", flat=True)) == ["Other team"]
    assert User.objects.filter(pk=other.pk).exists()


def test_the_demos_rollups_equal_its_opportunities(demo_output):
    """Every demo step writes deals through what keeps the rollups (a won deal's amount changed
    after a commission statement was approved among them)."""
    out = io.StringIO()
    call_command("rollups", "verify", stdout=out)
    assert "The rollups match the opportunities." in out.getvalue()


def test_same_seed_gives_the_same_world_after_a_reset(demo_output):
    first = digest()
    counts = (
        Customer.objects.count(),
        Contact.objects.count(),
        Opportunity.objects.count(),
        StageChange.objects.count(),
        *delivery_counts(),
    )
    out = io.StringIO()
    call_command("demo", "--reset", "--seed", "2026", stdout=out)
    assert "demo_admin" in out.getvalue()
    assert (
        Customer.objects.count(),
        Contact.objects.count(),
        Opportunity.objects.count(),
        StageChange.objects.count(),
        *delivery_counts(),
    ) == counts
    assert digest() == first


def test_demo_sets_quarterly_targets_for_reps_and_teams(demo_output):
    from django.db.models import Sum

    from kam.org.models import Target

    reps = User.objects.filter(username__startswith="demo_", role=Role.REP)
    assert Target.objects.filter(user__in=reps).count() == reps.count() * 8
    team = reps.first().team
    first = Target.objects.filter(team=team).order_by("period_start").first()
    reps_sum = Target.objects.filter(
        user__team=team, period_start=first.period_start, period_end=first.period_end
    ).aggregate(total=Sum("amount"))["total"]
    assert first.amount == reps_sum > 0


def test_demo_has_a_snapshot_in_each_of_the_last_twelve_weeks_the_latest_taken_now(demo_output):
    snapshots = list(Snapshot.objects.order_by("taken_at"))
    weekly = [s for s in snapshots if s.note == WEEKLY_NOTE]
    assert len(weekly) == 12
    today = timezone.localdate()
    this_monday = today - dt.timedelta(days=today.weekday())
    weeks = [(this_monday - timezone.localdate(s.taken_at) + dt.timedelta(days=6)).days // 7 for s in weekly]
    assert weeks == list(range(11, -1, -1))  # one a week, oldest first, this week's last
    latest = weekly[-1]
    assert timezone.now() - latest.taken_at < dt.timedelta(hours=1)
    open_demo = Opportunity.objects.filter(status="open", owner__username__startswith="demo_").count()
    assert latest.rows.count() == open_demo > 0
    # The pipeline moved between the meetings: the counts differ, deals advanced and closed.
    assert len({s.rows.count() for s in weekly}) > 3
    review = changes(User.objects.get(username="demo_director"), weekly[0], latest)
    assert review.section("advanced").count > 0
    assert review.section("won").count > 0
    # Forecast accuracy of the last closed quarter has a snapshot from before it began.
    quarter = last_closed_quarter(today)
    assert snapshots_before(quarter.start).exists()


def test_past_snapshots_hold_the_pipeline_of_their_moment(demo_output):
    orders = dict(Stage.objects.values_list("pk", "order"))
    for snapshot in Snapshot.objects.order_by("taken_at")[:12]:
        rows = SnapshotRow.objects.filter(snapshot=snapshot).select_related("opportunity")
        assert rows.exists()
        for row in rows:
            deal = row.opportunity
            # Open at that moment: created before it, closed (if at all) after it.
            assert deal.created_at <= snapshot.taken_at
            assert deal.closed_at is None or deal.closed_at > snapshot.taken_at
            # In the stage of its last move by then.
            last = (
                StageChange.objects.filter(opportunity=deal, changed_at__lte=snapshot.taken_at)
                .order_by("-changed_at", "-id")
                .first()
            )
            assert last is not None and row.stage_id == last.to_stage_id
            assert row.stage_order == orders[row.stage_id]
        opened = Opportunity.objects.filter(
            owner__username__startswith="demo_", created_at__lte=snapshot.taken_at
        ).filter(Q(closed_at__isnull=True) | Q(closed_at__gt=snapshot.taken_at))
        assert rows.count() == opened.count()


def test_demo_has_activities_in_each_of_the_last_six_months_for_every_rep(demo_output):
    today = timezone.localdate()
    months = []
    first = today.replace(day=1)
    for _ in range(6):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    reps = User.objects.filter(username__startswith="demo_", role=Role.REP)
    for rep in reps:
        done = Activity.objects.filter(owner=rep, status=ActivityStatus.DONE)
        for month in months[1:]:  # the whole months behind: several a week
            assert done.filter(start__year=month.year, start__month=month.month).count() >= 10, (rep, month)
        mine = Activity.objects.filter(owner=rep, start__year=today.year, start__month=today.month)
        assert mine.exists() or today.day <= 2, rep
        assert not done.filter(start__date__gte=today).exists()
        # Planned work ahead, in the plan of its week.
        ahead = Activity.objects.filter(owner=rep, status=ActivityStatus.PLANNED, start__date__gte=today)
        assert ahead.exists() and not ahead.filter(plan__isnull=True).exists()
    activities = Activity.objects.filter(customer__in=demo_customers())
    assert 1000 <= activities.count() <= 2500
    # Each on one of the owner's own customers, with that customer's contacts and deals.
    assert not activities.exclude(owner_id=F("customer__owner_id")).exists()
    assert (
        not activities.filter(opportunity__isnull=False)
        .exclude(opportunity__customer_id=F("customer_id"))
        .exists()
    )
    links = Activity.contacts.through.objects.filter(activity__in=activities)
    assert links.exists()
    assert not links.exclude(contact__customer_id=F("activity__customer_id")).exists()
    assert activities.filter(our_people__role=Role.MANAGER).exists()
    assert len(set(activities.values_list("kind__code", flat=True))) >= 12
    assert all(
        re.search(r"[\u4e00-\u9fff].* / [A-Z]", a) for a in activities.values_list("summary", flat=True)
    )
    # The last touch follows the activities.
    touched = demo_customers().filter(activities__status=ActivityStatus.DONE).distinct()
    assert touched.exists() and not touched.filter(last_touch_at__isnull=True).exists()
    assert (
        ActivityChange.objects.filter(activity__in=activities, action="created").count() == activities.count()
    )


def test_reps_differ_in_how_much_of_their_time_sells(demo_output):
    shares = []
    for rep in User.objects.filter(username__startswith="demo_", role=Role.REP):
        done = Activity.objects.filter(owner=rep, status=ActivityStatus.DONE)
        total = done.aggregate(m=Sum("duration_minutes"))["m"]
        selling = done.filter(kind__time_category__in=list(REVENUE_PRODUCING)).aggregate(
            m=Sum("duration_minutes")
        )["m"]
        shares.append(selling / total)
    assert max(shares) >= 0.40  # the good band of DOMAIN.md §10
    assert min(shares) <= 0.25  # the ordinary one


def test_demo_has_weekly_and_monthly_plans_with_every_outcome(demo_output):
    reps = User.objects.filter(username__startswith="demo_", role=Role.REP)
    plans = ActivityPlan.objects.filter(owner__in=reps)
    today = timezone.localdate()
    this_monday = today - dt.timedelta(days=today.weekday())
    for rep in reps:
        weeks = set(plans.filter(owner=rep, period=PlanPeriod.WEEK).values_list("starts_on", flat=True))
        assert weeks == {this_monday + dt.timedelta(days=7 * w) for w in range(-12, 2)}
        months = set(plans.filter(owner=rep, period=PlanPeriod.MONTH).values_list("starts_on", flat=True))
        assert len(months) == 6 and today.replace(day=1) in months
    assert PlanGoal.objects.filter(plan__in=plans).count() >= plans.count()
    assert PlanGoal.objects.filter(plan__in=plans, achieved=True).exists()
    assert PlanGoal.objects.filter(plan__in=plans, achieved=False).exists()
    assert PlanComment.objects.filter(plan__in=plans, author__role=Role.MANAGER).exists()
    # Plan against actual: done as planned, moved, dropped and unplanned work.
    planned = Activity.objects.filter(plan__in=plans)
    assert planned.filter(status=ActivityStatus.DONE, planned_start__isnull=True).exists()
    assert planned.exclude(planned_start=F("start")).filter(planned_start__isnull=False).exists()
    assert planned.filter(status=ActivityStatus.CANCELLED).exists()
    last_week = this_monday - dt.timedelta(days=7)
    assert Activity.objects.filter(
        owner__in=reps, plan__isnull=True, status=ActivityStatus.DONE, start__date__gte=last_week
    ).exists()
    # Selling hours are set for everyone who sells.
    assert SellingCapacity.objects.filter(user__in=reps).count() == reps.count()


def test_some_customers_are_under_visited_but_not_all(demo_output):
    director = User.objects.get(username="demo_director")
    listed = under_visited(director)
    assert 0 < listed.count() < demo_customers().count() // 2
    assert {row.tier for row in listed[:100]} >= {"A"}


def test_demo_sets_up_the_1x5_actions_and_reps_both_pass_and_miss_them(demo_output):
    from kam.activities.metrics.selectors import process_scorecard

    assert ProcessMetric.objects.filter(active=True).count() >= 3
    director = User.objects.get(username="demo_director")
    last_week = timezone.localdate() - dt.timedelta(days=7)
    card = process_scorecard(director, cycle_start=last_week)
    cells = [cell for metric in card.cards for person in metric.people for cell in person.cells]
    assert {cell.passed for cell in cells} == {True, False}
    assert any(cell.count for cell in cells)


def test_demo_initiations_approved_past_the_gate_pending_and_rejected(demo_output):
    from kam.planning.approvals.models import ApprovalRequest, ApprovalStatus
    from kam.planning.approvals.selectors import awaiting_count
    from kam.planning.initiation.models import InitiationReport, InitiationStatus

    demo_deals = Opportunity.objects.filter(owner__username__startswith="demo_")
    # Every deal that ever entered the gated stage (P3, S3) or went past it was approved first.
    gate = {s.process_id: s.order for s in Stage.objects.filter(requires_initiation=True).order_by("-order")}
    reached: dict[int, int] = {}
    for change in StageChange.objects.filter(opportunity__in=demo_deals).select_related("to_stage"):
        if change.to_stage.process_id in gate and change.to_stage.order >= gate[change.to_stage.process_id]:
            reached[change.opportunity_id] = 1
    approved = set(
        InitiationReport.objects.filter(status=InitiationStatus.APPROVED).values_list(
            "opportunity_id", flat=True
        )
    )
    assert reached
    assert set(reached) <= approved
    reports = InitiationReport.objects.filter(opportunity__in=demo_deals)
    assert reports.filter(status=InitiationStatus.PENDING).exists()
    rejected = reports.filter(status=InitiationStatus.REJECTED)
    assert 1 <= rejected.count() <= 2
    assert all(r.rejection_comment for r in rejected)
    assert reports.filter(status=InitiationStatus.DRAFT).exists()
    assert awaiting_count(User.objects.get(username="demo_director")) >= 1
    assert any(
        awaiting_count(User.objects.get(username=f"demo_manager_{team}"))
        for team in ("east", "north", "south")
    )
    assert ApprovalRequest.objects.filter(flow__code="discount", status=ApprovalStatus.PENDING).exists()


# After the signature (kam.delivery) -----------------------------------------------------------


def demo_contracts():
    return Contract.objects.filter(owner__username__startswith="demo_")


def test_each_won_deal_has_an_approved_contract(demo_output):
    won = Opportunity.objects.filter(owner__username__startswith="demo_", status=OpportunityStatus.WON)
    assert won.count() > 10
    contracts = demo_contracts()
    assert set(contracts.values_list("opportunity_id", flat=True)) == set(won.values_list("pk", flat=True))
    for contract in contracts.select_related("approval"):
        assert contract.approval is not None and contract.approval.status == ApprovalStatus.APPROVED
        assert contract.sign_date is not None
    statuses = Counter(contracts.values_list("status", flat=True))
    assert statuses[ContractStatus.IN_FORCE] > statuses[ContractStatus.COMPLETED] >= 2
    assert statuses[ContractStatus.TERMINATED] == 1
    assert not statuses[ContractStatus.DRAFT] and not statuses[ContractStatus.IN_APPROVAL]
    assert contracts.get(status=ContractStatus.TERMINATED).terminated_reason
    amendment = ContractAmendment.objects.get(contract__in=contracts)
    assert amendment.amount_change > 0
    assert DeliveryChange.objects.filter(contract=amendment.contract, action="approved").exists()


def test_payment_plans_payments_and_overdue_in_every_bucket(demo_output):
    today = timezone.localdate()
    contracts = demo_contracts()
    per_contract = Counter(
        Instalment.objects.filter(contract__in=contracts).values_list("contract_id", flat=True)
    )
    assert set(per_contract) == set(contracts.values_list("pk", flat=True))
    assert set(per_contract.values()) == {2, 3, 4}
    by_percent = Instalment.objects.filter(contract__in=contracts, percentage__isnull=False)
    assert (
        by_percent.exists()
        and Instalment.objects.filter(contract__in=contracts, percentage__isnull=True).exists()
    )
    assert Instalment.objects.filter(contract__in=contracts, due_date__gt=today).exists()
    assert Payment.objects.filter(contract__in=contracts).count() > len(per_contract)
    partial = Instalment.objects.filter(
        contract__in=contracts, received__gt=0, paid_on__isnull=True, due_date__lt=today
    )
    assert partial.exists()
    ages = [
        (today - due).days
        for due in overdue_instalments(today)
        .filter(contract__in=contracts)
        .values_list("due_date", flat=True)
    ]
    buckets = {0 if a <= 30 else 1 if a <= 60 else 2 if a <= 90 else 3 for a in ages}
    assert buckets == {0, 1, 2, 3}
    assert Invoice.objects.filter(contract__in=contracts).count() >= 3
    overdue_customers = set(
        overdue_instalments(today)
        .filter(contract__in=contracts)
        .values_list("contract__customer_id", flat=True)
    )
    care = CustomerCare.objects.filter(customer_id__in=overdue_customers, overdue_amount__gt=0)
    assert care.count() == len(overdue_customers)


def test_projects_for_most_contracts_one_in_hand_over_one_closed(demo_output):
    contracts = demo_contracts()
    projects = Project.objects.filter(contract__in=contracts)
    assert projects.count() * 3 > contracts.count() * 2
    statuses = Counter(projects.values_list("status", flat=True))
    assert statuses[ProjectStatus.HANDOVER] == 1
    assert statuses[ProjectStatus.ACCEPTED] >= 1
    assert statuses[ProjectStatus.IN_PROGRESS] > statuses[ProjectStatus.ACCEPTED]
    for project in projects.filter(status=ProjectStatus.ACCEPTED):
        assert project.accepted_on is not None
        assert not project.work_items.filter(is_milestone=True, done_on__isnull=True).exists()
    for project in projects.exclude(status=ProjectStatus.HANDOVER).prefetch_related("work_items"):
        items = list(project.work_items.all())
        assert 4 <= len(items) <= 6
        milestones = [i for i in items if i.is_milestone]
        assert 1 <= len(milestones) <= 2
        assert all(
            m.instalment is not None and m.instalment.contract_id == project.contract_id for m in milestones
        )
        assert not project.handover_checks.filter(done=False).exists()


def test_service_requests_across_statuses_some_breached_and_escalated(demo_output):
    requests = ServiceRequest.objects.filter(customer__owner__username__startswith="demo_")
    assert 10 <= requests.count() <= 20
    assert set(requests.values_list("customer__segment", flat=True)) <= {Segment.KEY, Segment.IMPORTANT}
    statuses = Counter(requests.values_list("status", flat=True))
    assert {
        ServiceStatus.NEW,
        ServiceStatus.IN_PROGRESS,
        ServiceStatus.RESOLVED,
        ServiceStatus.CLOSED,
    } <= set(statuses)
    assert len(set(requests.values_list("priority", flat=True))) == 4
    resolved = requests.filter(resolved_at__isnull=False)
    in_time = [r for r in resolved if r.resolved_at <= r.resolution_due_at]
    assert len(in_time) * 2 > resolved.count() > len(in_time)
    escalated = requests.filter(escalated_at__isnull=False)
    assert escalated.count() >= 3
    assert escalated.filter(escalated_to__isnull=False).exists()
    assert (
        DeliveryChange.objects.filter(service_request__in=escalated, action="escalated").count()
        == escalated.count()
    )
    opened = sorted(requests.values_list("opened_at", flat=True))
    assert opened[-1] - opened[0] > dt.timedelta(days=30)


def test_key_accounts_have_surveys_on_both_scales_and_differing_churn(demo_output):
    keys = Customer.objects.filter(owner__username__startswith="demo_", segment=Segment.KEY)
    assert keys.exists()
    per_customer = Counter(
        SatisfactionSurvey.objects.filter(customer__in=keys).values_list("customer_id", flat=True)
    )
    assert set(per_customer) == set(keys.values_list("pk", flat=True))
    assert set(per_customer.values()) <= {1, 2}
    scales = set(SatisfactionSurvey.objects.filter(customer__in=keys).values_list("scale", flat=True))
    assert scales == {SurveyScale.FIVE, SurveyScale.NPS}
    churn = set(CustomerCare.objects.filter(customer__in=keys).values_list("churn_percent", flat=True))
    assert None not in churn and len(churn) >= 2


def test_the_directors_pages_answer_with_the_demo_data(demo_output, client):
    director = User.objects.get(username="demo_director")
    client.force_login(director)
    # A demo key account with money overdue: its 360° page and its receivables section.
    care = (
        CustomerCare.objects.filter(
            customer__segment=Segment.KEY, customer__owner__username__startswith="demo_", overdue_amount__gt=0
        )
        .select_related("customer")
        .first()
    )
    assert care is not None
    key = care.customer
    page = client.get(reverse("customers:detail", args=[key.pk]))
    assert page.status_code == 200 and key.name in page.content.decode()
    section = client.get(reverse("delivery_payments:customer_section", args=[key.pk]), HTTP_HX_REQUEST="true")
    late = overdue_instalments().filter(contract__customer=key).select_related("contract").first()
    assert section.status_code == 200 and late.contract.number in section.content.decode()
    receivables = client.get(reverse("delivery_payments:receivables"))
    body = receivables.content.decode()
    assert receivables.status_code == 200
    assert any(
        c.number in body for c in demo_contracts().filter(instalments__in=overdue_instalments()).distinct()
    )
    listing = client.get(reverse("delivery_service:list"))
    assert listing.status_code == 200
    assert ServiceRequest.objects.order_by("-opened_at").first().number in listing.content.decode()
    last = ServiceRequest.objects.filter(resolved_at__isnull=False).order_by("-resolved_at").first()
    month = timezone.localtime(last.resolved_at).strftime("%Y-%m")
    sla = client.get(reverse("delivery_service:sla"), {"month": month})
    assert sla.status_code == 200
    assert last.owner.team.name in sla.content.decode()


def delivery_counts():
    return (
        demo_contracts().count(),
        Instalment.objects.count(),
        Payment.objects.count(),
        Project.objects.count(),
        ServiceRequest.objects.count(),
        SatisfactionSurvey.objects.count(),
    )


def test_closed_deals_outcomes_follow_the_decision_maker_slips_and_competition(demo_output):
    """The outcome signal (kam.demo.outcomes): closed deals with a supportive decision maker at
    CR4–5 are won far more often than those whose decision maker is at CR1–2 or opposed, and the
    deals that slipped or met more competitors are won less often. Deterministic with the seed."""
    from kam.opportunities.models import OpportunityChange, OpportunityCompetitor
    from kam.relationships.models import Relationship

    closed = list(
        Opportunity.objects.filter(customer__in=demo_customers()).exclude(status=OpportunityStatus.OPEN)
    )
    ids = [o.pk for o in closed]
    deciders = dict(
        OpportunityContact.objects.filter(
            opportunity_id__in=ids, decision_role=DecisionRole.DECISION_MAKER
        ).values_list("opportunity_id", "contact_id")
    )
    stances = dict(
        OpportunityContact.objects.filter(
            opportunity_id__in=ids, decision_role=DecisionRole.DECISION_MAKER
        ).values_list("opportunity_id", "stance")
    )
    levels: dict[int, int] = {}
    for contact_id, level in Relationship.objects.filter(contact_id__in=deciders.values()).values_list(
        "contact_id", "level"
    ):
        levels[contact_id] = max(levels.get(contact_id, 0), level)
    slips = Counter(
        OpportunityChange.objects.filter(opportunity_id__in=ids, field="sign_date").values_list(
            "opportunity_id", flat=True
        )
    )
    rivals = Counter(
        OpportunityCompetitor.objects.filter(opportunity_id__in=ids).values_list("opportunity_id", flat=True)
    )

    def win_rate(deals):
        deals = list(deals)
        assert len(deals) >= 8, "too few deals in the group to compare"
        return sum(o.status == OpportunityStatus.WON for o in deals) / len(deals)

    def level(o):
        return levels.get(deciders.get(o.pk), 0)

    strong = [o for o in closed if o.pk in deciders and level(o) >= 4 and stances[o.pk] == Stance.SUPPORT]
    weak = [o for o in closed if o.pk in deciders and (level(o) <= 2 or stances[o.pk] == Stance.OPPOSE)]
    assert win_rate(strong) >= win_rate(weak) + 0.3
    assert win_rate(o for o in closed if not slips[o.pk]) > win_rate(o for o in closed if slips[o.pk])
    assert win_rate(o for o in closed if rivals[o.pk] <= 1) > win_rate(o for o in closed if rivals[o.pk] >= 2)
    # Noise: not every strong deal is won, nor every weak one lost.
    assert win_rate(weak) > 0 and win_rate(strong) < 1
    # The slips were made while the deal was open, before it closed.
    for change in OpportunityChange.objects.filter(opportunity_id__in=ids, field="sign_date").select_related(
        "opportunity"
    ):
        assert change.opportunity.created_at < change.changed_at < change.opportunity.closed_at


def test_the_demo_ends_with_its_flags_stored(demo_output):
    from kam.insights.health import store
    from kam.insights.models import HealthScan, StoredFlag

    assert StoredFlag.objects.exists()
    assert HealthScan.objects.get().state == HealthScan.State.DONE  # one rescan, at the end
    assert store.verify() == [] and store.verify_tallies() == []


def test_the_model_trained_on_the_demo_beats_the_stage_rule(demo_output):
    """The demo ends by training the win-probability model; with outcomes that follow the
    relationships, slips and competition, its backtest beats the stage rule."""
    from kam.insights.learning.models import WinModel

    model = WinModel.objects.order_by("-version").first()
    assert model is not None and model.verdict == WinModel.Verdict.BEATS, model and model.metrics
    assert model.metrics["model"]["brier"] < model.metrics["rule"]["brier"]
