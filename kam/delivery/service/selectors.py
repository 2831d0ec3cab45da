"""Service request reads: the list with its filters and sort, the SLA state of a request, the top
bar's "SLA at risk" count, a customer's open requests, a request's history, and the SLA
attainment report per team and month (one aggregate statement)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from kam.access.visibility import service_requests_for
from kam.core.ids import parse_id
from kam.customers.models import Customer
from kam.delivery.models import DeliveryChange, Priority, ServiceRequest, ServiceStatus
from kam.delivery.service.services import OPEN_STATUSES, RECORD, breached_q, open_q
from kam.org.models import User

SORTS = {
    "number": ("number",),
    "opened": ("opened_at", "id"),
    "customer": ("customer__name", "id"),
    "priority": ("priority_rank", "id"),
    "status": ("status", "id"),
    "owner": ("owner__name", "owner__username", "id"),
    "due": ("resolution_due_at", "id"),
}
DEFAULT_SORT = "-opened"
SLA_FLAGS = ("breached", "at_risk", "escalated")
# The priorities' names with a context: "High" alone is already the influence level's word.
PRIORITY_LABELS: dict[str, Any] = {
    Priority.URGENT: pgettext_lazy("service priority", "Urgent"),
    Priority.HIGH: pgettext_lazy("service priority", "High"),
    Priority.NORMAL: pgettext_lazy("service priority", "Normal"),
    Priority.LOW: pgettext_lazy("service priority", "Low"),
}


def priority_label(value: str) -> str:
    return str(PRIORITY_LABELS.get(value, value))


def at_risk_q() -> Q:
    """Warned by the watch and still open (an escalated one is past that: it counts as escalated)."""
    return open_q() & Q(warned_at__isnull=False, escalated_at__isnull=True)


@dataclass
class Filters:
    status: str = ""
    priority: str = ""
    owner: int | None = None
    customer: int | None = None
    sla: str = ""
    mine: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: QueryDict | dict[str, Any]) -> Filters:
        f = cls()
        errors: dict[str, str] = {}
        status = (data.get("status") or "").strip()
        if status in ServiceStatus.values or status in ("", "open"):
            f.status = status
        else:
            errors["status"] = _("Unknown status.")
        priority = (data.get("priority") or "").strip()
        if priority in Priority.values or priority == "":
            f.priority = priority
        else:
            errors["priority"] = _("Unknown priority.")
        for name in ("owner", "customer"):
            raw = (data.get(name) or "").strip()
            if raw:
                number = parse_id(raw)
                if number is None:
                    errors[name] = _("Not a valid choice.")
                setattr(f, name, number)
        sla = (data.get("sla") or "").strip()
        if sla in SLA_FLAGS or sla == "":
            f.sla = sla
        else:
            errors["sla"] = _("Unknown SLA state.")
        f.mine = str(data.get("mine") or "") in ("1", "true", "on")
        f.q = (data.get("q") or "").strip()[:100]
        sort = (data.get("sort") or DEFAULT_SORT).strip()
        f.sort = sort if sort.lstrip("-") in SORTS else DEFAULT_SORT
        f.errors = errors
        return f

    def as_query(self) -> dict[str, str]:
        query = {
            "status": self.status,
            "priority": self.priority,
            "owner": str(self.owner or ""),
            "customer": str(self.customer or ""),
            "sla": self.sla,
            "mine": "1" if self.mine else "",
            "q": self.q,
        }
        return {k: v for k, v in query.items() if v}


def _priority_rank() -> Any:
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        *(When(priority=p, then=Value(i)) for i, p in enumerate(Priority.values)),
        default=Value(len(Priority.values)),
        output_field=IntegerField(),
    )


def requests(user: User, filters: Filters, now: dt.datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    qs = service_requests_for(user).select_related("customer", "owner", "kind", "escalated_to")
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.mine:
        qs = qs.filter(Q(owner=user) | Q(escalated_to=user))
    if filters.sla == "breached":
        qs = qs.filter(breached_q(now))
    elif filters.sla == "at_risk":
        qs = qs.filter(at_risk_q())
    elif filters.sla == "escalated":
        qs = qs.filter(escalated_at__isnull=False)
    if filters.q:
        qs = qs.filter(Q(number__icontains=filters.q) | Q(subject__icontains=filters.q))
    descending = filters.sort.startswith("-")
    columns = SORTS[filters.sort.lstrip("-")]
    if "priority_rank" in columns:
        qs = qs.annotate(priority_rank=_priority_rank())
    return qs.order_by(*[f"-{c}" if descending else c for c in columns])


def owner_choices(user: User) -> list[User]:
    ids = service_requests_for(user).order_by().values("owner_id")
    return list(User.objects.filter(pk__in=ids).order_by("name", "username"))


def customer_choices(user: User) -> list[Customer]:
    ids = service_requests_for(user).order_by().values("customer_id")
    return list(Customer.objects.filter(pk__in=ids).order_by("name").only("pk", "name"))


# The SLA state of one request -----------------------------------------------------------------------


@dataclass
class SlaState:
    """What a row shows: the pending target (or "met"/"missed" for a finished request), the time
    left or overdue, and a css-friendly level (ok, risk, breach, met, missed)."""

    level: str
    label: str
    target: str
    due_at: dt.datetime | None
    seconds_left: int | None
    response_met: bool | None
    resolution_met: bool | None


def _span(seconds: float) -> str:
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)dd %(h)dh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)dh %(m)dm") % {"h": hours, "m": minutes}
    return _("%(m)dm") % {"m": minutes}


def sla_state(sr: ServiceRequest, now: dt.datetime | None = None) -> SlaState:
    now = now or timezone.now()
    response_met = None if sr.first_response_at is None else sr.first_response_at <= sr.response_due_at
    resolution_met = None if sr.resolved_at is None else sr.resolved_at <= sr.resolution_due_at
    if sr.status not in OPEN_STATUSES:
        missed = response_met is False or resolution_met is False
        return SlaState(
            level="missed" if missed else "met",
            label=_("SLA missed") if missed else _("SLA met"),
            target="",
            due_at=None,
            seconds_left=None,
            response_met=response_met,
            resolution_met=resolution_met,
        )
    if sr.first_response_at is None:
        due, target = sr.response_due_at, _("first response")
    else:
        due, target = sr.resolution_due_at, _("resolution")
    left = (due - now).total_seconds()
    if left < 0 or response_met is False:
        level = "breach"
    elif sr.warned_at is not None:
        level = "risk"
    else:
        level = "ok"
    if left < 0:
        label = _("%(target)s overdue by %(span)s") % {"target": target, "span": _span(left)}
    else:
        label = _("%(span)s left to %(target)s") % {"target": target, "span": _span(left)}
    return SlaState(level, label, str(target), due, int(left), response_met, resolution_met)


def with_states(rows: list[ServiceRequest], now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    return [
        {"request": sr, "sla": sla_state(sr, now), "priority": priority_label(sr.priority)} for sr in rows
    ]


# The top bar's count, a customer's open requests, the history ----------------------------------------


def at_risk_for_me(user: User) -> QuerySet:
    """Open requests the user must act on: theirs once warned, and those escalated to them."""
    return ServiceRequest.objects.filter(open_q()).filter(
        Q(owner=user, warned_at__isnull=False) | Q(escalated_to=user)
    )


def at_risk_count(user: User) -> int:
    if not user.is_active:
        return 0
    return at_risk_for_me(user).count()


def customer_open(user: User, customer: Customer) -> QuerySet:
    return (
        service_requests_for(user)
        .filter(customer=customer, status__in=OPEN_STATUSES)
        .select_related("owner", "kind")
        .order_by("resolution_due_at", "id")
    )


def history(sr: ServiceRequest) -> QuerySet:
    return (
        DeliveryChange.objects.filter(record=RECORD, record_id=sr.pk)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )


# SLA attainment per team and month ------------------------------------------------------------------


@dataclass
class AttainmentRow:
    team_id: int | None
    team: str
    resolved: int
    response_met: int
    resolution_met: int
    breaches: int
    mean_response: dt.timedelta | None
    mean_resolution: dt.timedelta | None

    @property
    def response_percent(self) -> float | None:
        return round(100 * self.response_met / self.resolved, 1) if self.resolved else None

    @property
    def resolution_percent(self) -> float | None:
        return round(100 * self.resolution_met / self.resolved, 1) if self.resolved else None

    @property
    def mean_response_hours(self) -> float | None:
        return None if self.mean_response is None else round(self.mean_response.total_seconds() / 3600, 1)

    @property
    def mean_resolution_hours(self) -> float | None:
        return None if self.mean_resolution is None else round(self.mean_resolution.total_seconds() / 3600, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's start and the next month's start, in the site's time zone."""
    start = dt.datetime(month.year, month.month, 1)
    end = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return timezone.make_aware(start, tz), timezone.make_aware(end, tz)


