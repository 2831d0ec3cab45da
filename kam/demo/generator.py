"""The deterministic demo world: teams, people, customers, org charts, relationships and deals.

Everything after the teams and users is written through the services, exactly as the web
workspace would write it, so the demo also exercises every rule (stage gates, four elements,
history). One seed gives the same world on the same day: all randomness comes from one
`random.Random(seed)` and all timestamps are offsets from the start of today.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pypinyin import lazy_pinyin

from kam.activities.models import Activity, ActivityChange
from kam.activities.models import Plan as ActivityPlan
from kam.core.periods import quarter_bounds
from kam.customers.analysis.services import save_analysis
from kam.customers.models import (
    CriterionKind,
    Customer,
    CustomerAnalysis,
    CustomerChange,
    CustomerStatus,
    ScoreBand,
    ScoringCriterion,
    Tag,
    TagKind,
    TierOverride,
)
from kam.customers.scoring.services import override_tier, set_static_value
from kam.customers.scoring.tasks import rescores_deferred
from kam.customers.services import create_customer
from kam.customers.tags.services import attach_tag, create_tag
from kam.demo import data, outcomes
from kam.demo import delivery as demo_delivery
from kam.demo import learning as demo_learning
from kam.demo import notifications as demo_notifications
from kam.demo.activities import build_activities
from kam.demo.logins import DEMO_PASSWORD
from kam.demo.planning import build_planning, delete_planning
from kam.demo.planning.initiation import approve_before_gate
from kam.demo.pool import build_pool
from kam.demo.snapshots import build_snapshots
from kam.demo.team import build_team, delete_team
from kam.insights.health.tasks import recomputes_deferred, request_rescan
from kam.insights.models import Snapshot
from kam.opportunities import rollups
from kam.opportunities.models import (
    CloseReason,
    Competitor,
    DatePrecision,
    MemberRole,
    Opportunity,
    OpportunityChange,
    OpportunityStatus,
    SalesProcess,
    Stage,
    StageChange,
)
from kam.opportunities.services import (
    add_competitor,
    close_opportunity,
    create_opportunity,
    move_stage,
    set_contact_role,
    set_criterion_checked,
    set_member,
    update_opportunity,
)
from kam.org.models import Role, Target, Team, User
from kam.relationships.models import (
    Contact,
    DecisionRole,
    Influence,
    Rank,
    Relationship,
    RelationshipChange,
    Stance,
)
from kam.relationships.services import add_influence, create_contact, set_relationship_level

DEMO_PREFIX = "demo_"
DEFAULT_SEED = 2026
OPPORTUNITY_COUNT = 300

CONTACTS_PER_SEGMENT = {"K": (10, 13), "I": (6, 8), "G": (3, 5)}
OPPORTUNITY_WEIGHT = {"K": 9, "I": 5, "G": 2}


def demo_data_exists() -> bool:
    return User.objects.filter(username__startswith=DEMO_PREFIX).exists()


def delete_demo_data() -> None:
    """Remove every demo user and what they own; other people's data is left alone."""
    with transaction.atomic():
        users = User.objects.filter(username__startswith=DEMO_PREFIX)
        customers = Customer.objects.filter(owner__in=users)

        Snapshot.objects.filter(taken_by__in=users).delete()
        # Activities and plan comments hold on to their people (protected): they go first.
        activities = Activity.objects.filter(Q(owner__in=users) | Q(customer__in=customers))
        ActivityChange.objects.filter(
            Q(activity__in=activities) | Q(customer__in=customers) | Q(changed_by__in=users)
        ).delete()
        activities.delete()
        ActivityPlan.objects.filter(Q(owner__in=users) | Q(comments__author__in=users)).delete()
        deals = Opportunity.objects.filter(Q(owner__in=users) | Q(customer__in=customers))
        # Contracts protect their deals and customers; their approvals go with the planning part.
        demo_learning.delete(users, customers, deals)
        delete_team(users, customers, deals)
        demo_delivery.delete(users, customers, deals)
        delete_planning(users, customers, deals)
        # History outlives a deleted record, but a reset wipes the demo with its history.
        StageChange.objects.filter(opportunity__in=deals).delete()
        OpportunityChange.objects.filter(opportunity__in=deals).delete()
        for history in (CustomerChange, CustomerAnalysis, TierOverride, RelationshipChange):
            history.objects.filter(customer__in=customers).delete()  # type: ignore[attr-defined]
        removed = rollups.snapshot(deals.values_list("pk", flat=True))
        deals.delete()
        rollups.remove(removed)
        # Someone else's customer filed under a demo group stays, outside the group.
        Customer.objects.filter(parent__in=customers).exclude(owner__in=users).update(parent=None)
        while customers.exists():
            # Groups are protected while subsidiaries exist: delete from the leaves up.
            customers.filter(children__isnull=True).delete()
        team_names = [data.ROOT_TEAM[0], *(name for name, _ in data.TEAMS.values())]
        # The demo's tags, or a rebuild would meet their names again.
        Tag.objects.filter(created_by__in=users).delete()
        users.delete()
        while True:
            leaves = Team.objects.filter(name__in=team_names, children__isnull=True, members__isnull=True)
            if not leaves.exists():
                break
            leaves.delete()


