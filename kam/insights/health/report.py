"""The Health page and its API: flagged open opportunities in scope, counted and listed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)

from kam.access.visibility import get_visible_opportunity, opportunities_for
from kam.core.ids import parse_id
from kam.insights.health.rules import REGISTRY, SEVERITY_ORDER, Flag
from kam.insights.health.stored import StoredFlags
from kam.insights.models import FlaggedOpportunity, HealthRule, HealthTally, StoredFlag
from kam.opportunities.models import (
    Opportunity,
    OpportunityStatus,
    Stage,
)
from kam.org.models import User
from kam.org.visibility import team_subtree_ids


def stage_label(stage: Stage) -> str:
    return f"{stage.code} {stage.display_name}"


# --- the Health page and API ------------------------------------------------------------------


@dataclass
class HealthFilters:
    rule: str | None = None
    severity: str | None = None
    owner: int | None = None
    team: int | None = None

    @classmethod
    def from_mapping(cls, data: Any) -> HealthFilters:
        """Lenient parse of query parameters: an unknown value is ignored, not a 500."""

        def as_int(name: str) -> int | None:
            return parse_id(data.get(name))

        rule = data.get("rule") or None
        severity = data.get("severity") or None
        return cls(
            rule=rule if rule in REGISTRY else None,
            severity=severity if severity in SEVERITY_ORDER else None,
            owner=as_int("owner"),
            team=as_int("team"),
        )


def _scoped_open(user: User, filters: HealthFilters) -> QuerySet:

    qs = opportunities_for(user, Opportunity.objects.filter(status=OpportunityStatus.OPEN))
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.team:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([filters.team]))
    return qs


def _owners(filters: HealthFilters) -> QuerySet:
    """The owners a director's filter selects (everyone, one owner, or the team subtree's members)."""
    users = User.objects.all()
    if filters.owner:
        users = users.filter(pk=filters.owner)
    if filters.team:
        users = users.filter(team_id__in=team_subtree_ids([filters.team]))
    return users.values("pk")


def health_report(
    user: User,
    filters: HealthFilters,
    *,
    offset: int = 0,
    limit: int = 50,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Flagged open opportunities the user may see, from the stored flags: counts by rule and by
    owner (SQL aggregates over StoredFlag and the rank column) and one page of the flagged list
    with every flag of each row, in a fixed number of queries. No rule runs here."""
    rules = list(HealthRule.objects.filter(active=True, code__in=list(REGISTRY)))
    reader = StoredFlags(now)
    base = _scoped_open(user, filters)
    # Which rules decide that a row is listed: the chosen rule and/or severity, else all.
    chosen = [r for r in rules if (not filters.rule or r.code == filters.rule)]
    chosen = [r for r in chosen if (not filters.severity or r.severity == filters.severity)]
    by_rule: list[dict[str, Any]] = []
    by_owner: list[dict[str, Any]] = []
    items: list[Opportunity] = []
    count = 0
    if chosen:
        everything = user.sees_everything and not filters.owner and not filters.team
        flagged = FlaggedOpportunity.objects.all()
        if filters.owner:
            flagged = flagged.filter(owner_id=filters.owner)
        if not everything:
            # Only open deals have a row, so "everything" needs no join; anything narrower does.
            flagged = flagged.filter(opportunity_id__in=base.values("pk"))
        if filters.rule or filters.severity:
            flagged = flagged.filter(
                Exists(
                    StoredFlag.objects.filter(
                        opportunity_id=OuterRef("opportunity_id"), rule_id__in=[r.pk for r in chosen]
                    )
                )
            )
        chosen_ids = [r.pk for r in chosen]
        # A director's counts (whole company, one owner, or a team's owners) are the kept tallies;
        # anyone else's scope includes deal-team memberships, so their rows are counted.
        tallies = HealthTally.objects.filter(owner__in=_owners(filters)) if user.sees_everything else None
        if tallies is not None:
            counts = dict(
                tallies.filter(rule__in=chosen_ids)
                .values("rule")
                .annotate(n=Sum("count"))
                .values_list("rule", "n")
            )
        else:
            flags = StoredFlag.objects.filter(rule_id__in=chosen_ids, opportunity_id__in=base.values("pk"))
            counts = dict(
                flags.values("rule_id").annotate(n=Count("pk")).order_by().values_list("rule_id", "n")
            )
        by_rule = [
            {"code": r.code, "name": r.display_name, "severity": r.severity, "count": counts.get(r.pk, 0)}
            for r in chosen
        ]
        owners: list[dict[str, Any]]
        if tallies is not None and not (filters.rule or filters.severity):
            per_owner: dict[int, dict[str, int]] = {}
            for owner_id, rank, n in tallies.filter(rule=0, count__gt=0).values_list(
                "owner_id", "rank", "count"
            ):
                row = per_owner.setdefault(
                    owner_id, {"owner_id": owner_id, "flagged": 0, "critical": 0, "warn": 0, "info": 0}
                )
                row["flagged"] += n
                row[{3: "critical", 2: "warn", 1: "info"}[rank]] += n
            owners = list(per_owner.values())
        else:
            owners = [
                dict(row)
                for row in flagged.values("owner_id")
                .annotate(
                    flagged=Count("pk"),
                    critical=Count("pk", filter=Q(rank=3)),
                    warn=Count("pk", filter=Q(rank=2)),
                    info=Count("pk", filter=Q(rank=1)),
                )
                .order_by()
            ]
        names = {
            u.pk: u.name or u.username
            for u in User.objects.filter(pk__in=[row["owner_id"] for row in owners]).only("name", "username")
        }
        by_owner = sorted(
            (
                {
                    "owner_id": row["owner_id"],
                    "owner": names.get(row["owner_id"], ""),
                    "flagged": row["flagged"],
                    "critical": row["critical"],
                    "warn": row["warn"],
                    "info": row["info"],
                }
                for row in owners
            ),
            key=lambda row: (-row["critical"], -row["warn"], -row["flagged"], row["owner"]),
        )
        count = sum(row["flagged"] for row in owners)
        if count:
            # Worst first, then by sign date (none last): the order of flagged_list_idx; ids first,
            # then the page's rows.
            ids = list(
                flagged.order_by("-rank", "sort_date", "opportunity_id").values_list(
                    "opportunity_id", flat=True
                )[offset : offset + limit]
            )
            rows = (
                Opportunity.objects.filter(pk__in=ids).select_related("customer", "owner", "stage").in_bulk()
            )
            items = reader.attach([rows[pk] for pk in ids if pk in rows])
    return {
        "rules": rules,
        "by_rule": by_rule,
        "by_owner": by_owner,
        "count": count,
        "items": items,
        "offset": offset,
        "limit": limit,
    }


def opportunity_health(
    user: User, pk: int, *, now: dt.datetime | None = None
) -> tuple[Opportunity, list[Flag]]:
    """One opportunity the user may see (404 otherwise) and its flags."""
    opportunity = get_visible_opportunity(
        user, pk, queryset=Opportunity.objects.select_related("stage", "owner", "customer")
    )
    return opportunity, StoredFlags(now).flags_for([opportunity]).get(opportunity.pk, [])