def _as_duration(value: Any) -> dt.timedelta | None:
    # SQLite hands back the mean of a duration as microseconds; PostgreSQL as an interval.
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=float(value))


def attainment(user: User, month: dt.date) -> tuple[list[AttainmentRow], AttainmentRow]:
    """Requests resolved in the month (by resolution time), per team of their owner: how many, how
    many answered and resolved within target, how many missed either, mean times to first response
    and to resolution. One statement; the total is summed from its rows."""
    start, end = month_bounds(month)
    response_time = ExpressionWrapper(F("first_response_at") - F("opened_at"), output_field=DurationField())
    resolution_time = ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())
    response_met = Q(first_response_at__lte=F("response_due_at"))
    resolution_met = Q(resolved_at__lte=F("resolution_due_at"))
    rows = (
        service_requests_for(user)
        .filter(resolved_at__gte=start, resolved_at__lt=end)
        .order_by()
        .values("owner__team_id", "owner__team__name")
        .annotate(
            resolved=Count("id"),
            response_met=Count("id", filter=response_met),
            resolution_met=Count("id", filter=resolution_met),
            breaches=Count("id", filter=~(response_met & resolution_met)),
            mean_response=Avg(response_time),
            mean_resolution=Avg(resolution_time),
        )
        .order_by("owner__team__name")
    )
    result = [
        AttainmentRow(
            team_id=r["owner__team_id"],
            team=r["owner__team__name"] or _("No team"),
            resolved=r["resolved"],
            response_met=r["response_met"],
            resolution_met=r["resolution_met"],
            breaches=r["breaches"],
            mean_response=_as_duration(r["mean_response"]),
            mean_resolution=_as_duration(r["mean_resolution"]),
        )
        for r in rows
    ]
    return result, _total(result)


def _weighted(rows: list[AttainmentRow], name: str) -> dt.timedelta | None:
    pairs = [(getattr(r, name), r.resolved) for r in rows if getattr(r, name) is not None]
    count = sum(n for _mean, n in pairs)
    if not count:
        return None
    return sum((mean * n for mean, n in pairs), dt.timedelta()) / count


def _total(rows: list[AttainmentRow]) -> AttainmentRow:
    return AttainmentRow(
        team_id=None,
        team=_("All teams"),
        resolved=sum(r.resolved for r in rows),
        response_met=sum(r.response_met for r in rows),
        resolution_met=sum(r.resolution_met for r in rows),
        breaches=sum(r.breaches for r in rows),
        mean_response=_weighted(rows, "mean_response"),
        mean_resolution=_weighted(rows, "mean_resolution"),
    )
