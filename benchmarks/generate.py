"""A large, deterministic pipeline for the benchmark: teams, people, customers, contacts,
relationships, opportunities with stage history, field edits and decision chains, and ten
activities per opportunity over the last six months (with their contacts and the last touch).

This writes with `bulk_create` in batches, one transaction per batch, and does NOT go through
the services (create_opportunity, move_stage …): at 200,000 opportunities and about a million
rows in all, the services' per-row validation, numbering and history writes would take an hour;
here speed is the point and the rows are built consistent by construction instead (every
opportunity gets a stage history ending in its current stage, numbers are unique by sequence).

Run standalone (it sets Django up itself):
    SECRET_KEY=x KAM_SQLITE_PATH=var/bench.sqlite3 .venv/bin/python benchmarks/generate.py --opportunities 2000
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kam.demo import outcomes  # noqa: E402  (after the path is set; needs no Django set-up)

DEFAULT_OPPORTUNITIES = 200_000
DEFAULT_SEED = 20260
BATCH = 5_000
PREFIX = "bench"

PRODUCT_LINES = ["Automation", "Drives", "Software", "Service", "Instruments", "Power"]
INDUSTRIES = ["Steel", "Chemicals", "Power", "Automotive", "Food", "Mining", "Pharma", "Logistics"]
REGIONS = ["North", "East", "South", "West", "Central"]
# Open opportunities by stage order P0–P6 (more early than late, as in a real funnel).
OPEN_STAGE_WEIGHTS = [24, 20, 17, 14, 11, 8, 6]
STATUS_WEIGHTS = [("open", 60), ("won", 18), ("lost", 14), ("dropped", 8)]
DECISION_ROLES = ["decision_maker", "technical_approver", "business_approver", "influencer", "user", "coach"]
RIVALS = 8  # competitors named "bench rival N", met in 0–3 at a time
# Log-odds added to kam.demo.outcomes' so that about 18 of every 40 closed deals are won.
WIN_INTERCEPT = 0.8
RANKS = ["high", "mid_high", "mid", "low"]

# Activities: ten per opportunity over the last six months, about a fifth of them still planned.
ACTIVITIES_PER_OPPORTUNITY = 10
ACTIVITY_DAYS = 182
PLANNED_DAYS = 28  # planned activities fall in the coming four weeks
PLANNED_SHARE = 0.25  # of the customers not neglected: about a fifth of all
ON_DEAL_SHARE = 0.75  # the rest are account work with the customer, by the customer's owner
# Customers their owner has let slide: no activity since some day in the last four months, so the
# under-visited list has something to find (everyone else is visited far above the policy).
NEGLECTED_SHARE = 0.2
# Kind code: how often it is logged, and its duration range in minutes. A kind an administrator
# added later gets weight 1 and a short duration.
ACTIVITY_MIX: dict[str, tuple[int, tuple[int, int]]] = {
    "visit": (24, (60, 180)),
    "call": (16, (15, 45)),
    "meeting": (8, (60, 120)),
    "meal": (4, (90, 180)),
    "demo": (3, (60, 180)),
    "technical-exchange": (5, (90, 240)),
    "proposal": (5, (120, 480)),
    "bid": (2, (240, 480)),
    "negotiation": (3, (60, 180)),
    "site-survey": (2, (120, 360)),
    "account-planning": (3, (60, 180)),
    "service": (4, (60, 240)),
    "travel": (9, (60, 300)),
    "admin": (5, (30, 120)),
    "report": (3, (30, 90)),
    "internal-meeting": (4, (30, 120)),
    "other": (1, (30, 60)),
}
# Kinds done with the customer's people carry 1–3 of its contacts; desk work and travel none.
WITH_CONTACTS = {"call", "negotiation"}


def sizes(opportunities: int) -> dict[str, int]:
    """The world around N opportunities; 200,000 gives 20 teams, 400 people and 5,000 customers."""
    users = max(12, min(400, opportunities // 500))
    return {
        "opportunities": opportunities,
        "teams": max(4, min(20, users // 20)),
        "users": users,
        "customers": max(10, min(5_000, opportunities // 40)),
        "contacts_per_customer": 4,
    }


@contextlib.contextmanager
def explicit_timestamps(*fields: Any) -> Iterator[None]:
    """Let bulk_create keep the created/updated times we set: auto_now would stamp every row
    with the same instant, and the no-update and time-in-stage rules would see nothing."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Look:
    """A deal as the rep saw it before it closed: what its outcome is drawn from."""

    decider: int | None  # the decision maker's contact id
    level: int | None  # the company's CR level with them (0: nobody knows them)
    stance: str | None
    slips: int
    competitors: list[Any]


