"""The workbench (工作台): the figures a person starts the day with, per role, each a link to the
list behind it, and today's to-dos.

A rep sees their own work ("mine": the deals and activities they own, the customers they own); a
manager, a director or an administrator sees their team's ("team": everything they may see, which
kam.access.visibility narrows to the managed subtree for a manager). Every figure is one aggregate
statement over the existing selectors (the pipeline totals read the rollups where they can answer),
so the page costs a fixed number of statements whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import activities_for, customers_for, opportunities_for, targets_for
from kam.activities.models import Activity, ActivityStatus
from kam.activities.policy.selectors import under_visited
from kam.core.periods import quarter_bounds, quarter_label
from kam.customers.models import Customer, CustomerStatus, Segment
from kam.notifications import selectors as inbox
from kam.notifications.texts import title_for_reader
from kam.opportunities.models import Opportunity, OpportunityChange, OpportunityStatus, StageChange
from kam.opportunities.selectors import PipelineFilters, pipeline_totals
from kam.org.models import Role, Team, User
from kam.planning.approvals import selectors as approvals

# A next step this many days overdue has gone stale: the to-do list stops carrying it.
NEXT_STEP_OVERDUE_DAYS = 14
# A key account nobody of ours has touched (a done activity) for this many days needs a visit.
QUIET_DAYS = 30
TODO_ROWS = 10
REMINDER_ROWS = 5
LIST_ROWS = 200

MINE = "mine"
TEAM = "team"


def view_of(user: User) -> str:
    """Which figures the workbench shows: a rep their own, everyone who leads people their team's."""
    return MINE if user.role == Role.REP else TEAM