@dataclass
class Person:
    contact: Contact
    depth: int
    department: str = ""


@dataclass
class Account:
    customer: Customer
    code: str
    segment: str
    team: str
    industry: str
    people: list[Person] = field(default_factory=list)

    def at_depth(self, depth: int) -> list[Person]:
        return [p for p in self.people if p.depth == depth]


@dataclass
class Signal:
    """What a closed deal looked like to the rep before it closed, drawn before its outcome
    (kam.demo.outcomes): its decision maker with their relationship level and stance, the sign
    date's slips (days each) and how many competitors were in the race."""

    decision_maker: Person | None
    level: int | None
    stance: str | None
    slip_days: list[int]
    competitors: int

    @property
    def logit(self) -> float:
        return outcomes.win_logit(self.level, self.stance, len(self.slip_days), self.competitors)


@dataclass
class Plan:
    """What one opportunity will go through, decided before any write."""

    process: SalesProcess
    status: str
    final: int  # stage order it ends in (before a won close moves it to the won stage)
    peak: int  # highest stage order it ever reaches
    detour: int | None = None  # stage order it is moved back from, if any
    signal: Signal | None = None  # a closed deal's look before it closed (decides won or not)


class DemoBuilder:
    def __init__(self, seed: int = DEFAULT_SEED, *, today: dt.date | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        # The scoring inputs draw from their own stream, so the rest of the demo stays as it was.
        self.judge_rng = random.Random(seed + 1)
        self.today = today or timezone.localdate()
        self.midnight = timezone.make_aware(dt.datetime.combine(self.today, dt.time()))
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.accounts: list[Account] = []
        self.competitors: dict[str, Competitor] = {}
        self.relationship_levels: dict[tuple[int, int], int] = {}
        # The listed close reasons by (outcome, code): every demo close names one.
        self.close_reasons: dict[tuple[str, str], CloseReason] = {
            (r.outcome, r.code): r for r in CloseReason.objects.all()
        }
        # The static criteria of the active scoring model, each with its bands best first.
        self.static_criteria: list[tuple[ScoringCriterion, list[ScoreBand]]] = [
            (c, sorted(c.bands.all(), key=lambda b: -b.points))
            for c in ScoringCriterion.objects.filter(
                scoring_model__is_active=True, kind=CriterionKind.STATIC, is_active=True
            ).prefetch_related("bands")
        ]

    # -- helpers -------------------------------------------------------------------------------
    def at(self, days_ago: int) -> dt.datetime:
        """A working-hours moment `days_ago` days before today (never in the future)."""
        return (
            self.midnight
            - dt.timedelta(days=days_ago)
            + dt.timedelta(hours=self.rng.randint(9, 17), minutes=self.rng.randint(0, 59))
        )

    def reps(self, team: str) -> list[User]:
        return [u for name, u in self.users.items() if name.startswith(f"demo_rep_{team}")]

    def manager(self, team: str) -> User:
        return self.users[f"demo_manager_{team}"]

    def team_of(self, user: User) -> str:
        return next(key for key, team in self.teams.items() if team.pk == user.team_id)

    # -- org -----------------------------------------------------------------------------------
    def build_org(self) -> None:
        root = Team.objects.create(name=data.ROOT_TEAM[0], name_en=data.ROOT_TEAM[1])
        self.teams[""] = root
        for key, (name, name_en) in data.TEAMS.items():
            self.teams[key] = Team.objects.create(name=name, name_en=name_en, parent=root)
        # One hash for all: PBKDF2 at full strength twelve times would dominate the run.
        password = make_password(DEMO_PASSWORD)
        for username, name, role, team_key in data.USERS:
            user = User.objects.create(
                username=username,
                name=name,
                role=role,
                email=f"{username}@demo.example.com",
                password=password,
                team=self.teams[team_key] if team_key is not None else None,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            self.users[username] = user
        root.manager = self.users["demo_director"]
        root.save(update_fields=["manager"])
        for key in data.TEAMS:
            team = self.teams[key]
            team.manager = self.manager(key)
            team.save(update_fields=["manager"])

    # -- customers -----------------------------------------------------------------------------
    def build_customers(self) -> None:
        rep_turn = dict.fromkeys(data.TEAMS, 0)

        def owner_for(team: str) -> User:
            reps = self.reps(team)
            rep_turn[team] += 1
            return reps[rep_turn[team] % len(reps)]

        def add(
            name: str, short: str, industry: str, city: str, code: str, segment: str, parent: Customer | None
        ):
            team, region = data.CITIES[city]
            owner = owner_for(team)
            rng = self.rng
            if segment == "K":
                status = CustomerStatus.ACTIVE
            elif segment == "I":
                status = CustomerStatus.ACTIVE if rng.random() < 0.85 else CustomerStatus.PROSPECT
            else:
                status = rng.choice(
                    [
                        CustomerStatus.ACTIVE,
                        CustomerStatus.PROSPECT,
                        CustomerStatus.PROSPECT,
                        CustomerStatus.DORMANT,
                        CustomerStatus.LOST,
                    ]
                )
            scale = {"K": (50, 800), "I": (10, 200), "G": (1, 60)}[segment]
            revenue = Decimal(rng.randint(*scale)) * Decimal("100000000")
            customer = create_customer(
                by=owner,
                name=name,
                owner=owner,
                short_name=short,
                parent=parent,
                industry=data.INDUSTRIES[industry],
                region=region,
                status=status,
                annual_revenue=revenue,
                # What the customer buys of our category a year, from everyone (share of wallet).
                category_purchases=(
                    revenue * Decimal(self.judge_rng.choice(["0.0005", "0.001", "0.002"]))
                ).quantize(Decimal(1)),
                employees=rng.randint(*{"K": (8000, 120000), "I": (1500, 30000), "G": (200, 6000)}[segment]),
            )
            account = Account(customer=customer, code=code, segment=segment, team=team, industry=industry)
            self.accounts.append(account)
            self.judge_customer(customer, owner, segment)
            return customer

        for name, short, industry, city, code, segment, subsidiaries in data.GROUPS:
            group = add(name, short, industry, city, code, segment, None)
            for sub_name, sub_short, sub_city, sub_code, sub_segment in subsidiaries:
                add(sub_name, sub_short, industry, sub_city, sub_code, sub_segment, group)
        for name, short, industry, city, code, segment in data.STANDALONE:
            add(name, short, industry, city, code, segment, None)

    def judge_customer(self, customer: Customer, owner: User, segment: str) -> None:
        """The owner's judgement of the static criteria: key accounts mostly in the top bands,
        important ones in the middle, the rest lower (and some left unjudged)."""
        rng = self.judge_rng
        reach = {"K": (0, 1), "I": (0, 2), "G": (1, 3)}[segment]
        for criterion, bands in self.static_criteria:
            if segment == "G" and rng.random() < 0.3:
                continue
            index = min(rng.randint(*reach), len(bands) - 1)
            set_static_value(customer, criterion, bands[index], by=owner)

    # -- contacts and org charts ---------------------------------------------------------------
    def person_name(self, taken: set[str]) -> str:
        while True:
            name = self.rng.choice(data.SURNAMES) + self.rng.choice(data.GIVEN_NAMES)
            if name not in taken:
                taken.add(name)
                return name

    def mobile(self) -> str:
        return self.rng.choice(data.MOBILE_PREFIXES) + "".join(str(self.rng.randint(0, 9)) for _ in range(8))

    def build_contacts(self) -> None:
        for account in self.accounts:
            self.build_org_chart(account)

    def build_org_chart(self, account: Account) -> None:
        """A general manager on top, deputies, department heads under them, staff below."""
        rng = self.rng
        low, high = CONTACTS_PER_SEGMENT[account.segment]
        size = rng.randint(low, high)
        gm_title, deputy_title, departments = data.ORG_SHAPES[account.industry]
        deputies = 1 if size < 6 else (2 if size < 11 else 3)
        heads = min(len(departments), max(1, (size - 1 - deputies) // 2 + (1 if size >= 10 else 0)))
        staff = max(0, size - 1 - deputies - heads)
        chosen = rng.sample(departments, heads)
        taken: set[str] = set()
        emails: set[str] = set()
        owner = account.customer.owner

        def add(
            name: str,
            title: str,
            department: str,
            rank: str,
            influence: int,
            boss: Person | None,
            depth: int,
        ):
            local = "".join(lazy_pinyin(name))
            email_local = local
            n = 2
            while email_local in emails:
                email_local, n = f"{local}{n}", n + 1
            emails.add(email_local)
            contact = create_contact(
                by=owner,
                customer=account.customer,
                name=name,
                title=title,
                department=department,
                reports_to=boss.contact if boss else None,
                rank=rank,
                influence=influence,
                mobile=self.mobile(),
                email=f"{email_local}@{account.code}.example.com",
            )
            person = Person(contact=contact, depth=depth, department=department)
            account.people.append(person)
            return person

        gm = add(self.person_name(taken), gm_title, "领导班子", Rank.HIGH, 5, None, 0)
        deputy_people = [
            add(self.person_name(taken), deputy_title, "领导班子", Rank.HIGH, rng.randint(4, 5), gm, 1)
            for _ in range(deputies)
        ]
        head_people = []
        for i, department in enumerate(chosen):
            suffix = (
                "处长"
                if department.endswith("处")
                else ("主任" if department.endswith(("中心", "室")) else "部长")
            )
            head_people.append(
                add(
                    self.person_name(taken),
                    f"{department}{suffix}",
                    department,
                    Rank.MID_HIGH,
                    rng.randint(3, 4),
                    deputy_people[i % len(deputy_people)],
                    2,
                )
            )
        for i in range(staff):
            head = head_people[i % len(head_people)]
            if i < len(head_people):
                deputy_suffix = (
                    "副处长"
                    if head.department.endswith("处")
                    else ("副主任" if head.department.endswith(("中心", "室")) else "副部长")
                )
                title, rank, influence = head.department + deputy_suffix, Rank.MID, rng.randint(2, 3)
            elif rng.random() < 0.4:
                title, rank, influence = rng.choice(["主管", "高级工程师"]), Rank.MID, rng.randint(2, 3)
            else:
                title, rank, influence = (
                    rng.choice(["工程师", "采购专员", "项目专员"]),
                    Rank.LOW,
                    rng.randint(1, 2),
                )
            add(self.person_name(taken), title, head.department, rank, influence, head, 3)

        # Influence lines: a deputy who sways the top person, a specialist who sways a deputy.
        if len(account.people) >= 6 and rng.random() < 0.6:
            add_influence(deputy_people[0].contact, gm.contact, by=owner, note=data.INFLUENCE_NOTES[0])
            if head_people and rng.random() < 0.5:
                add_influence(
                    head_people[0].contact,
                    deputy_people[-1].contact,
                    by=owner,
                    note=data.INFLUENCE_NOTES[1],
                )

    # -- relationships -------------------------------------------------------------------------
    def relate(self, user: User, contact: Contact, level: int, *, history: bool) -> None:
        by = user
        # Spread the history over the past year and a half, so coverage over time has a shape.
        reached = self.at(self.rng.randint(3, 200))
        if history and level >= 3:
            start = max(1, level - self.rng.randint(1, 2))
            set_relationship_level(
                contact,
                user,
                start,
                by=by,
                note=self.rng.choice(data.RELATIONSHIP_NOTES[start]),
                changed_at=self.at(self.rng.randint(210, 520)),
            )
        set_relationship_level(
            contact,
            user,
            level,
            by=by,
            note=self.rng.choice(data.RELATIONSHIP_NOTES[level]),
            changed_at=reached,
        )
        self.relationship_levels[(user.pk, contact.pk)] = level

    def build_relationships(self) -> None:
        rng = self.rng
        director = self.users["demo_director"]
        for account in self.accounts:
            owner = account.customer.owner
            share = {"K": 0.75, "I": 0.55, "G": 0.35}[account.segment]
            boost = {"K": 1, "I": 0, "G": -1}[account.segment]
            for person in account.people:
                if person.depth == 0 and account.segment != "G" or rng.random() < share:
                    base = {0: 2, 1: 3, 2: 3, 3: 2}[person.depth] + boost
                    level = min(5, max(1, base + rng.choice([-1, -1, 0, 0, 1])))
                    self.relate(owner, person.contact, level, history=rng.random() < 0.35)
            if account.segment in ("K", "I"):
                manager = self.manager(account.team)
                for person in account.at_depth(0) + account.at_depth(1)[:1]:
                    self.relate(
                        manager,
                        person.contact,
                        rng.randint(2, 4) if account.segment == "K" else rng.randint(1, 3),
                        history=False,
                    )
            if account.segment == "K":
                self.relate(
                    director, account.people[0].contact, rng.randint(3, 5), history=rng.random() < 0.5
                )

    # -- opportunities -------------------------------------------------------------------------
    def plans(self) -> list[Plan]:
        default = SalesProcess.objects.get(code="key-account")
        project = SalesProcess.objects.filter(code="project-sale").first()
        plans: list[Plan] = []

        def add(process: SalesProcess, status: str, spread: list[int]) -> None:
            for order, count in enumerate(spread):
                for _ in range(count):
                    plans.append(Plan(process=process, status=status, final=order, peak=order))

        # 300 in all: about 60 % open, 20 % won, 12 % lost, 8 % dropped.
        add(default, OpportunityStatus.OPEN, [26, 26, 26, 26, 24, 20, 14, 10])
        add(default, OpportunityStatus.WON, [0, 0, 0, 0, 0, 0, 40, 18])
        add(default, OpportunityStatus.LOST, [0, 0, 5, 8, 10, 8, 4])
        add(default, OpportunityStatus.DROPPED, [5, 6, 6, 4, 2])
        if project is not None:
            add(project, OpportunityStatus.OPEN, [2, 2, 1, 1, 1, 1])
            add(project, OpportunityStatus.WON, [0, 0, 0, 0, 2])
            add(project, OpportunityStatus.LOST, [0, 0, 0, 1])
            add(project, OpportunityStatus.DROPPED, [0, 1])
        else:
            add(default, OpportunityStatus.OPEN, [2, 2, 1, 1, 1, 1])
            add(default, OpportunityStatus.WON, [0, 0, 0, 0, 0, 0, 2])
            add(default, OpportunityStatus.LOST, [0, 0, 0, 1])
            add(default, OpportunityStatus.DROPPED, [0, 1])
        for plan in plans:
            # About one in ten went back a stage at some point; a few open ones sit there now.
            if plan.final >= 2 and self.rng.random() < 0.1:
                plan.detour = self.rng.randint(2, plan.final)
            elif plan.status == OpportunityStatus.OPEN and 1 <= plan.final <= 5 and self.rng.random() < 0.06:
                plan.peak = plan.final + 1
                plan.detour = plan.peak
        self.rng.shuffle(plans)
        return plans

    def build_opportunities(self) -> None:
        self.competitors = {
            name: Competitor.objects.get_or_create(
                name=name, defaults={"notes": f"{strengths}\n{weaknesses}"}
            )[0]
            for name, (strengths, weaknesses) in data.COMPETITORS.items()
        }
        stages = {
            process.pk: list(process.stages.order_by("order").prefetch_related("exit_criteria"))
            for process in SalesProcess.objects.filter(code__in=["key-account", "project-sale"])
        }
        weights = [
            OPPORTUNITY_WEIGHT[a.segment]
            * (0.4 if a.customer.status in (CustomerStatus.LOST, CustomerStatus.DORMANT) else 1)
            for a in self.accounts
        ]
        used_names: set[tuple[int, str]] = set()
        plans = self.plans()
        # Every customer gets at least one deal, then the rest follow the weights.
        accounts = list(self.accounts) + self.rng.choices(
            self.accounts, weights=weights, k=len(plans) - len(self.accounts)
        )
        pairs = self.decide_outcomes(list(zip(plans, accounts, strict=True)))
        for plan, account in pairs:
            self.build_opportunity(plan, account, stages[plan.process.pk], used_names)

    def decide_outcomes(self, pairs: list[tuple[Plan, Account]]) -> list[tuple[Plan, Account]]:
        """Which closed deals are the won ones: each closed deal's look (decision maker, stance,
        slips, competitors) is drawn first, then the won plans go to the deals with the highest
        log-odds plus a logistic draw, so the demo keeps its counts per status and stage while
        its outcomes follow the relationships, slips and competition, with noise. A stream of
        its own, so the rest of the demo draws what it drew before."""
        rng = random.Random(f"{self.seed}-outcomes")
        best: dict[int, int] = {}
        for (_user_id, contact_id), level in self.relationship_levels.items():
            best[contact_id] = max(best.get(contact_id, 0), level)
        closed = [i for i, (plan, _account) in enumerate(pairs) if plan.status != OpportunityStatus.OPEN]
        scored = []
        for i in closed:
            signal = self.draw_signal(pairs[i][1], best, rng)
            scored.append((signal.logit + outcomes.logistic_noise(rng), i, signal))
        won = [pairs[i][0] for i in closed if pairs[i][0].status == OpportunityStatus.WON]
        others = [pairs[i][0] for i in closed if pairs[i][0].status != OpportunityStatus.WON]
        ranked = sorted(scored, key=lambda entry: (-entry[0], entry[1]))
        result = list(pairs)
        for rank, (_score, i, signal) in enumerate(ranked):
            plan = won[rank] if rank < len(won) else others[rank - len(won)]
            plan.signal = signal
            result[i] = (plan, pairs[i][1])
        return result

    def draw_signal(self, account: Account, best: dict[int, int], rng: random.Random) -> Signal:
        top = account.at_depth(0) + account.at_depth(1)
        person = (top[0] if rng.random() < 0.7 else rng.choice(top)) if top else None
        level = best.get(person.contact.pk, 0) if person else None
        stance = outcomes.stance_for(level, rng) if level is not None else None
        slip_days = [rng.randint(20, 75) for _ in range(outcomes.slips(rng))]
        return Signal(person, level, stance, slip_days, outcomes.competitors(rng))

    def build_opportunity(
        self, plan: Plan, account: Account, stages: list[Stage], used: set[tuple[int, str]]
    ) -> None:
        rng = self.rng
        customer = account.customer
        owner = customer.owner
        if rng.random() < 0.15:
            owner = rng.choice(self.reps(account.team))
        team = self.team_of(owner)

        # The path of stage orders after creation at the first stage.
        path = list(range(1, plan.peak + 1))
        if plan.detour is not None:
            back = plan.detour - 1
            path = list(range(1, plan.detour + 1)) + [back] + list(range(back + 1, plan.final + 1))
        closed = plan.status != OpportunityStatus.OPEN
        # Timeline in days ago: created, the moves, the close.
        end = rng.randint(3, 150) if closed else rng.randint(1, 20)
        steps = len(path) + (1 if closed else 0)
        created = min(
            540, end + max(steps * rng.randint(14, 40), rng.randint(180, 400) if closed else 30 + steps * 20)
        )
        created = max(created, end + steps + 2)
        move_days = sorted(rng.sample(range(end + 1, created), len(path)), reverse=True)

        peak_stage = stages[plan.peak]
        exact = (
            peak_stage.requires_exact_amount
            or peak_stage.requires_exact_date
            or plan.status == OpportunityStatus.WON
        )
        product_line = rng.choice(list(data.PRODUCT_LINES))
        patterns, competitor_pool = data.PRODUCT_LINES[product_line]
        name = f"{customer.short_name}{rng.choice(patterns)}"
        for suffix in ("（二期）", "（三期）", "（四期）", "（五期）"):
            if (customer.pk, name) not in used:
                break
            name = f"{customer.short_name}{rng.choice(patterns)}{suffix}"
        used.add((customer.pk, name))

        size = {"K": (200, 3000), "I": (80, 1200), "G": (20, 400)}[account.segment]
        amount: Decimal | None = Decimal(rng.randint(*size)) * Decimal("10000")
        amount_low = amount_high = None
        if not exact and rng.random() < 0.45:
            assert amount is not None
            amount_low, amount_high = (
                (amount * Decimal("0.8")).quantize(Decimal("10000")),
                (amount * Decimal("1.25")).quantize(Decimal("10000")),
            )
            amount = None
        if plan.status == OpportunityStatus.WON:
            sign_date: dt.date | None = self.today - dt.timedelta(days=end)  # signed the day it was won
        elif closed:
            sign_date = self.today - dt.timedelta(days=end - rng.randint(0, min(end, 60)))
        elif rng.random() < 0.05:
            sign_date = self.today - dt.timedelta(days=rng.randint(5, 45))  # slipped: past but still open
        else:
            sign_date = self.today + dt.timedelta(
                days=rng.randint(20, 90) + (7 - plan.final) * rng.randint(10, 60)
            )
        precision = DatePrecision.DAY
        if not exact:
            precision = rng.choice(
                [
                    DatePrecision.DAY,
                    DatePrecision.DAY,
                    DatePrecision.MONTH,
                    DatePrecision.MONTH,
                    DatePrecision.QUARTER,
                ]
            )
        if not closed and plan.peak <= 1 and rng.random() < 0.18:
            # The four elements are still incomplete on a few fresh leads.
            if rng.random() < 0.5:
                amount = amount_low = amount_high = None
            else:
                sign_date = None

        # A closed deal that slipped was created with the date it slipped from (the slips are
        # written as edits before the close, below).
        slip_days = plan.signal.slip_days if plan.signal and sign_date is not None else []
        if slip_days:
            assert sign_date is not None
            sign_date -= dt.timedelta(days=sum(slip_days))
        heads = account.at_depth(2)
        lead = rng.choice(heads).contact if heads and rng.random() < 0.8 else None
        # The initiation date is the day the opportunity first passed the pre-sales initiation gate.
        gate = next((s.order for s in stages if "立项" in s.key_node), None)
        initiation = path.index(gate) if gate in path else None
        opportunity = create_opportunity(
            by=owner,
            customer=customer,
            name=name,
            owner=owner,
            stage=stages[0],
            amount=amount,
            amount_low=amount_low,
            amount_high=amount_high,
            sign_date=sign_date,
            sign_date_precision=precision,
            product_line=product_line,
            gross_margin=Decimal(rng.randint(1800, 4500)) / 100,
            expense_budget=(amount or amount_high or Decimal("1000000"))
            * Decimal(rng.randint(10, 40))
            / 1000,
            customer_lead=lead,
            initiated_at=(self.today - dt.timedelta(days=move_days[initiation]))
            if initiation is not None
            else None,
            created_at=self.at(created),
        )

        # Deal team: the owner leads; the team's manager monitors; sometimes a colleague and a sponsor.
        if rng.random() < 0.8:
            set_member(opportunity, self.manager(team), by=owner, role=MemberRole.MONITOR)
        colleagues = [r for r in self.reps(team) if r.pk != owner.pk]
        if colleagues and rng.random() < 0.35:
            set_member(
                opportunity,
                rng.choice(colleagues),
                by=owner,
                role=MemberRole.MEMBER,
                part=rng.choice(data.MEMBER_PARTS),
            )
        if (account.segment == "K" or (opportunity.amount or 0) > 10_000_000) and rng.random() < 0.4:
            set_member(
                opportunity,
                self.users["demo_director"],
                by=owner,
                role=MemberRole.SPONSOR,
                part="高层拜访 / Executive visits",
            )

        # Stage history: forward with the key node confirmed, back with a note.
        current = 0
        for order, days in zip(path, move_days, strict=True):
            when = self.at(days)
            if order > current:
                leaving = stages[current]
                for criterion in leaving.exit_criteria.all():
                    if leaving.blocks_on_open_criteria or rng.random() < 0.85:
                        set_criterion_checked(opportunity, criterion, by=owner, checked=True)
                achieved, carry_over = data.STAGE_SUMMARIES.get(leaving.code, ("", ""))
                if any(s.requires_initiation for s in stages[current + 1 : order + 1]):
                    # The gate into P3 (S3) wants the initiation report approved first.
                    approve_before_gate(self, opportunity, when)
                move_stage(
                    opportunity,
                    stages[order],
                    by=owner,
                    key_node_confirmed=True,
                    changed_at=when,
                    achieved=achieved,
                    carry_over=carry_over,
                )
            else:
                move_stage(
                    opportunity,
                    stages[order],
                    by=owner,
                    note=rng.choice(data.BACKWARD_NOTES),
                    changed_at=when,
                )
            current = order
        if not closed:
            for criterion in stages[current].exit_criteria.all():
                if rng.random() < 0.4:
                    set_criterion_checked(opportunity, criterion, by=owner, checked=True)

        self.decision_chain(opportunity, account, plan, max(path or [0]))
        entries = self.competition(opportunity, competitor_pool, plan)

        if (
            not closed
            and opportunity.sign_date
            and opportunity.sign_date > self.today
            and rng.random() < 0.08
        ):
            # A slip: the customer pushed the signing back (kept in the change history).
            update_opportunity(
                opportunity,
                by=owner,
                version=opportunity.version,
                sign_date=opportunity.sign_date + dt.timedelta(days=rng.randint(30, 90)),
            )
        if slip_days:
            self.slip(opportunity, owner, slip_days, created, end)
        if closed:
            closed_at = self.at(end)
            if plan.status == OpportunityStatus.WON:
                reason = rng.choice(data.WON_REASONS)
            elif plan.status == OpportunityStatus.LOST:
                reason = rng.choice(data.LOST_REASONS)
            else:
                reason = rng.choice(data.DROPPED_REASONS)
            close_opportunity(
                opportunity,
                by=owner,
                status=plan.status,
                reason=reason,
                reason_choice=self.close_reasons[(plan.status, data.CLOSE_REASON_CODES[reason])],
                lost_to=entries[0] if plan.status == OpportunityStatus.LOST else None,
                closed_at=closed_at,
            )

    def slip(
        self, opportunity: Opportunity, owner: User, slip_days: list[int], created: int, end: int
    ) -> None:
        """The sign date pushed back `len(slip_days)` times while the deal was open, each edit
        dated evenly between its creation and its close (`created`/`end`: days ago)."""
        for days in slip_days:
            assert opportunity.sign_date is not None
            update_opportunity(
                opportunity,
                by=owner,
                version=opportunity.version,
                sign_date=opportunity.sign_date + dt.timedelta(days=days),
            )
        edits = OpportunityChange.objects.filter(opportunity=opportunity, field="sign_date").order_by("id")
        for n, change in enumerate(edits, start=1):
            days_ago = created - (created - end) * n / (len(slip_days) + 1)
            change.changed_at = self.midnight - dt.timedelta(days=days_ago) + dt.timedelta(hours=11)
            change.save(update_fields=["changed_at"])

    def decision_chain(self, opportunity: Opportunity, account: Account, plan: Plan, reached: int) -> None:
        rng = self.rng
        people = account.people
        if reached == 0 and rng.random() < 0.5:
            return
        wanted = {0: 1, 1: 2, 2: 3}.get(reached, rng.randint(4, 6))
        stance_weights: list[int] = {
            OpportunityStatus.WON: [6, 3, 1],
            OpportunityStatus.LOST: [2, 4, 4],
            OpportunityStatus.DROPPED: [2, 5, 3],
        }.get(OpportunityStatus(plan.status), [4, 5, 1])
        top = account.at_depth(0) + account.at_depth(1)
        heads = account.at_depth(2)
        technical = [p for p in heads if not p.department.startswith(data.COMMERCIAL_DEPARTMENTS)] or heads
        commercial = [p for p in heads if p.department.startswith(data.COMMERCIAL_DEPARTMENTS)] or heads
        staff = account.at_depth(3)
        owner = opportunity.owner
        known = [p for p in people if self.relationship_levels.get((owner.pk, p.contact.pk), 0) >= 4]
        roles = [
            (DecisionRole.DECISION_MAKER, top[:1] if rng.random() < 0.7 else top),
            (DecisionRole.TECHNICAL_APPROVER, technical or top),
            (DecisionRole.BUSINESS_APPROVER, commercial or top),
            (DecisionRole.COACH, known or staff or heads),
            (DecisionRole.INFLUENCER, top[1:] or heads),
            (DecisionRole.USER, staff or heads),
        ]
        for role, candidates in roles[:wanted]:
            if not candidates:
                continue
            person = rng.choice(candidates)
            stance = (
                Stance.SUPPORT
                if role == DecisionRole.COACH
                else rng.choices([Stance.SUPPORT, Stance.NEUTRAL, Stance.OPPOSE], weights=stance_weights)[0]
            )
            signal = plan.signal
            if role == DecisionRole.DECISION_MAKER and signal and signal.decision_maker and signal.stance:
                # A closed deal's decision maker is the one its outcome was drawn with.
                person, stance = signal.decision_maker, Stance(signal.stance)
            set_contact_role(opportunity, person.contact, by=owner, decision_role=role, stance=stance)

    def competition(self, opportunity: Opportunity, pool: list[str], plan: Plan) -> list[Competitor]:
        rng = self.rng
        count = rng.choices([0, 1, 2, 3], weights=[2, 4, 3, 1])[0]
        if plan.signal is not None:
            count = plan.signal.competitors  # as many as its outcome was drawn with
        if plan.status == OpportunityStatus.LOST:
            count = max(1, count)
        names = rng.sample(pool, min(count, len(pool)))
        if count > len(names):
            names.append(rng.choice([n for n in data.COMPETITORS if n not in names]))
        entries = []
        for name in names:
            strengths, weaknesses = data.COMPETITORS[name]
            add_competitor(
                opportunity,
                self.competitors[name],
                by=opportunity.owner,
                strengths=strengths,
                weaknesses=weaknesses,
            )
            entries.append(self.competitors[name])
        return entries

    # -- all -----------------------------------------------------------------------------------
    def build(self) -> dict[str, int]:
        # Every write below asks for its deals' health flags; gathered, they become one full
        # rescan when the block ends, so the demo ends with the flags stored.
        with transaction.atomic(), recomputes_deferred():
            self.build_org()
            # Each new customer, judged criterion and deal asks for a recompute of its customer;
            # gathered, they run once per customer when the block ends, from the finished data.
            with rescores_deferred():
                self.build_customers()
                self.build_contacts()
                self.build_relationships()
                self.build_opportunities()
                self.build_targets()
            self.build_account_views()
            # Six months of activities and plans, on the customers' tiers as scored above.
            build_activities(self, self.seed)
            # Prospects left alone: the public pool's daily pass returns some and warns of others.
            build_pool(self)
            # The deal strategy tools on the demo's deals (kam.planning).
            build_planning(self, self.seed)
            # After-sale: contracts of the won deals, payments, projects, service and surveys.
            demo_delivery.build(self, random.Random(f"{self.seed}-delivery"))
            # The last twelve weekly snapshots (and one before the last closed quarter), so the
            # weekly review and forecast accuracy have history from day one.
            build_snapshots(self.users["demo_director"], list(self.users.values()), self.today)
            request_rescan()
            # The inboxes: the daily reminders over all of the above (the flags once stored).
            demo_notifications.build(self, random.Random(f"{self.seed}-notifications"))
            # The team: playbook, skills, star ratings, commission statements and a contest.
            build_team(self, self.seed)
            # What kam learns from the demo's history: the win-probability model.
            demo_learning.build(self, random.Random(f"{self.seed}-learning"))
        return summary()

    def build_account_views(self) -> None:
        """Tags, one tier override and a customer analysis with two revisions, so the 360° page,
        the tags page and the filters have something to show."""
        director = self.users["demo_director"]
        manager = self.manager("east")
        strategic = create_tag(
            by=director,
            name="战略合作",
            name_en="Strategic partner",
            color="#c23531",
            description="签订战略合作协议的客户 / Customers with a strategic partnership agreement",
        )
        create_tag(by=director, name="样板客户", name_en="Reference site", color="#2f4554")
        create_tag(
            by=director,
            name="制造业大单",
            name_en="Manufacturing, big pipeline",
            kind=TagKind.DYNAMIC,
            color="#61a0a8",
            description="制造业且在途商机超过100万 / Manufacturing with open pipeline over ¥1M",
            rule={"industry": data.INDUSTRIES["manufacturing"], "open_pipeline_min": "1000000"},
        )
        create_tag(
            by=director,
            name="A类重点",
            name_en="Tier A focus",
            kind=TagKind.DYNAMIC,
            color="#d48265",
            rule={"tier": "A"},
        )
        key_accounts = [a for a in self.accounts if a.segment == "K"]
        for account in key_accounts:
            attach_tag(account.customer, strategic, by=director)
        east = [a for a in self.accounts if a.team == "east" and a.segment == "I"]
        if east:
            customer = east[0].customer
            customer.refresh_from_db()
            override_tier(
                customer,
                by=manager,
                tier="A" if customer.tier != "A" else "B",
                reason="集团年度框架协议在谈，按A类客户投入 / Group framework agreement under negotiation: serve as tier A",
            )
        if key_accounts:
            customer = key_accounts[0].customer
            owner = customer.owner
            first = save_analysis(
                customer,
                by=owner,
                base_revision=0,
                needs_history="近三年每年扩容一期，预算逐年上升 / One expansion phase a year for three years, budget rising",
                purchase_speed="balanced",
                decision_mode="tender",
                price_attention="medium",
                competition_attention="high",
                finances="现金流充裕 / Strong cash flow",
                reputation="行业标杆 / Industry benchmark",
            )
            save_analysis(
                customer,
                by=owner,
                base_revision=first.analysis.revision if first.analysis else 0,
                hidden_influencers="总工办对技术路线有否决权 / The chief engineer's office can veto the technical route",
                key_investments="十四五数字化改造专项 / Digital transformation programme",
            )

    def build_targets(self) -> None:
        """Quarterly targets for this year and next: each rep's, and each team's as the sum of its reps'."""
        from decimal import Decimal

        rows = []
        for year in (self.today.year, self.today.year + 1):
            for quarter in (1, 2, 3, 4):
                start, end = quarter_bounds(year, quarter)
                team_totals: dict[int, Decimal] = {}
                for user in sorted(self.users.values(), key=lambda u: u.username):
                    if user.role != Role.REP or user.team_id is None:
                        continue
                    amount = Decimal(self.rng.randrange(60, 200)) * Decimal(100000)
                    rows.append(Target(user=user, period_start=start, period_end=end, amount=amount))
                    team_totals[user.team_id] = team_totals.get(user.team_id, Decimal(0)) + amount
                for team_id, total in sorted(team_totals.items()):
                    rows.append(Target(team_id=team_id, period_start=start, period_end=end, amount=total))
        Target.objects.bulk_create(rows)


def summary() -> dict[str, int]:
    """Counts of the demo world as it now stands in the database."""

    users = User.objects.filter(username__startswith=DEMO_PREFIX)
    customers = Customer.objects.filter(owner__in=users)
    opportunities = Opportunity.objects.filter(customer__in=customers)
    counts = {
        "teams": Team.objects.filter(
            name__in=[data.ROOT_TEAM[0], *(n for n, _ in data.TEAMS.values())]
        ).count(),
        "users": users.count(),
        "customers": customers.count(),
        "contacts": Contact.objects.filter(customer__in=customers).count(),
        "relationships": Relationship.objects.filter(user__in=users).count(),
        "influence lines": Influence.objects.filter(source__customer__in=customers).count(),
        "opportunities": opportunities.count(),
        "stage changes": StageChange.objects.filter(opportunity__in=opportunities).count(),
        "targets": Target.objects.filter(Q(user__in=users) | Q(team__members__in=users)).distinct().count(),
        "activities": Activity.objects.filter(owner__in=users).count(),
        "plans": ActivityPlan.objects.filter(owner__in=users).count(),
        "snapshots": Snapshot.objects.filter(taken_by__in=users).count(),
    }
    for status in OpportunityStatus:
        counts[f"opportunities {status.value}"] = opportunities.filter(status=status).count()
    return counts


def build_demo(seed: int = DEFAULT_SEED, *, today: dt.date | None = None) -> dict[str, int]:
    return DemoBuilder(seed, today=today).build()
