"""Portfolio shape per rep and team, and the priority matrix of open opportunities.

Portfolio shape (DOMAIN.md section 6), on the open opportunities of the default sales process,
counted per stage in one grouped query. With the thresholds of PortfolioPolicy:

    n      = open opportunities;  early = those at stage order ≤ early_max_order;
    late   = those at stage order ≥ late_min_order;  shares in % of n.
    n < min_open                                          → few and unstable
    early share ≥ min_share and late share ≥ min_share    → mature and balanced
    late share ≥ min_share, early share < min_share       → follow-up only, no reserve
    early share ≥ min_share, late share < min_share       → development only or new
    both below min_share (the middle stages hold the rest) → stuck in the middle

A team reads the same way on its members' opportunities, with min_open multiplied by the number of
its reps (a team of four needs four reps' worth of opportunities).

The counts and amounts come from the pipeline rollup (open cells of the process by owner or owner's
team × stage): every row is a person or team whose deals the viewer sees in full, so the rollup
answers for everyone who sees anything.

Priority matrix (DOMAIN.md section 6): value = the expected amount; likelihood =
stage probability × (0.5 + 0.5 × relationship score / 100), so a deal with its decision chain fully
covered keeps its stage probability and one with none of it covered counts half. Quadrants split at
a value threshold (the median value, or one the user gives) and at 50 % likelihood; a point on a line
belongs to the upper side.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.access.visibility import opportunities_for
from kam.insights.forecast.rollup import money
from kam.insights.models import PortfolioPolicy
from kam.opportunities.models import (
    Opportunity,
    OpportunityContact,
    OpportunityStatus,
    Stage,
    StageRollup,
)
from kam.opportunities.selectors import (
    EXPECTED_AMOUNT,
    PipelineFilters,
    apply_filters,
    company_level_subquery,
    rollup_visibility,
)
from kam.opportunities.services import default_process
from kam.org.models import Role, Team, User
from kam.org.visibility import managed_team_ids, visible_users
from kam.relationships.scoring import Requirements, entries_from_prefetch, evaluate

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# --- portfolio shape ---------------------------------------------------------------------------

DIAGNOSES: dict[str, Any] = {
    "few": gettext_lazy("Few and unstable"),
    "follow_up_only": gettext_lazy("Follow-up only, no reserve"),
    "development_only": gettext_lazy("Development only or new"),
    "balanced": gettext_lazy("Mature and balanced"),
    "middle": gettext_lazy("Stuck in the middle"),
}


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass
class Diagnosis:
    code: str
    open_count: int
    early: int
    late: int
    early_share: int
    late_share: int
    reasoning: str

    @property
    def label(self) -> str:
        return str(DIAGNOSES[self.code])


def diagnose(
    counts_by_order: dict[int, int], policy: PortfolioPolicy, min_open: int | None = None
) -> Diagnosis:
    """The shape of one portfolio from its open count per stage order, with the reasoning in words."""
    min_open = policy.min_open if min_open is None else min_open
    n = sum(counts_by_order.values())
    early = sum(c for order, c in counts_by_order.items() if order <= policy.early_max_order)
    late = sum(c for order, c in counts_by_order.items() if order >= policy.late_min_order)
    early_share, late_share = _pct(early, n), _pct(late, n)
    facts = _(
        "%(early)s of %(n)s opportunities (%(early_share)s %%) are early, %(late)s (%(late_share)s %%) late"
    ) % {"early": early, "n": n, "early_share": early_share, "late": late, "late_share": late_share}
    words = {"min_share": policy.min_share, "min_open": min_open, "n": n}
    if n < min_open:
        code = "few"
        reason = _("%(n)s open, fewer than the %(min_open)s needed to sustain the target") % words
        facts = reason if n == 0 else f"{facts}: {reason}"
        return Diagnosis(code, n, early, late, early_share, late_share, facts + ".")
    # Exact comparisons: the shown percentages are rounded, the thresholds are not.
    early_ok = 100 * early >= policy.min_share * n
    late_ok = 100 * late >= policy.min_share * n
    if early_ok and late_ok:
        code = "balanced"
        reason = (
            _("both reach %(min_share)s %%, so there is work to close now and a reserve behind it") % words
        )
    elif late_ok:
        code = "follow_up_only"
        reason = _("early stages are below %(min_share)s %%: little reserve once the late ones close") % words
    elif early_ok:
        code = "development_only"
        reason = _("late stages are below %(min_share)s %%: little will close soon") % words
    else:
        code = "middle"
        reason = (
            _("neither early nor late stages reach %(min_share)s %%: the middle stages hold the rest") % words
        )
    return Diagnosis(code, n, early, late, early_share, late_share, f"{facts}: {reason}.")


@dataclass
class ShapeRow:
    key: int
    name: str
    counts: dict[int, int]  # stage id → open count
    amounts: dict[int, Decimal]  # stage id → expected amount
    diagnosis: Diagnosis
    url: str = ""

    @property
    def total_count(self) -> int:
        return sum(self.counts.values())

    @property
    def total_amount(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


@dataclass
class PortfolioShape:
    stages: list[Stage]
    policy: PortfolioPolicy
    reps: list[ShapeRow] = field(default_factory=list)
    teams: list[ShapeRow] = field(default_factory=list)

    def cells(self, row: ShapeRow) -> list[dict[str, Any]]:
        return [
            {"count": row.counts.get(s.pk, 0), "amount": row.amounts.get(s.pk, ZERO)} for s in self.stages
        ]


Grouped = tuple[dict[Any, dict[int, int]], dict[Any, dict[int, Decimal]]]


def _grouped(qs: QuerySet, key: str) -> Grouped:
    counts: dict[Any, dict[int, int]] = {}
    amounts: dict[Any, dict[int, Decimal]] = {}
    if qs.model is StageRollup:
        rows = qs.values(key, "stage_id").annotate(n=Sum("count"), total=Sum("amount_milli")).order_by()
        for row in rows:
            if row["n"]:  # a cell emptied by later writes is no opportunity
                counts.setdefault(row[key], {})[row["stage_id"]] = int(row["n"])
                amounts.setdefault(row[key], {})[row["stage_id"]] = money(row["total"]).quantize(CENT)
        return counts, amounts
    for row in qs.values(key, "stage_id").annotate(n=Count("id"), total=Sum(EXPECTED_AMOUNT)).order_by():
        counts.setdefault(row[key], {})[row["stage_id"]] = row["n"]
        amounts.setdefault(row[key], {})[row["stage_id"]] = (row["total"] or ZERO).quantize(CENT)
    return counts, amounts


def _open_pipeline(user: User, process: Any, *, use_rollup: bool) -> QuerySet:
    """The open pipeline of the process the shape counts: the rollup's cells of the owners the user
    sees, or the opportunities the user sees.

    The rollup leaves out the deals a rep or manager sees only through a deal team, which is right
    here: every row of the shape is a person the user sees (or a team they manage), and all of
    that person's or team's deals are visible to them."""
    visibility = rollup_visibility(user) if use_rollup else None
    if visibility is not None:
        visible, _elsewhere = visibility
        return StageRollup.objects.filter(visible, status=OpportunityStatus.OPEN, process=process)
    return opportunities_for(
        user, Opportunity.objects.filter(status=OpportunityStatus.OPEN, stage__process=process)
    )


def portfolio_shape(user: User, team_id: int | None = None, *, use_rollup: bool = True) -> PortfolioShape:
    """Per rep (the people the user may see) and per team (the teams a manager runs, or all for a
    director): open count and amount per stage of the default process, and the diagnosis."""
    policy = PortfolioPolicy.current()
    process = default_process()
    stages = [s for s in Stage.objects.filter(process=process).order_by("order") if not s.is_lost]
    order_of = {s.pk: s.order for s in stages}
    open_qs = _open_pipeline(user, process, use_rollup=use_rollup)
    people = visible_users(user).select_related("team")
    if team_id is not None:
        open_qs = open_qs.filter(owner__team_id=team_id)
        people = people.filter(team_id=team_id)

    rep_counts, rep_amounts = _grouped(open_qs, "owner_id")
    shape = PortfolioShape(stages=stages, policy=policy)
    for person in people.order_by("team__name", "name", "username"):
        if person.role != Role.REP and person.pk not in rep_counts:
            continue
        counts = rep_counts.get(person.pk, {})
        by_order = {order_of[s]: c for s, c in counts.items() if s in order_of}
        shape.reps.append(
            ShapeRow(
                person.pk, str(person), counts, rep_amounts.get(person.pk, {}), diagnose(by_order, policy)
            )
        )

    # A rep gets no team rows: a team's figures include colleagues' opportunities.
    teams = Team.objects.all() if user.sees_everything else Team.objects.filter(pk__in=managed_team_ids(user))
    if team_id is not None:
        teams = teams.filter(pk=team_id)
    teams = teams.annotate(
        reps=Count("members", filter=Q(members__role=Role.REP, members__is_active=True))
    ).order_by("name")
    team_list = list(teams)
    if team_list:
        team_counts, team_amounts = _grouped(
            open_qs.filter(owner__team_id__in=[t.pk for t in team_list]), "owner__team_id"
        )
        for team in team_list:
            counts = team_counts.get(team.pk, {})
            if not counts and not team.reps:
                continue
            by_order = {order_of[s]: c for s, c in counts.items() if s in order_of}
            needed = policy.min_open * max(1, team.reps)
            shape.teams.append(
                ShapeRow(
                    team.pk,
                    team.name,
                    counts,
                    team_amounts.get(team.pk, {}),
                    diagnose(by_order, policy, needed),
                )
            )
    return shape


def visible_team(user: User, team_id: int) -> Team | None:
    """The team if the user may look at its portfolio (a director any, a manager their subtree)."""
    if not user.sees_everything and team_id not in managed_team_ids(user):
        return None
    return Team.objects.filter(pk=team_id).first()


# --- priority matrix ---------------------------------------------------------------------------

QUADRANTS: dict[str, Any] = {
    "act_now": gettext_lazy("Act now"),
    "go_after": gettext_lazy("Go after it"),
    "take_when_comes": gettext_lazy("Take when it comes"),
    "shelve": gettext_lazy("Shelve"),
}
QUADRANT_ORDER = ("act_now", "go_after", "take_when_comes", "shelve")
LIKELIHOOD_THRESHOLD = Decimal(50)
# The chart shows at most this many points (the largest by value); the counts cover all.
MATRIX_LIMIT = 1000
# A value axis wider than this ratio (max ÷ min) is drawn on a log scale.
LOG_SCALE_RATIO = 100


def likelihood(probability: int, score: int) -> Decimal:
    """Stage probability adjusted by the relationship score (0–100), in %, one decimal."""
    return (Decimal(probability) * (Decimal("0.5") + Decimal(score) / Decimal(200))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def quadrant(value: Decimal, chance: Decimal, value_threshold: Decimal) -> str:
    high_value = value >= value_threshold
    likely = chance >= LIKELIHOOD_THRESHOLD
    if high_value:
        return "act_now" if likely else "go_after"
    return "take_when_comes" if likely else "shelve"


@dataclass
class MatrixPoint:
    id: int
    number: str
    name: str
    owner: str
    customer: str
    stage: str
    probability: int
    score: int
    value: Decimal
    likelihood: Decimal
    quadrant: str
    url: str


@dataclass
class Matrix:
    points: list[MatrixPoint]
    value_threshold: Decimal
    threshold_is_median: bool
    likelihood_threshold: Decimal
    log_scale: bool
    total: int  # open opportunities with an amount
    without_amount: int

    def by_quadrant(self) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "label": str(QUADRANTS[key]),
                "points": [p for p in self.points if p.quadrant == key],
            }
            for key in QUADRANT_ORDER
        ]


def priority_matrix(
    user: User, filters: PipelineFilters | None = None, value_threshold: Decimal | None = None
) -> Matrix:
    """Open opportunities the user may see on value × likelihood, in a fixed number of queries."""
    qs = opportunities_for(user, Opportunity.objects.filter(status=OpportunityStatus.OPEN))
    if filters is not None:
        qs = apply_filters(qs, filters)
    qs = qs.annotate(value=EXPECTED_AMOUNT)
    counts = qs.aggregate(total=Count("id", filter=_has_value()), all=Count("id"))
    rows = list(
        qs.filter(_has_value())
        .select_related("owner", "customer", "stage")
        .prefetch_related(
            Prefetch(
                "contact_roles",
                queryset=OpportunityContact.objects.select_related("contact").annotate(
                    company_level=company_level_subquery()
                ),
                to_attr="chain",
            )
        )
        .order_by("-value", "id")[:MATRIX_LIMIT]
    )
    requirements = Requirements()
    values = [row.value for row in rows]  # type: ignore[attr-defined]
    median = Decimal(statistics.median(values)).quantize(Decimal("0.01")) if values else ZERO
    threshold = value_threshold if value_threshold is not None else median
    url = reverse("opportunities:detail", args=[0])[:-2]
    points = []
    for row in rows:
        score = evaluate(row.stage, entries_from_prefetch(row.chain), requirements).score  # type: ignore[attr-defined]
        chance = likelihood(row.stage.probability, score)
        value = row.value  # type: ignore[attr-defined]
        points.append(
            MatrixPoint(
                id=row.pk,
                number=row.project_number,
                name=row.name,
                owner=str(row.owner),
                customer=str(row.customer),
                stage=row.stage.code,
                probability=row.stage.probability,
                score=score,
                value=value,
                likelihood=chance,
                quadrant=quadrant(value, chance, threshold),
                url=f"{url}{row.pk}/",
            )
        )
    positive = [v for v in values if v > 0]
    log_scale = (
        bool(positive) and max(positive) / min(positive) > LOG_SCALE_RATIO and len(positive) == len(values)
    )
    return Matrix(
        points=points,
        value_threshold=threshold,
        threshold_is_median=value_threshold is None,
        likelihood_threshold=LIKELIHOOD_THRESHOLD,
        log_scale=log_scale,
        total=counts["total"] or 0,
        without_amount=(counts["all"] or 0) - (counts["total"] or 0),
    )


def _has_value() -> Q:
    return Q(amount__isnull=False) | (Q(amount_low__isnull=False) & Q(amount_high__isnull=False))