def _url(name: str, **params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _cents(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


@dataclass
class Tile:
    key: str
    title: str
    url: str
    count: int = 0
    amount: Decimal | None = None
    weighted: Decimal | None = None
    target: Decimal | None = None
    # What the tile says when its figure is zero: what to do about it, not a bare 0.
    empty_text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.count and not self.amount

    @property
    def attainment(self) -> int | None:
        """Won against target, in whole percent; None without a target."""
        if not self.target:
            return None
        return int((Decimal(self.amount or 0) * 100 / self.target).to_integral_value())


@dataclass
class NextStep:
    activity_id: int
    text: str
    due: dt.date
    overdue: bool
    customer_name: str
    opportunity_id: int | None
    opportunity_name: str | None
    url: str


@dataclass
class Reminder:
    """One of the latest notifications of the user's inbox, titled in the reader's language."""

    title: str
    kind: str
    created_at: dt.datetime
    unread: bool
    url: str


@dataclass
class Workbench:
    view: str
    today: dt.date
    quarter: str
    tiles: list[Tile]
    next_steps: list[NextStep] = field(default_factory=list)
    approvals: list[Any] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        """Nothing at all yet (a new rep): the page explains where to start instead of zeros."""
        return all(tile.is_empty for tile in self.tiles)

    def tile(self, key: str) -> Tile:
        return next(t for t in self.tiles if t.key == key)


# --- the scope ------------------------------------------------------------------------------------


def _owner(user: User, view: str) -> int | None:
    return user.pk if view == MINE else None


def _scoped_activities(user: User, view: str) -> QuerySet[Activity]:
    qs = activities_for(user, Activity.objects.all())
    return qs.filter(owner_id=user.pk) if view == MINE else qs


def _scoped_customers(user: User, view: str) -> QuerySet[Customer]:
    qs = customers_for(user, Customer.objects.filter(in_pool=False))
    return qs.filter(owner_id=user.pk) if view == MINE else qs


def quarter_of(today: dt.date) -> tuple[str, dt.date, dt.date]:
    label = quarter_label(today)
    return label, *quarter_bounds(today.year, (today.month - 1) // 3 + 1)


def week_start(today: dt.date) -> dt.datetime:
    """Monday 00:00 of this week, local time (weeks start on Monday)."""
    monday = today - dt.timedelta(days=today.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time.min))


# --- the figures ----------------------------------------------------------------------------------


def target_for(user: User, view: str, start: dt.date, end: dt.date) -> Decimal | None:
    """The target of the quarter: a rep's own; for a team view the targets of the teams the user
    leads (a manager's own teams, a director's top-level teams), never a team and its sub-teams
    twice. One statement; None when no target is set."""
    qs = targets_for(user).filter(period_start__gte=start, period_end__lte=end)
    if view == MINE:
        qs = qs.filter(user_id=user.pk)
    elif user.sees_everything:
        qs = qs.filter(team__parent__isnull=True, team__isnull=False)
    else:
        led = Team.objects.filter(manager=user).values("pk")
        qs = qs.filter(Q(team_id__in=led) | Q(team_id=user.team_id, team__manager__isnull=True))
    total = qs.aggregate(total=Sum("amount"))["total"]
    return None if total is None else _cents(total)


def next_steps_due(user: User, view: str, today: dt.date) -> QuerySet[Activity]:
    """Next steps (of activities, on deals or customers) due today or overdue by at most
    NEXT_STEP_OVERDUE_DAYS, earliest first."""
    return (
        _scoped_activities(user, view)
        .exclude(next_step="")
        .exclude(status=ActivityStatus.CANCELLED)
        .filter(
            next_step_due__gte=today - dt.timedelta(days=NEXT_STEP_OVERDUE_DAYS), next_step_due__lte=today
        )
        .order_by("next_step_due", "id")
    )


def _changed_ids(since: dt.datetime) -> tuple[QuerySet, QuerySet]:
    """(moved, slipped): the ids of the deals that changed stage, or had their sign date moved
    later, since `since`, read from the histories by date: a week's changes, not every open deal
    probed for its history (1.3 s at a million deals)."""
    # A deal's creation is recorded as a change from no stage: new is not moved.
    moved = StageChange.objects.filter(changed_at__gte=since, from_stage__isnull=False).values(
        "opportunity_id"
    )
    # Dates are kept as YYYY-MM-DD text in the history: later reads greater.
    slipped = (
        OpportunityChange.objects.filter(field="sign_date", changed_at__gte=since)
        .exclude(old_value="")
        .filter(new_value__gt=F("old_value"))
        .values("opportunity_id")
    )
    return moved.order_by(), slipped.order_by()


def _open_deals(user: User) -> QuerySet[Opportunity]:
    """The open deals the user sees, visibility checked on each row a narrower condition finds
    (a manager's subtree, as for a page read in sort order) instead of gathering the 150,000 ids
    a regional manager sees first (360 ms at a million deals for a week's few thousand changed ones)."""
    return opportunities_for(
        user, Opportunity.objects.filter(status=OpportunityStatus.OPEN), in_sort_order=True
    )


def moved_or_slipped(user: User, since: dt.datetime) -> QuerySet[Opportunity]:
    """Open deals the user sees that changed stage, or whose sign date moved later, since `since`,
    each annotated with `moved` and `slipped`."""
    moved, slipped = _changed_ids(since)
    return (
        _open_deals(user)
        .filter(pk__in=moved.union(slipped))
        .annotate(moved=Exists(moved.filter(opportunity_id=OuterRef("pk"))))
        .annotate(slipped=Exists(slipped.filter(opportunity_id=OuterRef("pk"))))
    )


def changed_counts(user: User, since: dt.datetime) -> dict[str, int]:
    """How many of `moved_or_slipped`'s deals moved, slipped, and either: one statement over the
    changed deals only."""
    moved, slipped = _changed_ids(since)
    return (
        _open_deals(user)
        .filter(pk__in=moved.union(slipped))
        .aggregate(
            moved=Count("pk", filter=Q(pk__in=moved)),
            slipped=Count("pk", filter=Q(pk__in=slipped)),
            total=Count("pk"),
        )
    )


def quiet_key_accounts(user: User, view: str, now: dt.datetime) -> QuerySet[Customer]:
    """Key accounts (segment key, not lost) with no touch for QUIET_DAYS, never-touched first."""
    since = now - dt.timedelta(days=QUIET_DAYS)
    return (
        _scoped_customers(user, view)
        .filter(segment=Segment.KEY)
        .exclude(status=CustomerStatus.LOST)
        .filter(Q(last_touch_at__isnull=True) | Q(last_touch_at__lt=since))
        .order_by(F("last_touch_at").asc(nulls_first=True), "id")
    )


def _pipeline_tiles(user: User, view: str, quarter: tuple[str, dt.date, dt.date]) -> list[Tile]:
    owner = _owner(user, view)
    label, start, end = quarter
    open_totals = pipeline_totals(user, PipelineFilters(owner=owner, status=OpportunityStatus.OPEN))
    won_totals = pipeline_totals(
        user, PipelineFilters(owner=owner, status=OpportunityStatus.WON, sign_quarter=label)
    )
    flagged_totals = pipeline_totals(
        user, PipelineFilters(owner=owner, status=OpportunityStatus.OPEN, flagged=True)
    )
    mine = view == MINE
    return [
        Tile(
            key="open_pipeline",
            title=_("My open pipeline") if mine else _("Team's open pipeline"),
            url=_url("opportunities:pipeline", owner=owner, status=OpportunityStatus.OPEN),
            count=open_totals["count"],
            amount=open_totals["amount"],
            weighted=open_totals["weighted"],
            empty_text=_("No open opportunities yet: add the first one for a customer."),
        ),
        Tile(
            key="won_quarter",
            title=_("Won this quarter (%(quarter)s)") % {"quarter": label},
            url=_url("opportunities:pipeline", owner=owner, status=OpportunityStatus.WON, sign_quarter=label),
            count=won_totals["count"],
            amount=won_totals["amount"],
            target=target_for(user, view, start, end),
            empty_text=_("Nothing won this quarter yet."),
        ),
        Tile(
            key="flagged",
            title=_("Flagged deals"),
            url=_url("opportunities:pipeline", owner=owner, status=OpportunityStatus.OPEN, flagged=1),
            count=flagged_totals["count"],
            empty_text=_("No open deal is flagged by the health rules."),
        ),
    ]


def workbench(user: User, *, today: dt.date | None = None, now: dt.datetime | None = None) -> Workbench:
    """Every tile and to-do of the user's workbench."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    view = view_of(user)
    quarter = quarter_of(today)
    tiles = _pipeline_tiles(user, view, quarter)
    owner = _owner(user, view)

    due = next_steps_due(user, view, today)
    tiles.append(
        Tile(
            key="next_steps",
            title=_("Next steps due"),
            url=_url("workbench:next_steps"),
            count=due.count(),
            empty_text=_("No next step is due: write one on your next activity."),
        )
    )
    tiles.append(
        Tile(
            key="visits_due",
            title=_("Visits due"),
            url=_url("policy:under_visited", owner=owner),
            count=under_visited(user, owner=owner, today=today).count(),
            empty_text=_("Every customer is visited as its visit policy asks."),
        )
    )
    unread = inbox.unread_count(user)
    tiles.append(
        Tile(
            key="reminders",
            title=_("Unread reminders"),
            url=_url("notifications:inbox", state=inbox.UNREAD),
            count=unread,
            empty_text=_("Nothing new in your inbox."),
        )
    )
    waiting = approvals.awaiting(user)
    if view == TEAM:
        tiles.append(
            Tile(
                key="approvals",
                title=_("Approvals waiting for me"),
                url=_url("planning_approvals:awaiting"),
                count=waiting.count(),
                empty_text=_("Nothing waits for your approval."),
            )
        )
        changed = changed_counts(user, week_start(today))
        tiles.append(
            Tile(
                key="changed",
                title=_("Moved or slipped this week"),
                url=_url("workbench:changes"),
                count=changed["total"],
                empty_text=_("No deal moved stage or slipped its sign date this week."),
            )
        )
        tiles.append(
            Tile(
                key="quiet_accounts",
                title=_("Key accounts without a touch for %(days)s days") % {"days": QUIET_DAYS},
                url=_url("workbench:quiet_accounts"),
                count=quiet_key_accounts(user, view, now).count(),
                empty_text=_("Every key account was touched recently."),
            )
        )
    steps = [
        NextStep(
            activity_id=a.pk,
            text=a.next_step,
            due=a.next_step_due,
            overdue=a.next_step_due < today,
            customer_name=a.customer.name,
            opportunity_id=a.opportunity_id,
            opportunity_name=a.opportunity.name if a.opportunity else None,
            url=reverse("activities:detail", args=[a.pk]),
        )
        for a in due.select_related("customer", "opportunity")[:TODO_ROWS]
        if a.next_step_due is not None
    ]
    waiting_rows = list(waiting.select_related("flow", "current_step", "requested_by")[:TODO_ROWS])
    reminders = [
        Reminder(
            title=title_for_reader(n.kind, n.params, n.title, n.title_en),
            kind=n.get_kind_display(),
            created_at=n.created_at,
            unread=n.read_at is None,
            url=reverse("notifications:open", args=[n.pk]),
        )
        for n in inbox.inbox(user)[:REMINDER_ROWS]
    ]
    return Workbench(
        view=view,
        today=today,
        quarter=quarter[0],
        tiles=tiles,
        next_steps=steps,
        approvals=waiting_rows,
        reminders=reminders,
    )