class Generator:
    def __init__(
        self,
        opportunities: int = DEFAULT_OPPORTUNITIES,
        *,
        seed: int = DEFAULT_SEED,
        today: dt.date | None = None,
        log: Callable[[str], None] | None = None,
        closed_only: bool = False,
        activities: bool = True,
    ) -> None:
        from django.utils import timezone

        self.size = sizes(opportunities)
        self.seed = seed
        self.rng = random.Random(seed)
        # What decides a closed deal's outcome (kam.demo.outcomes) draws from its own stream.
        self.signal_rng = random.Random(seed + 29)
        self.closed_only = closed_only
        self.activities = activities
        self.today = today or timezone.localdate()
        tz = timezone.get_current_timezone()
        self.now = dt.datetime.combine(self.today, dt.time(18, 0), tzinfo=tz)
        self.log = log or (lambda message: None)
        self.counts: dict[str, int] = {}

    # -- helpers ---------------------------------------------------------------------------------
    def ago(self, days: float) -> dt.datetime:
        return self.now - dt.timedelta(days=days)

    def _count(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    # -- the world -------------------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        from django.db import transaction

        from kam.opportunities.models import SalesProcess

        started = time.perf_counter()
        process = SalesProcess.objects.get(is_default=True)
        self.stages = list(process.stages.order_by("order"))
        with transaction.atomic():
            self.build_org()
            self.build_customers()
        self.log(f"  org, customers, contacts, relationships: {time.perf_counter() - started:.1f} s")
        self.build_opportunities()
        # The bulk inserts bypass the services, which keep the pipeline rollup: fill it once.
        from kam.opportunities.rollups import rebuild

        rollup_started = time.perf_counter()
        self.counts["rollup_cells"] = rebuild()
        self.log(f"  pipeline rollup: {time.perf_counter() - rollup_started:.1f} s")
        if self.activities:
            self.counts.update(build_activities(seed=self.seed, today=self.today, log=self.log))
        self.log(f"  total: {time.perf_counter() - started:.1f} s {self.counts}")
        return self.counts

    def build_org(self) -> None:
        from django.contrib.auth.hashers import make_password

        from kam.org.models import Role, Team, User

        n_teams, n_users = self.size["teams"], self.size["users"]
        root = Team.objects.create(name=f"{PREFIX} HQ")
        n_regions = max(1, min(4, (n_teams - 1) // 4))
        regions = Team.objects.bulk_create(
            Team(name=f"{PREFIX} region {i + 1}", parent=root) for i in range(n_regions)
        )
        leaves = Team.objects.bulk_create(
            Team(name=f"{PREFIX} team {i + 1:02d}", parent=regions[i % n_regions])
            for i in range(n_teams - 1 - n_regions)
        )
        teams = [root, *regions, *leaves]
        # One hash for everyone: hashing 400 passwords would be the slowest step of all.
        password = make_password("bench-password-1")
        director = User(username=f"{PREFIX}_director", name="Bench director", role=Role.DIRECTOR, team=root)
        managers = [
            User(username=f"{PREFIX}_mgr_{i:02d}", name=f"Manager {i}", role=Role.MANAGER, team=team)
            for i, team in enumerate(teams[1:], start=1)
        ]
        reps = [
            User(
                username=f"{PREFIX}_rep_{i:03d}", name=f"Rep {i}", role=Role.REP, team=leaves[i % len(leaves)]
            )
            for i in range(n_users - 1 - len(managers))
        ]
        people = [director, *managers, *reps]
        for person in people:
            person.password = password
            person.email = f"{person.username}@bench.example"
        User.objects.bulk_create(people, batch_size=BATCH)
        people = list(User.objects.filter(username__startswith=f"{PREFIX}_").order_by("id"))
        by_name = {p.username: p for p in people}
        root.manager = by_name[director.username]
        for i, team in enumerate(teams[1:], start=1):
            team.manager = by_name[f"{PREFIX}_mgr_{i:02d}"]
        Team.objects.bulk_update(teams, ["manager"])
        self.director = by_name[director.username]
        self.reps = [p for p in people if p.role == Role.REP]
        self.managers = [p for p in people if p.role == Role.MANAGER]
        self._count("teams", len(teams))
        self._count("users", len(people))

    def build_customers(self) -> None:
        from kam.customers.models import Customer
        from kam.relationships.models import Contact, Relationship

        rng = self.rng
        customers = []
        with explicit_timestamps(
            Customer._meta.get_field("created_at"), Customer._meta.get_field("updated_at")
        ):
            for i in range(self.size["customers"]):
                when = self.ago(rng.uniform(200, 1500))
                customers.append(
                    Customer(
                        name=f"{PREFIX} customer {i + 1:05d}",
                        short_name=f"C{i + 1:05d}",
                        owner=rng.choice(self.reps),
                        industry=rng.choice(INDUSTRIES),
                        region=rng.choice(REGIONS),
                        tier=rng.choice("AABBBCCCC"),
                        created_at=when,
                        updated_at=when,
                    )
                )
            Customer.objects.bulk_create(customers, batch_size=BATCH)
        self.customers = list(
            Customer.objects.filter(name__startswith=f"{PREFIX} customer ")
            .only("id", "owner_id")
            .order_by("id")
        )
        contacts = []
        for customer in self.customers:
            for j in range(self.size["contacts_per_customer"]):
                contacts.append(
                    Contact(
                        customer_id=customer.pk,
                        name=f"Contact {customer.pk}-{j + 1}",
                        rank=RANKS[j % len(RANKS)],
                        influence=rng.randint(1, 5),
                    )
                )
        Contact.objects.bulk_create(contacts, batch_size=BATCH)
        self.contacts_by_customer: dict[int, list[int]] = {}
        for contact_id, customer_id in (
            Contact.objects.filter(customer__name__startswith=f"{PREFIX} customer ")
            .order_by("id")
            .values_list("id", "customer_id")
        ):
            self.contacts_by_customer.setdefault(customer_id, []).append(contact_id)
        owners = {c.pk: c.owner_id for c in self.customers}
        relationships = []
        for customer_id, contact_ids in self.contacts_by_customer.items():
            for contact_id in contact_ids:
                if rng.random() < 0.75:
                    relationships.append(
                        Relationship(
                            user_id=owners[customer_id], contact_id=contact_id, level=rng.randint(1, 5)
                        )
                    )
                if rng.random() < 0.2:
                    other = rng.choice(self.managers)
                    relationships.append(
                        Relationship(user_id=other.pk, contact_id=contact_id, level=rng.randint(1, 4))
                    )
        Relationship.objects.bulk_create(relationships, batch_size=BATCH, ignore_conflicts=True)
        # The company's level with each contact: the highest any of our people holds.
        self.best_level: dict[int, int] = {}
        for relationship in relationships:
            contact_id = relationship.contact_id
            self.best_level[contact_id] = max(self.best_level.get(contact_id, 0), relationship.level)
        from kam.opportunities.models import Competitor

        names = [f"{PREFIX} rival {i + 1}" for i in range(RIVALS)]
        Competitor.objects.bulk_create([Competitor(name=n) for n in names], ignore_conflicts=True)
        self.rivals = list(Competitor.objects.filter(name__in=names).order_by("id"))
        self._count("customers", len(self.customers))
        self._count("contacts", len(contacts))
        self._count("relationships", len(relationships))

    # -- opportunities ---------------------------------------------------------------------------
    def build_opportunities(self) -> None:
        from django.db import transaction

        from kam.opportunities.models import Opportunity, OpportunityChange

        timestamps = explicit_timestamps(
            Opportunity._meta.get_field("created_at"),
            Opportunity._meta.get_field("updated_at"),
            OpportunityChange._meta.get_field("changed_at"),
        )
        total = self.size["opportunities"]
        started = time.perf_counter()
        with timestamps:
            for first in range(0, total, BATCH):
                with transaction.atomic():
                    self.build_batch(first, min(BATCH, total - first))
                done = min(first + BATCH, total)
                if done % 50_000 == 0 or done == total:
                    self.log(f"  {done:,} opportunities: {time.perf_counter() - started:.1f} s")

    def _amounts(self, order: int) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        rng = self.rng
        base = Decimal(int(math.exp(rng.gauss(14.2, 1.0)) // 1000 * 1000 + 1000))
        roll = rng.random()
        if roll < 0.06:
            return None, None, None  # incomplete: no amount yet
        if order <= 3 and roll < 0.3:
            return None, base, (base * Decimal("1.5")).quantize(Decimal("1"))
        return base, None, None

    def _sign_date(self, status: str, order: int) -> tuple[dt.date | None, str]:
        from kam.opportunities.models import period_end

        rng = self.rng
        if status == "open":
            if rng.random() < 0.05:
                return None, "day"
            day = self.today + dt.timedelta(days=rng.randint(-90, 540))
        else:
            day = self.today - dt.timedelta(days=rng.randint(1, 700))
        precision = "day"
        if status == "open" and order <= 3:
            precision = rng.choice(["day", "day", "month", "quarter"])
        return period_end(day, precision), precision

    def _path(self, status: str, order: int) -> list[int]:
        """Stage orders visited, ending at `order`: start early, sometimes skip, sometimes step back."""
        rng = self.rng
        start = rng.randint(0, min(order, 2))
        path = [start]
        for step in range(start + 1, order + 1):
            if step < order and rng.random() < 0.45:
                continue
            path.append(step)
        if len(path) >= 2 and rng.random() < 0.05:
            # One step back and forward again: backward moves exist in real history.
            path.extend([path[-2], path[-1]])
        return path

    def build_batch(self, first: int, count: int) -> None:
        from kam.imports.bulk import insert_instances, insert_rows
        from kam.opportunities.models import (
            Opportunity,
            OpportunityChange,
            OpportunityCompetitor,
            OpportunityContact,
            StageChange,
        )

        rng = self.rng
        statuses = [s for s, _w in STATUS_WEIGHTS]
        status_weights = [w for _s, w in STATUS_WEIGHTS]
        rows: list[Opportunity] = []
        plans: list[tuple[list[int], list[dt.datetime]]] = []
        looks: list[Look] = []
        for i in range(first, first + count):
            customer = rng.choice(self.customers)
            owner_id = customer.owner_id
            if rng.random() < 0.2:
                owner_id = rng.choice(self.reps).pk
            status = rng.choices(statuses, status_weights)[0]
            if self.closed_only:
                while status == "open":
                    status = rng.choices(statuses, status_weights)[0]
            look = self._look(customer.pk)
            if status != "open":
                status = self._outcome(look)
            if status == "won":
                order = len(self.stages) - 1
            elif status == "open":
                order = rng.choices(range(len(OPEN_STAGE_WEIGHTS)), OPEN_STAGE_WEIGHTS)[0]
            else:
                order = rng.randint(0, len(self.stages) - 2)
            path = self._path(status, order)
            created = self.ago(rng.uniform(20, 900))
            # Moves happen between creation and the last touch; the last move may be long ago.
            span = (self.now - created).total_seconds()
            offsets = sorted(rng.uniform(0, span * 0.9) for _ in path[1:])
            moves = [created] + [created + dt.timedelta(seconds=s) for s in offsets]
            updated = moves[-1] + dt.timedelta(seconds=rng.uniform(0, (self.now - moves[-1]).total_seconds()))
            amount, low, high = self._amounts(order)
            sign_date, precision = self._sign_date(status, order)
            rows.append(
                Opportunity(
                    project_number=f"BM-{self.today.year}-{i + 1:07d}",
                    name=f"{rng.choice(PRODUCT_LINES)} project {i + 1}",
                    customer_id=customer.pk,
                    customer_name=customer.name,
                    owner_id=owner_id,
                    stage=self.stages[order],
                    stage_entered_at=moves[-1],
                    # As the stage services keep it: the highest stage order in the history below.
                    furthest_stage_order=max(self.stages[step].order for step in path),
                    status=status,
                    amount=amount,
                    amount_low=low,
                    amount_high=high,
                    sign_date=sign_date,
                    sign_date_precision=precision,
                    closed_at=updated if status != "open" else None,
                    close_reason="bench" if status != "open" else "",
                    product_line=rng.choice(PRODUCT_LINES),
                    forecast_category=rng.choice(["commit", "best_case", "pipeline", "omitted"])
                    if rng.random() < 0.1
                    else "",
                    created_at=created,
                    updated_at=updated,
                )
            )
            plans.append((path, moves))
            looks.append(look)
            if status == "lost" and look.competitors:
                rows[-1].lost_to = look.competitors[0]
        # The import's writers (kam.imports.bulk): the rows as they are, without bulk_create's
        # per-value preparation, which was most of the generation's time.
        insert_instances(rows)
        self._count("opportunities", len(rows))

        history: list[tuple[Any, ...]] = []
        edits: list[OpportunityChange] = []
        chain: list[OpportunityContact] = []
        rivals: list[OpportunityCompetitor] = []
        for opportunity, (path, moves), look in zip(rows, plans, looks, strict=True):
            previous = None
            for order, when in zip(path, moves, strict=True):
                to_stage = self.stages[order].pk
                history.append((opportunity.pk, previous, to_stage, opportunity.owner_id, when))
                previous = to_stage
            if opportunity.status == "open":
                edits.extend(self._edits(opportunity))
                if rng.random() < 0.75:
                    chain.extend(self._chain(opportunity))
            else:
                # A closed deal's slips and decision maker are the ones its outcome was drawn with.
                edits.extend(e for e in self._edits(opportunity) if e.field != "sign_date")
                edits.extend(self._slips(opportunity, look))
                chain.extend(self._closed_chain(opportunity, look))
            rivals.extend(
                OpportunityCompetitor(opportunity_id=opportunity.pk, competitor=rival)
                for rival in look.competitors
            )
        insert_rows(
            StageChange,
            ("opportunity_id", "from_stage_id", "to_stage_id", "changed_by_id", "changed_at"),
            history,
        )
        insert_rows(
            OpportunityChange,
            ("opportunity_id", "field", "old_value", "new_value", "changed_by_id", "changed_at"),
            [
                (e.opportunity_id, e.field, e.old_value, e.new_value, e.changed_by_id, e.changed_at)
                for e in edits
            ],
        )
        insert_rows(
            OpportunityContact,
            ("opportunity_id", "contact_id", "decision_role", "stance"),
            [(c.opportunity_id, c.contact_id, c.decision_role, c.stance) for c in chain],
        )
        insert_rows(
            OpportunityCompetitor,
            ("opportunity_id", "competitor_id"),
            [(r.opportunity_id, r.competitor_id) for r in rivals],
        )
        self._count("stage_changes", len(history))
        self._count("opportunity_changes", len(edits))
        self._count("opportunity_contacts", len(chain))

    def _edits(self, opportunity: Any) -> list[Any]:
        """Amount and sign-date edits; a few opportunities slip again and again."""
        from kam.opportunities.models import OpportunityChange

        rng = self.rng
        if rng.random() >= 0.3:
            return []
        edits = []
        span = max(1.0, (opportunity.updated_at - opportunity.created_at).total_seconds())
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            when = opportunity.created_at + dt.timedelta(seconds=rng.uniform(0, span))
            if opportunity.sign_date is not None and rng.random() < 0.6:
                old = opportunity.sign_date - dt.timedelta(days=rng.randint(15, 120))
                edits.append(
                    OpportunityChange(
                        opportunity_id=opportunity.pk,
                        field="sign_date",
                        old_value=old.isoformat(),
                        new_value=opportunity.sign_date.isoformat(),
                        changed_by_id=opportunity.owner_id,
                        changed_at=when,
                    )
                )
            elif opportunity.amount is not None:
                old_amount = opportunity.amount * Decimal(rng.choice(["1.1", "1.25", "1.5"]))
                edits.append(
                    OpportunityChange(
                        opportunity_id=opportunity.pk,
                        field="amount",
                        old_value=f"{old_amount:.2f}",
                        new_value=f"{opportunity.amount:.2f}",
                        changed_by_id=opportunity.owner_id,
                        changed_at=when,
                    )
                )
        return edits

    def _look(self, customer_id: int) -> Look:
        """What the deal looks like before it closes (its decision maker, their company CR level
        and stance, the sign date's slips, the competitors), drawn before its outcome."""
        srng = self.signal_rng
        contacts = self.contacts_by_customer.get(customer_id, [])
        # The decision maker is one of the customer's two top people (contacts are ranked in order).
        decider = contacts[0 if srng.random() < 0.7 else 1] if len(contacts) >= 2 else None
        level = self.best_level.get(decider, 0) if decider is not None else None
        stance = outcomes.stance_for(level, srng) if level is not None else None
        slip_count = outcomes.slips(srng)
        rivals = srng.sample(self.rivals, outcomes.competitors(srng))
        return Look(decider, level, stance, slip_count, rivals)

    def _outcome(self, look: Look) -> str:
        """Won with probability sigmoid(intercept + the look's log-odds), a seeded logistic draw;
        otherwise lost or dropped (14 : 8)."""
        srng = self.signal_rng
        logit = WIN_INTERCEPT + outcomes.win_logit(look.level, look.stance, look.slips, len(look.competitors))
        if logit + outcomes.logistic_noise(srng) > 0:
            return "won"
        return "lost" if srng.random() < 14 / 22 else "dropped"

    def _slips(self, opportunity: Any, look: Look) -> list[Any]:
        """The sign date pushed back `look.slips` times while the deal was open, 15–90 days each,
        evenly spread between its creation and its close."""
        from kam.opportunities.models import OpportunityChange

        if not look.slips or opportunity.sign_date is None:
            return []
        srng = self.signal_rng
        span = (opportunity.closed_at - opportunity.created_at).total_seconds()
        dates = [opportunity.sign_date]
        for _ in range(look.slips):
            dates.insert(0, dates[0] - dt.timedelta(days=srng.randint(15, 90)))
        return [
            OpportunityChange(
                opportunity_id=opportunity.pk,
                field="sign_date",
                old_value=old.isoformat(),
                new_value=new.isoformat(),
                changed_by_id=opportunity.owner_id,
                changed_at=opportunity.created_at + dt.timedelta(seconds=span * n / (look.slips + 1)),
            )
            for n, (old, new) in enumerate(itertools.pairwise(dates), start=1)
        ]

    def _closed_chain(self, opportunity: Any, look: Look) -> list[Any]:
        """The decision maker with the stance the outcome was drawn with, and up to two others."""
        from kam.opportunities.models import OpportunityContact

        if look.decider is None or look.stance is None:
            return []
        srng = self.signal_rng
        chain = [
            OpportunityContact(
                opportunity_id=opportunity.pk,
                contact_id=look.decider,
                decision_role="decision_maker",
                stance=look.stance,
            )
        ]
        others = [c for c in self.contacts_by_customer.get(opportunity.customer_id, []) if c != look.decider]
        picked = srng.sample(others, k=min(len(others), srng.choice([0, 1, 1, 2])))
        roles = srng.sample(DECISION_ROLES[1:], k=len(picked))
        chain.extend(
            OpportunityContact(
                opportunity_id=opportunity.pk,
                contact_id=contact_id,
                decision_role=role,
                stance=srng.choices("ABC", [5, 4, 1])[0],
            )
            for contact_id, role in zip(picked, roles, strict=True)
        )
        return chain

    def _chain(self, opportunity: Any) -> list[Any]:
        from kam.opportunities.models import OpportunityContact

        rng = self.rng
        contacts = self.contacts_by_customer.get(opportunity.customer_id, [])
        picked = rng.sample(contacts, k=min(len(contacts), rng.choice([1, 1, 2, 2, 3, 4])))
        roles = rng.sample(DECISION_ROLES, k=len(picked))
        return [
            OpportunityContact(
                opportunity_id=opportunity.pk,
                contact_id=contact_id,
                decision_role=role,
                stance=rng.choices("ABC", [5, 4, 1])[0],
            )
            for contact_id, role in zip(picked, roles, strict=True)
        ]


class ActivityGenerator:
    """Ten activities per benchmark opportunity (ACTIVITIES_PER_OPPORTUNITY), from a random stream
    of their own so the rest of the world stays as it was; then the last touch of every customer,
    contact and opportunity in three UPDATE statements, as the activities services would keep it."""

    def __init__(self, *, seed: int, today: dt.date, log: Callable[[str], None]) -> None:
        from django.utils import timezone

        self.rng = random.Random(seed + 13)
        self.today = today
        self.tz = timezone.get_current_timezone()
        self.now = dt.datetime.combine(today, dt.time(18, 0), tzinfo=self.tz)
        self.log = log
        self.counts: dict[str, int] = {}
        # Working days only: the six months behind (today included) and the four weeks ahead.
        past = (today - dt.timedelta(days=d) for d in range(ACTIVITY_DAYS))
        ahead = (today + dt.timedelta(days=d) for d in range(1, PLANNED_DAYS + 1))
        self.past_days = sorted(self._midnight(d) for d in past if d.weekday() < 5)
        self.future_days = sorted(self._midnight(d) for d in ahead if d.weekday() < 5)

    def _midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0, 0), tzinfo=self.tz)

    def _at(self, midnight: dt.datetime) -> dt.datetime:
        """A start within working hours (08:00–17:45, on the quarter hour)."""
        rng = self.rng
        return midnight + dt.timedelta(hours=rng.randint(8, 17), minutes=15 * rng.randint(0, 3))

    def run(self) -> dict[str, int]:
        from django.db import transaction

        from kam.activities.models import Activity, ActivityKind
        from kam.customers.models import Customer
        from kam.opportunities.models import Opportunity
        from kam.org.models import Role, User
        from kam.relationships.models import Contact

        started = time.perf_counter()
        rng = self.rng
        kinds = list(ActivityKind.objects.filter(active=True).order_by("order", "id"))
        self.kind_ids = [k.pk for k in kinds]
        self.kind_weights = list(
            itertools.accumulate(ACTIVITY_MIX.get(k.code, (1, (30, 90)))[0] for k in kinds)
        )
        self.durations = {k.pk: ACTIVITY_MIX.get(k.code, (1, (30, 90)))[1] for k in kinds}
        self.kind_names = {k.pk: k.name_en or k.name for k in kinds}
        self.with_contacts = {k.pk for k in kinds if k.counts_as_visit or k.code in WITH_CONTACTS}
        self.reps = list(User.objects.filter(role=Role.REP).order_by("id").values_list("id", flat=True))
        customers = Customer.objects.filter(opportunities__project_number__startswith="BM-").distinct()
        self.customer_owner = dict(customers.order_by("id").values_list("id", "owner_id"))
        self.contacts: dict[int, list[int]] = {}
        for contact_id, customer_id in (
            Contact.objects.filter(customer_id__in=self.customer_owner)
            .order_by("id")
            .values_list("id", "customer_id")
        ):
            self.contacts.setdefault(customer_id, []).append(contact_id)
        # The day after which a neglected customer saw nobody (index into the past working days).
        self.cutoff = {
            customer_id: rng.randint(len(self.past_days) // 3, len(self.past_days) - 15)
            for customer_id in self.customer_owner
            if rng.random() < NEGLECTED_SHARE
        }
        deals = list(
            Opportunity.objects.filter(project_number__startswith="BM-")
            .order_by("id")
            .values_list("id", "customer_id", "owner_id", "created_at", "closed_at")
        )
        fields = [Activity._meta.get_field(name) for name in ("created_at", "updated_at")]
        per_batch = max(1, BATCH // ACTIVITIES_PER_OPPORTUNITY)
        with explicit_timestamps(*fields):
            for first in range(0, len(deals), per_batch):
                with transaction.atomic():
                    self.build_batch(deals[first : first + per_batch])
                done = first + per_batch
                if done % 50_000 == 0 or done >= len(deals):
                    self.log(
                        f"  activities for {min(done, len(deals)):,} opportunities: "
                        f"{time.perf_counter() - started:.1f} s"
                    )
        touch_started = time.perf_counter()
        set_last_touch()
        self.log(f"  last touch: {time.perf_counter() - touch_started:.1f} s")
        return self.counts

    def build_batch(self, deals: list[tuple[Any, ...]]) -> None:
        from kam.activities.models import Activity

        rng = self.rng
        past, future = self.past_days, self.future_days
        rows: list[Activity] = []
        links: list[tuple[int, list[int], int | None]] = []  # contacts and a colleague per row
        for deal_id, customer_id, deal_owner, created, closed in deals:
            cutoff = self.cutoff.get(customer_id)
            customer_owner = self.customer_owner[customer_id]
            contacts = self.contacts.get(customer_id, [])
            end = closed or self.now
            for _ in range(ACTIVITIES_PER_OPPORTUNITY):
                planned = cutoff is None and rng.random() < PLANNED_SHARE
                if planned:
                    start = self._at(rng.choice(future))
                else:
                    start = self._at(past[rng.randrange(cutoff if cutoff is not None else len(past))])
                # On the deal while it was alive; otherwise account work by the customer's owner.
                on_deal = created <= start <= end and rng.random() < ON_DEAL_SHARE
                kind = rng.choices(self.kind_ids, cum_weights=self.kind_weights)[0]
                low, high = self.durations[kind]
                rows.append(
                    Activity(
                        kind_id=kind,
                        status="planned" if planned else "done",
                        start=start,
                        duration_minutes=15 * rng.randint(max(1, low // 15), max(1, high // 15)),
                        owner_id=deal_owner if on_deal else customer_owner,
                        customer_id=customer_id,
                        opportunity_id=deal_id if on_deal else None,
                        summary=f"{self.kind_names[kind]} {deal_id}",
                        outcome="" if planned else "bench",
                        created_by_id=deal_owner if on_deal else customer_owner,
                        created_at=min(start, self.now),
                        updated_at=min(start, self.now),
                    )
                )
                picked: list[int] = []
                if kind in self.with_contacts and contacts:
                    picked = rng.sample(contacts, k=min(len(contacts), rng.choice((1, 1, 1, 2, 2, 3))))
                colleague = rng.choice(self.reps) if picked and rng.random() < 0.05 else None
                links.append((kind, picked, colleague))
        Activity.objects.bulk_create(rows, batch_size=BATCH)
        contact_rows = [
            Activity.contacts.through(activity_id=row.pk, contact_id=contact_id)
            for row, (_kind, picked, _colleague) in zip(rows, links, strict=True)
            for contact_id in picked
        ]
        people_rows = [
            Activity.our_people.through(activity_id=row.pk, user_id=colleague)
            for row, (_kind, _picked, colleague) in zip(rows, links, strict=True)
            if colleague is not None and colleague != row.owner_id
        ]
        Activity.contacts.through.objects.bulk_create(contact_rows, batch_size=BATCH)
        Activity.our_people.through.objects.bulk_create(people_rows, batch_size=BATCH)
        self.counts["activities"] = self.counts.get("activities", 0) + len(rows)
        self.counts["activity_contacts"] = self.counts.get("activity_contacts", 0) + len(contact_rows)
        self.counts["activity_people"] = self.counts.get("activity_people", 0) + len(people_rows)


def set_last_touch() -> None:
    """Each customer's, contact's and opportunity's last touch: the start of its latest done
    activity. One UPDATE … FROM (grouped subquery) each; SQLite (3.33+) and PostgreSQL share it."""
    from django.db import connection

    from kam.activities.models import Activity
    from kam.customers.models import Customer
    from kam.opportunities.models import Opportunity
    from kam.relationships.models import Contact

    activity = Activity._meta.db_table
    through = Activity.contacts.through._meta.db_table
    statements = [
        (
            Customer._meta.db_table,
            f"SELECT customer_id AS id, MAX(start) AS touch FROM {activity} WHERE status = 'done' "
            "GROUP BY customer_id",
        ),
        (
            Opportunity._meta.db_table,
            f"SELECT opportunity_id AS id, MAX(start) AS touch FROM {activity} "
            "WHERE status = 'done' AND opportunity_id IS NOT NULL GROUP BY opportunity_id",
        ),
        (
            Contact._meta.db_table,
            f"SELECT c.contact_id AS id, MAX(a.start) AS touch FROM {through} c "
            f"JOIN {activity} a ON a.id = c.activity_id WHERE a.status = 'done' GROUP BY c.contact_id",
        ),
    ]
    with connection.cursor() as cursor:
        for table, latest in statements:
            cursor.execute(
                f"UPDATE {table} SET last_touch_at = latest.touch FROM ({latest}) AS latest "
                f"WHERE {table}.id = latest.id"
            )


def build_activities(
    *, seed: int = DEFAULT_SEED, today: dt.date | None = None, log: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Write the activities of the benchmark opportunities already in the database."""
    from django.utils import timezone

    return ActivityGenerator(
        seed=seed, today=today or timezone.localdate(), log=log or (lambda message: None)
    ).run()


def ensure_activities(*, seed: int = DEFAULT_SEED, log: Callable[[str], None] | None = None) -> int:
    """Activities for a data set generated before there were any. Idempotent: once there are
    activities, nothing is added. Returns the number of activities written now."""
    from kam.activities.models import Activity

    if Activity.objects.exists():
        return 0
    started = time.perf_counter()
    counts = build_activities(seed=seed, log=log)
    if log:
        log(f"  {counts.get('activities', 0):,} activities: {time.perf_counter() - started:.1f} s")
    return counts.get("activities", 0)


def generate(
    opportunities: int = DEFAULT_OPPORTUNITIES,
    *,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    log: Callable[[str], None] | None = None,
    closed_only: bool = False,
    activities: bool = True,
) -> dict[str, int]:
    """Write the benchmark world into the current database; returns the row counts written.
    `closed_only`: every deal closed (the learning benchmark's history); `activities`: False
    leaves the ten activities per deal out."""
    return Generator(
        opportunities, seed=seed, today=today, log=log, closed_only=closed_only, activities=activities
    ).run()


SNAPSHOT_EVERY_DAYS = 91
SNAPSHOTS = 8


def ensure_snapshots(
    every_days: int = SNAPSHOT_EVERY_DAYS,
    count: int = SNAPSHOTS,
    *,
    today: dt.date | None = None,
    log: Callable[[str], None] | None = None,
) -> int:
    """Past pipeline snapshots of the benchmark deals, one every `every_days` days back from
    today, as the weekly review would have taken them: each deal open at the moment, in the stage
    of its last move by then. One INSERT … SELECT per snapshot (SQLite and PostgreSQL alike).
    Idempotent: with snapshots present nothing is added. Returns the rows written."""
    from django.db import connection, transaction
    from django.utils import timezone

    from kam.insights.models import Snapshot, SnapshotRow
    from kam.opportunities.models import Opportunity, Stage, StageChange
    from kam.org.models import User

    if Snapshot.objects.exists():
        return 0
    started = time.perf_counter()
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    director = User.objects.filter(username=f"{PREFIX}_director").first()
    row, opp, stage, change, user = (
        SnapshotRow._meta.db_table,
        Opportunity._meta.db_table,
        Stage._meta.db_table,
        StageChange._meta.db_table,
        User._meta.db_table,
    )
    statement = (
        f"INSERT INTO {row} (snapshot_id, opportunity_id, project_number, name, owner_id, team_id, "
        "customer_id, stage_id, stage_order, probability, status, amount, sign_date, forecast_category, "
        "product_line) "
        f"SELECT %s, o.id, o.project_number, o.name, o.owner_id, u.team_id, o.customer_id, s.id, "
        "s.\"order\", s.probability, 'open', COALESCE(o.amount, (o.amount_low + o.amount_high) / 2), "
        "o.sign_date, CASE WHEN o.forecast_category <> '' THEN o.forecast_category "
        "ELSE s.forecast_category END, o.product_line "
        f"FROM {opp} o JOIN {user} u ON u.id = o.owner_id JOIN {stage} s ON s.id = ("
        f"SELECT c.to_stage_id FROM {change} c WHERE c.opportunity_id = o.id AND c.changed_at <= %s "
        "ORDER BY c.changed_at DESC, c.id DESC LIMIT 1) "
        "WHERE o.created_at <= %s AND (o.closed_at IS NULL OR o.closed_at > %s)"
    )
    written = 0
    for back in range(count, 0, -1):
        moment = dt.datetime.combine(today - dt.timedelta(days=every_days * back), dt.time(8, 30), tzinfo=tz)
        with transaction.atomic():
            snapshot = Snapshot.objects.create(taken_at=moment, taken_by=director, note=f"{PREFIX} snapshot")
            value = connection.ops.adapt_datetimefield_value(moment)
            with connection.cursor() as cursor:
                cursor.execute(statement, [snapshot.pk, value, value, value])
                written += cursor.rowcount
    if log:
        log(f"  {count} snapshots, {written:,} rows: {time.perf_counter() - started:.1f} s")
    return written


SCORING_CUSTOMERS = 50_000


def ensure_scoring_world(
    customers: int = SCORING_CUSTOMERS, *, seed: int = DEFAULT_SEED, log: Callable[[str], None] | None = None
) -> int:
    """Top the customers up to `customers` (the scoring benchmark's size) and give every customer
    the scoring inputs a real book has: annual category purchases and, for most, hand-judged static
    criteria. Idempotent: a second call adds nothing. Returns the number of customers."""
    from django.db import transaction

    from kam.customers.models import CriterionKind, Customer, CustomerCriterionValue, ScoringCriterion
    from kam.org.models import Role, User

    rng = random.Random(seed + 5)
    present = Customer.objects.count()
    owners = list(User.objects.filter(role=Role.REP).values_list("id", flat=True))
    if present < customers and owners:
        started = time.perf_counter()
        with transaction.atomic():
            Customer.objects.bulk_create(
                (
                    Customer(
                        name=f"{PREFIX} scored customer {i:06d}",
                        owner_id=rng.choice(owners),
                        industry=rng.choice(INDUSTRIES),
                        region=rng.choice(REGIONS),
                    )
                    for i in range(present, customers)
                ),
                batch_size=BATCH,
            )
        if log:
            log(f"  {customers - present:,} more customers: {time.perf_counter() - started:.1f} s")
    if not CustomerCriterionValue.objects.exists():
        started = time.perf_counter()
        criteria = [
            (c.pk, list(c.bands.values_list("id", flat=True)))
            for c in ScoringCriterion.objects.filter(scoring_model__is_active=True, kind=CriterionKind.STATIC)
        ]
        ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
        with transaction.atomic():
            values = [
                CustomerCriterionValue(
                    customer_id=customer_id, criterion_id=criterion_id, band_id=rng.choice(bands)
                )
                for customer_id in ids
                for criterion_id, bands in criteria
                if bands and rng.random() < 0.7
            ]
            CustomerCriterionValue.objects.bulk_create(values, batch_size=BATCH)
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                Customer.objects.filter(pk__in=chunk).update(
                    category_purchases=Decimal(rng.randrange(1, 500)) * Decimal("100000")
                )
        if log:
            log(f"  scoring inputs ({len(values):,} static values): {time.perf_counter() - started:.1f} s")
    return Customer.objects.count()


RECEIVABLE_CONTRACTS = 100_000
CONTRACT_PREFIX = "BMC-"


def ensure_receivables(
    contracts: int = RECEIVABLE_CONTRACTS,
    *,
    seed: int = DEFAULT_SEED,
    log: Callable[[str], None] | None = None,
) -> int:
    """Signed contracts over the existing customers (by their owners), four instalments each
    (30/30/30/10 % due from 400 days ago to 300 days ahead; of those due, ~70 % paid in full, ~15 %
    in part, the rest not at all): the receivables aging scenario's data. Contracts numbered
    `BMC-0000001` …; a set of another size is replaced. Returns how many contracts it wrote."""
    from django.db import transaction

    from kam.customers.models import Customer
    from kam.delivery.models import Contract, ContractStatus, Instalment

    present = Contract.objects.filter(number__startswith=CONTRACT_PREFIX).count()
    if present == contracts:
        return 0
    started = time.perf_counter()
    Contract.objects.filter(number__startswith=CONTRACT_PREFIX).delete()
    rng = random.Random(seed + 16)
    today = dt.date.today()
    customers = list(Customer.objects.filter(owner__isnull=False).values_list("id", "owner_id"))
    if not customers:
        return 0
    statuses = [ContractStatus.IN_FORCE] * 8 + [ContractStatus.COMPLETED, ContractStatus.SIGNED]
    shares = (Decimal("0.3"), Decimal("0.3"), Decimal("0.3"), Decimal("0.1"))
    for start in range(0, contracts, BATCH):
        size = min(BATCH, contracts - start)
        rows = []
        for i in range(start, start + size):
            customer_id, owner_id = rng.choice(customers)
            sign = today - dt.timedelta(days=rng.randrange(0, 700))
            rows.append(
                Contract(
                    number=f"{CONTRACT_PREFIX}{i + 1:07d}",
                    customer_id=customer_id,
                    owner_id=owner_id,
                    created_by_id=owner_id,
                    title=f"{PREFIX} contract {i + 1}",
                    amount=Decimal(rng.randrange(10, 5_000)) * Decimal("1000"),
                    sign_date=sign,
                    status=rng.choice(statuses),
                )
            )
        with transaction.atomic():
            Contract.objects.bulk_create(rows, batch_size=BATCH)
            ids = dict(
                Contract.objects.filter(number__in=[c.number for c in rows]).values_list("number", "id")
            )
            instalments = []
            for contract in rows:
                first_due = today + dt.timedelta(days=rng.randrange(-400, 120))
                for order, share in enumerate(shares, start=1):
                    due = first_due + dt.timedelta(days=60 * (order - 1))
                    amount = (contract.amount * share).quantize(Decimal("0.01"))
                    received, paid_on = Decimal("0"), None
                    if due < today:
                        roll = rng.random()
                        if roll < 0.7:
                            received, paid_on = amount, due + dt.timedelta(days=rng.randrange(-10, 40))
                        elif roll < 0.85:
                            received = (amount * Decimal(rng.randrange(10, 90)) / 100).quantize(
                                Decimal("0.01")
                            )
                    instalments.append(
                        Instalment(
                            contract_id=ids[contract.number],
                            order=order,
                            name=f"Instalment {order}",
                            amount=amount,
                            percentage=share * 100,
                            due_date=due,
                            received=received,
                            paid_on=paid_on,
                        )
                    )
            Instalment.objects.bulk_create(instalments, batch_size=BATCH)
    if log:
        log(
            f"  {contracts:,} contracts, {contracts * 4:,} instalments: {time.perf_counter() - started:.1f} s"
        )
    return contracts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=DEFAULT_OPPORTUNITIES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    generate(args.opportunities, seed=args.seed, log=print)


if __name__ == "__main__":
    main()
